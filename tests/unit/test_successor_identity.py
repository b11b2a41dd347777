"""The record a successor opens with when SIECLE or STS-web found the
overwrite (events/successor_identity.py, issue 15, domain-rules §11): the
source's values now in the AAF attributes, the AAF's other attributes kept,
a contact the source does not give left empty — never the previous
holder's. A table: the AAF record and the source's values in, the record out."""

from __future__ import annotations

import pytest

from events.successor_identity import aaf_date, successor_attrs, title

GUARDIAN_AAF = {
    "ENTPersonJointure": ["900002"],
    "personalTitle": ["M."],
    "sn": ["MARTIN"],
    "givenName": ["Paul"],
    "ENTPersonNomPatro": ["MARTIN"],
    "ENTPersonDateNaissance": ["03/04/1975"],
    "mail": ["paul.martin@example.org"],
    "mobile": ["0600000001"],
    "homePhone": ["0400000001"],
    "telephoneNumber": ["0400000002"],
    "ENTPersonAdresse": ["1 rue des Lilas"],
    "ENTPersonCodePostal": ["69001"],
    "ENTPersonVille": ["LYON"],
    "ENTPersonPays": ["FRANCE"],
    "ENTAuxPersRelEleveEleve": ["700001"],
    "ENTPersonStructRattach": ["S1"],
}
KEPT = {"ENTPersonJointure": ["900002"], "ENTAuxPersRelEleveEleve": ["700001"], "ENTPersonStructRattach": ["S1"]}
NO_CONTACT = {
    "mail": [],
    "mobile": [],
    "homePhone": [],
    "telephoneNumber": [],
    "ENTPersonAdresse": [],
    "ENTPersonCodePostal": [],
    "ENTPersonVille": [],
    "ENTPersonPays": [],
}
HELENE = {"civility": "MME", "family_name": "DURAND", "usage_name": "MARTIN", "given_name": "Hélène"}
STUDENT_AAF = {
    "ENTPersonJointure": ["1234"],
    "ENTEleveStructRattachId": ["700001"],
    "ENTEleveINE": ["0701234567K"],
    "personalTitle": ["M."],
    "sn": ["MARTIN"],
    "givenName": ["Lucas"],
    "ENTPersonNomPatro": ["MARTIN"],
    "ENTPersonAutresPrenoms": ["Pierre"],
    "ENTPersonDateNaissance": ["01/02/2012"],
    "ENTEleveClasses": ["S1$3A"],
    "ENTElevePersRelEleve": ["900002$10$1$1"],
    "mail": ["lucas@example.org"],
}
STUDENT_KEPT = {k: STUDENT_AAF[k] for k in ("ENTPersonJointure", "ENTEleveStructRattachId", "ENTEleveClasses",
                                             "ENTElevePersRelEleve")}  # fmt: skip


@pytest.mark.parametrize(
    ("aaf", "kind", "current", "expected"),
    [
        pytest.param(  # the other parent, a usage name, no contact in SIECLE: the previous ones left empty
            GUARDIAN_AAF,
            "guardian",
            HELENE,
            {
                **KEPT,
                **NO_CONTACT,
                "personalTitle": ["Mme"],
                "sn": ["MARTIN"],
                "ENTPersonNomPatro": ["DURAND"],
                "givenName": ["Hélène"],
                "ENTPersonDateNaissance": [],
            },  # fmt: skip
            id="guardian-without-contacts",
        ),
        pytest.param(  # SIECLE's own contacts and address
            GUARDIAN_AAF,
            "guardian",
            {
                **HELENE,
                "usage_name": "",
                "email": "helene@example.org",
                "phone_mobile": "0611111111",
                "phone_home": "",
                "phone_work": "0422222222",
                "address": {
                    "lines": ["2 place Bellecour", "Bât. B"],
                    "postal_code": "69002",
                    "postal_label": "LYON",
                    "country": "100",
                },
            },  # fmt: skip
            {
                **KEPT,
                **NO_CONTACT,
                "personalTitle": ["Mme"],
                "sn": ["DURAND"],
                "ENTPersonNomPatro": ["DURAND"],
                "givenName": ["Hélène"],
                "ENTPersonDateNaissance": [],
                "mail": ["helene@example.org"],
                "mobile": ["0611111111"],
                "telephoneNumber": ["0422222222"],
                "ENTPersonAdresse": ["2 place Bellecour$Bât. B"],
                "ENTPersonCodePostal": ["69002"],
                "ENTPersonVille": ["LYON"],
                "ENTPersonPays": ["100"],
            },  # fmt: skip
            id="guardian-with-contacts",
        ),
        pytest.param(  # retyped over the names only: the previous holder's e-mail, phones and address left empty
            GUARDIAN_AAF,
            "guardian",
            {
                **HELENE,
                "email": "Paul.Martin@example.org",
                "phone_mobile": "06 00 00 00 01",
                "phone_home": "0499999999",
                "phone_work": "",
                "address": {
                    "lines": ["1 rue des Lilas"],
                    "postal_code": "69001",
                    "postal_label": "LYON",
                    "country": "FRANCE",
                },
            },  # fmt: skip
            {
                **KEPT,
                **NO_CONTACT,
                "personalTitle": ["Mme"],
                "sn": ["MARTIN"],
                "ENTPersonNomPatro": ["DURAND"],
                "givenName": ["Hélène"],
                "ENTPersonDateNaissance": [],
                "homePhone": ["0499999999"],
            },  # fmt: skip
            id="guardian-contacts-left-from-the-previous-holder",
        ),
        pytest.param(  # a bare AAF record: no attribute invented but the names
            {"ENTPersonJointure": ["900002"], "sn": ["MARTIN"], "givenName": ["Paul"], "mail": ["p@example.org"]},
            "guardian",
            {"civility": "M.", "family_name": "BERNARD", "usage_name": "", "given_name": "Luc", "email": ""},
            {
                "ENTPersonJointure": ["900002"],
                "sn": ["BERNARD"],
                "givenName": ["Luc"],
                "personalTitle": ["M."],
                "mail": [],
            },  # fmt: skip
            id="guardian-bare-record",
        ),
        pytest.param(  # a sibling retyped over a pupil: names, other given names, birth date, INE
            STUDENT_AAF,
            "student",
            {
                "ine": "0701234568L",
                "family_name": "MARTIN",
                "usage_name": "",
                "given_name": "Emma",
                "given_name2": "Louise",
                "given_name3": "",
                "birth_date": "2014-06-30",
                "sex": "2",
            },  # fmt: skip
            {
                **STUDENT_KEPT,
                "ENTEleveINE": ["0701234568L"],
                "personalTitle": [],
                "sn": ["MARTIN"],
                "ENTPersonNomPatro": ["MARTIN"],
                "givenName": ["Emma"],
                "ENTPersonAutresPrenoms": ["Louise"],
                "ENTPersonDateNaissance": ["30/06/2014"],
                "mail": [],
            },  # fmt: skip
            id="student-sibling",
        ),
        pytest.param(  # an STS-web individual: no contact in STS, the previous e-mail left empty
            {
                "ENTPersonJointure": ["5555"],
                "personalTitle": ["M."],
                "sn": ["MARTIN"],
                "givenName": ["Paul"],
                "ENTPersonDateNaissance": ["03/04/1975"],
                "mail": ["paul.martin@ac-lyon.fr"],
                "ENTPersonSTSId": ["12345"],
                "ENTPersonFonctions": ["S1$ENS$L0202"],
            },  # fmt: skip
            "teacher",
            {
                "family_name": "LEROY",
                "usage_name": "",
                "given_name": "Anne",
                "birth_date": "1980-12-01",
                "civility": "MME",
                "line": 12,
            },  # fmt: skip
            {
                "ENTPersonJointure": ["5555"],
                "personalTitle": ["Mme"],
                "sn": ["LEROY"],
                "givenName": ["Anne"],
                "ENTPersonDateNaissance": ["01/12/1980"],
                "mail": [],
                "ENTPersonSTSId": ["12345"],
                "ENTPersonFonctions": ["S1$ENS$L0202"],
            },  # fmt: skip
            id="sts-teacher",
        ),
    ],
)
def test_the_successor_takes_the_sources_identity_and_keeps_the_rest(aaf, kind, current, expected):
    assert successor_attrs(aaf, kind, current) == expected


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown record kind"):
        successor_attrs(GUARDIAN_AAF, "structure", HELENE)


@pytest.mark.parametrize(
    ("civility", "expected"), [("M.", "M."), ("M", "M."), ("MME", "Mme"), ("Mme", "Mme"), ("MLLE", "Mlle"), ("", "")]
)
def test_titles(civility, expected):
    assert title(civility) == expected


@pytest.mark.parametrize(("iso", "expected"), [("2014-06-30", "30/06/2014"), ("", ""), ("2014", "")])
def test_dates(iso, expected):
    assert aaf_date(iso) == expected
