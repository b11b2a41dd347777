"""`adapters.aaf.records.validate` as tables of cases (formats §1,
domain-rules §2, §5, §11): one case per reason code and field, valid records
of the six categories, and no personal value in any rejection."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.aaf.parser import RawRecord
from adapters.aaf.records import validate
from adapters.errors import Rejection

FILE = "ENTTEST_Complet_20260818_X_0000.xml"
LINE = 42

# Hand-written valid records (attribute name → values), one per category.
VALID: dict[str, tuple[str, dict[str, list[str]]]] = {
    "EtabEducNat": (
        "4001",
        {
            "ENTStructureJointure": ["4001"],
            "ENTStructureUAI": ["0571994H"],
            "ENTStructureNomCourant": ["CLG-VAL D'ARGENT-ac-NANCY-METZ"],
            "ENTStructureTypeStruct": ["COLLEGE"],
            "ENTEtablissementContrat": ["PU"],
            "ENTServAcAcademie": ["NANCY-METZ"],
            "street": [],
            "postalCode": ["57000"],
            "l": ["METZ"],
            "telephoneNumber": [],
            "ENTStructureClasses": ["3EME1$3EME 1$10310019110", "3 A$3EME A$10310019110$10310019111"],
            "ENTStructureGroupes": ["ALL2$ALLEMAND LV2$3EME1$3 A", "T-S_3$GROUPE$3EME1"],
        },
    ),
    "MatiereEducNat": ("030201", {"ENTMatJointure": ["030201"], "ENTLibelleMatiere": ["ALLEMAND LV2"]}),
    "MefEducNat": ("10310019110", {"ENTMefJointure": ["10310019110"], "ENTLibelleMef": ["3EME"]}),
    "Eleve": (
        "1000001",
        {
            "ENTPersonJointure": ["1000001"],
            "ENTEleveStructRattachId": ["650001"],
            "ENTEleveINE": ["070123456AB"],
            "personalTitle": ["Mme"],
            "sn": ["ZORGLUB"],
            "givenName": ["Anaïs-Maëlle"],
            "ENTPersonNomPatro": ["ZORGLUB"],
            "ENTPersonAutresPrenoms": ["Anaïs-Maëlle", "Zoé"],
            "ENTPersonDateNaissance": ["14/07/2011"],
            "ENTPersonStructRattach": ["4001"],
            "ENTEleveClasses": ["4001$3EME1"],
            "ENTEleveGroupes": ["4001$ALL2", "4001$12345678"],
            "ENTElevePersRelEleve": [
                "2000001$10$1$1$1$1",
                "2000002$20$0$2$0$0",
                "2000003$90$0$0$1$0",
                "2000004$3$0$$0$0",
            ],
            "ENTEleveAutoriteParentale": ["2000001"],
            "mail": [],
            "homePhone": [],
        },
    ),
    "PersRelEleve": (
        "2000001",
        {
            "ENTPersonJointure": ["2000001"],
            "personalTitle": ["Mme"],
            "sn": ["D'ALMEIDA"],
            "givenName": ["Marie-Thérèse"],
            "ENTPersonNomPatro": ["DUPONT"],
            "ENTPersonDateNaissance": [],
            "homePhone": [],
            "telephoneNumber": [],
            "mobile": ["+33600000001"],
            "mail": [],
            "ENTPersonAdresse": ["3 rue de l'Église$Bâtiment B"],
            "ENTPersonCodePostal": ["57000"],
            "ENTPersonVille": ["METZ"],
            "ENTPersonPays": ["FRANCE"],
            "ENTAuxPersRelEleveEleve": ["1000001"],
        },
    ),
    "PersEducNat": (
        "3000001",
        {
            "ENTPersonJointure": ["3000001"],
            "personalTitle": ["Mme"],
            "sn": ["KOWALSKI"],
            "givenName": ["Ève"],
            "ENTPersonNomPatro": ["KOWALSKI"],
            "ENTPersonDateNaissance": ["02/02/1980"],
            "mail": ["eve.kowalski@ac-nancy-metz.fr"],
            "ENTPersonStructRattach": [],
            "ENTPersonFonctions": ["4001$ENS$ENSEIGNEMENT$L0422$ALLEMAND"],
            "PersEducNatPresenceDevantEleves": ["O"],
            "ENTAuxEnsClasses": ["4001$3EME1", "4001$3 A"],
            "ENTAuxEnsGroupes": ["4001$ALL2"],
        },
    ),
}

# Values that are personal (domain-rules §11): never in a rejection.
PERSONAL = (
    "ZORGLUB",
    "Anaïs",
    "14/07/2011",
    "070123456AB",
    "D'ALMEIDA",
    "Marie-Thérèse",
    "KOWALSKI",
    "Ève",
    "02/02/1980",
    "+33600000001",
    "Église",
)


def raw(
    category: str, changes: dict[str, list[str]] | None = None, *, rec_id: str | None = None, op: str = "add"
) -> tuple[RawRecord, dict[str, list[str]]]:
    default_id, attrs = VALID[category]
    attrs = {**attrs, **(changes or {})}
    return RawRecord(FILE, LINE, op, category, default_id if rec_id is None else rec_id, attrs), attrs


def check(rejections: list[Rejection], reason: str, field: str, record_id: str) -> Rejection:
    assert len(rejections) == 1, rejections
    (r,) = rejections
    assert (r.reason, r.field, r.file, r.line, r.record_id) == (reason, field, FILE, LINE, record_id)
    assert r.message
    text = f"{r.describe()} {r!r}"
    for value in PERSONAL:
        assert value not in text, f"personal value {value!r} in {text!r}"
    return r


@pytest.mark.parametrize("category", list(VALID))
def test_valid_record_of_each_category(category):
    record, attrs = raw(category)
    assert validate(record, attrs) == []


@pytest.mark.parametrize(
    "category, changes",
    [
        ("Eleve", {"ENTEleveGroupes": [], "ENTElevePersRelEleve": [], "mail": []}),  # empty optional lists
        ("Eleve", {"ENTPersonDateNaissance": ["29/02/2012"]}),  # leap day
        ("Eleve", {"ENTEleveClasses": ["4001$T-S_3"]}),
        ("Eleve", {"ENTEleveINE": ["1234567890A"]}),
        ("EtabEducNat", {"ENTStructureUAI": ["0011068F"], "ENTStructureClasses": [], "ENTStructureGroupes": []}),
        ("EtabEducNat", {"ENTStructureUAI": ["0880054F"], "ENTStructureClasses": ["12345678$HUIT$10310019110"]}),
        ("PersRelEleve", {"ENTPersonDateNaissance": ["01/01/1975"]}),
        ("PersEducNat", {"ENTPersonDateNaissance": [], "ENTAuxEnsClasses": [], "ENTAuxEnsGroupes": []}),
        ("MatiereEducNat", {"ENTLibelleMatiere": []}),  # a label is not required
    ],
)
def test_valid_variants(category, changes):
    record, attrs = raw(category, changes)
    assert validate(record, attrs) == []


CASES = [
    # ---- identity
    ("Eleve", {}, "", "missing_identifier", "identifier/id"),
    ("EtabEducNat", {}, "", "missing_identifier", "identifier/id"),
    ("MefEducNat", {}, "", "missing_identifier", "identifier/id"),
    ("Eleve", {"ENTPersonJointure": []}, None, "missing_field", "ENTPersonJointure"),
    ("EtabEducNat", {"ENTStructureJointure": []}, None, "missing_field", "ENTStructureJointure"),
    ("MatiereEducNat", {"ENTMatJointure": []}, None, "missing_field", "ENTMatJointure"),
    ("MefEducNat", {"ENTMefJointure": []}, None, "missing_field", "ENTMefJointure"),
    ("Eleve", {"ENTPersonJointure": ["1000099"]}, None, "jointure_mismatch", "ENTPersonJointure"),
    ("PersRelEleve", {"ENTPersonJointure": ["2000099"]}, None, "jointure_mismatch", "ENTPersonJointure"),
    ("PersEducNat", {"ENTPersonJointure": ["3000099"]}, None, "jointure_mismatch", "ENTPersonJointure"),
    ("EtabEducNat", {"ENTStructureJointure": ["4099"]}, None, "jointure_mismatch", "ENTStructureJointure"),
    ("MatiereEducNat", {"ENTMatJointure": ["030202"]}, None, "jointure_mismatch", "ENTMatJointure"),
    ("MefEducNat", {"ENTMefJointure": ["10310019111"]}, None, "jointure_mismatch", "ENTMefJointure"),
    # ---- fiche incomplète (domain-rules §5)
    ("Eleve", {"sn": []}, None, "missing_field", "sn"),
    ("Eleve", {"givenName": []}, None, "missing_field", "givenName"),
    ("Eleve", {"ENTPersonDateNaissance": []}, None, "missing_field", "ENTPersonDateNaissance"),
    ("Eleve", {"ENTPersonStructRattach": []}, None, "missing_field", "ENTPersonStructRattach"),
    ("PersRelEleve", {"sn": []}, None, "missing_field", "sn"),
    ("PersRelEleve", {"givenName": []}, None, "missing_field", "givenName"),
    ("PersEducNat", {"sn": []}, None, "missing_field", "sn"),
    ("PersEducNat", {"givenName": []}, None, "missing_field", "givenName"),
    # ---- INE
    ("Eleve", {"ENTEleveINE": []}, None, "missing_ine", "ENTEleveINE"),
    ("Eleve", {"ENTEleveINE": ["07012345"]}, None, "invalid_ine", "ENTEleveINE"),
    ("Eleve", {"ENTEleveINE": ["070123456AB1"]}, None, "invalid_ine", "ENTEleveINE"),
    ("Eleve", {"ENTEleveINE": ["070123456A-"]}, None, "invalid_ine", "ENTEleveINE"),
    ("Eleve", {"ENTEleveINE": ["070123 56AB"]}, None, "invalid_ine", "ENTEleveINE"),
    # ---- dates dd/mm/yyyy
    ("Eleve", {"ENTPersonDateNaissance": ["31/02/2011"]}, None, "invalid_date", "ENTPersonDateNaissance"),
    ("Eleve", {"ENTPersonDateNaissance": ["2011-07-14"]}, None, "invalid_date", "ENTPersonDateNaissance"),
    ("Eleve", {"ENTPersonDateNaissance": ["14/07/11"]}, None, "invalid_date", "ENTPersonDateNaissance"),
    ("Eleve", {"ENTPersonDateNaissance": ["14/13/2011"]}, None, "invalid_date", "ENTPersonDateNaissance"),
    ("PersRelEleve", {"ENTPersonDateNaissance": ["1975-01-01"]}, None, "invalid_date", "ENTPersonDateNaissance"),
    ("PersEducNat", {"ENTPersonDateNaissance": ["32/01/1980"]}, None, "invalid_date", "ENTPersonDateNaissance"),
    # ---- class and group codes: ≤ 8 letters, digits, space, - or _ (domain-rules §2)
    (
        "EtabEducNat",
        {"ENTStructureClasses": ["3EMEEUROPE$3EME EUROPE$10310019110"]},
        None,
        "invalid_code",
        "ENTStructureClasses",
    ),
    ("EtabEducNat", {"ENTStructureClasses": ["$SANS CODE$10310019110"]}, None, "invalid_code", "ENTStructureClasses"),
    ("EtabEducNat", {"ENTStructureGroupes": ["ALL.2$ALLEMAND$3EME1"]}, None, "invalid_code", "ENTStructureGroupes"),
    ("Eleve", {"ENTEleveClasses": ["4001$123456789"]}, None, "invalid_code", "ENTEleveClasses"),
    ("Eleve", {"ENTEleveClasses": ["4001$3EME/1"]}, None, "invalid_code", "ENTEleveClasses"),
    ("Eleve", {"ENTEleveClasses": ["4001$3ÈME1"]}, None, "invalid_code", "ENTEleveClasses"),
    ("Eleve", {"ENTEleveClasses": ["$3EME1"]}, None, "invalid_code", "ENTEleveClasses"),  # no SJ
    ("Eleve", {"ENTEleveClasses": ["3EME1"]}, None, "invalid_code", "ENTEleveClasses"),  # not SJ$code
    ("Eleve", {"ENTEleveGroupes": ["4001$ALL2", "4001$LV2/ESP"]}, None, "invalid_code", "ENTEleveGroupes"),
    ("PersEducNat", {"ENTAuxEnsClasses": ["4001$3EME 1 BIS"]}, None, "invalid_code", "ENTAuxEnsClasses"),
    ("PersEducNat", {"ENTAuxEnsGroupes": ["4001$"]}, None, "invalid_code", "ENTAuxEnsGroupes"),
    # ---- relations relId$lien$respFinancier$respLegal$contact$paiement
    ("Eleve", {"ENTElevePersRelEleve": ["2000001$10$1"]}, None, "invalid_value", "ENTElevePersRelEleve"),
    ("Eleve", {"ENTElevePersRelEleve": ["$10$1$1$1$1"]}, None, "invalid_value", "ENTElevePersRelEleve"),
    ("Eleve", {"ENTElevePersRelEleve": ["2000001$10$1$5$1$1"]}, None, "invalid_value", "ENTElevePersRelEleve"),
    (
        "Eleve",
        {"ENTElevePersRelEleve": ["2000001$10$1$1$1$1", "2000002"]},
        None,
        "invalid_value",
        "ENTElevePersRelEleve",
    ),
]


@pytest.mark.parametrize(
    "category, changes, rec_id, reason, field", CASES, ids=[f"{c[0]}-{c[3]}-{c[4]}-{i}" for i, c in enumerate(CASES)]
)
def test_rejection(category, changes, rec_id, reason, field):
    record, attrs = raw(category, changes, rec_id=rec_id)
    check(validate(record, attrs), reason, field, record.id)


def test_every_reason_code_is_covered():
    reasons = {c[3] for c in CASES}
    assert reasons == {
        "missing_identifier",
        "missing_field",
        "jointure_mismatch",
        "missing_ine",
        "invalid_ine",
        "invalid_date",
        "invalid_code",
        "invalid_value",
    }


@pytest.mark.parametrize("uai", ["0571994A", "0880054G", "571994H", "0571994h", "Z.REMP-57", ""])
def test_a_structure_whose_code_fails_the_check_letter_is_kept(uai):
    """domain-rules §12: replacement zones and other administrative
    structures are structures without students (projections/served.py
    lists them), never dropped with the staff attached to them."""
    record, attrs = raw("EtabEducNat", {"ENTStructureUAI": [uai] if uai else []})
    assert validate(record, attrs) == []


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({}, None),  # VE1803+: an INE
        ({"ENTEleveINE": []}, "missing_ine"),  # the version carries it, empty: no account (§5)
        ({"ENTEleveINE": None}, None),  # VE1301: no INE by format
        ({"ENTEleveINE": None, "mail": None}, None),
    ],
)
def test_ine_is_required_only_where_the_version_carries_it(changes, reason):
    _, attrs = raw("Eleve")
    attrs = {k: v for k, v in {**attrs, **changes}.items() if v is not None}
    record = RawRecord(FILE, LINE, "add", "Eleve", "1000001", attrs)
    found = [r.reason for r in validate(record, attrs)]
    assert found == ([reason] if reason else [])


def test_an_ine_shown_by_a_record_without_the_attribute_in_its_version_is_still_checked():
    """A record read as VE1301 that carries an INE anyway: checked when given."""
    from adapters.aaf.models import StudentRecordWithoutIne

    _, attrs = raw("Eleve")
    base = {"jointure": "1000001", "sn": "X", "givenName": "Y", "birth": "14/07/2011", "structure": "4001"}
    assert StudentRecordWithoutIne.model_validate({**base, "ine": ""}).ine == ""
    with pytest.raises(ValidationError):
        StudentRecordWithoutIne.model_validate({**base, "ine": "0701"})


def test_the_bad_value_itself_is_never_in_the_rejection():
    """Each bad value is personal or looks like it: none may leak."""
    for changes, bad in [
        ({"ENTPersonDateNaissance": ["31/02/2011"]}, "31/02/2011"),
        ({"ENTEleveINE": ["07012345"]}, "07012345"),
        ({"ENTEleveINE": ["070123456A-"]}, "070123456A-"),
        ({"ENTEleveClasses": ["4001$3EMEEUROPE"]}, "3EMEEUROPE"),
        ({"ENTElevePersRelEleve": ["2000001$10$1$5$1$1"]}, "2000001$10"),
    ]:
        record, attrs = raw("Eleve", changes)
        (r,) = validate(record, attrs)
        assert bad not in f"{r.describe()} {r!r}"


# --------------------------------------------------------------------------- modify


def test_modify_is_validated_on_the_merged_attributes():
    _, previous = raw("Eleve")
    modify = RawRecord(FILE, LINE, "modify", "Eleve", "1000001", {"sn": []})
    check(validate(modify, {**previous, **modify.attrs}), "missing_field", "sn", "1000001")
    ok = RawRecord(FILE, LINE, "modify", "Eleve", "1000001", {"sn": ["ZORGLUB-MARTIN"]})
    assert validate(ok, {**previous, **ok.attrs}) == []


def test_modify_without_jointure_attribute_is_not_a_missing_field():
    _, previous = raw("PersRelEleve")
    previous = {k: v for k, v in previous.items() if k != "ENTPersonJointure"}
    modify = RawRecord(FILE, LINE, "modify", "PersRelEleve", "2000001", {"mail": ["x@example.org"]})
    assert validate(modify, {**previous, **modify.attrs}) == []


def test_modify_changing_the_jointure_is_a_mismatch():
    _, previous = raw("PersEducNat")
    modify = RawRecord(FILE, LINE, "modify", "PersEducNat", "3000001", {"ENTPersonJointure": ["3000002"]})
    check(validate(modify, {**previous, **modify.attrs}), "jointure_mismatch", "ENTPersonJointure", "3000001")


# --------------------------------------------------------------------------- bugs


def test_class_code_with_a_newline_is_invalid():
    record, attrs = raw("EtabEducNat", {"ENTStructureClasses": ["3EME1\n$3EME 1$10310019110"]})
    check(validate(record, attrs), "invalid_code", "ENTStructureClasses", "4001")


@pytest.mark.parametrize("ine", ["07012345ÉAB", "070123456²B"], ids=["accented-letter", "superscript-digit"])
def test_ine_with_non_ascii_characters_is_invalid(ine):
    record, attrs = raw("Eleve", {"ENTEleveINE": [ine]})
    check(validate(record, attrs), "invalid_ine", "ENTEleveINE", "1000001")


def test_an_empty_value_among_the_relations_is_not_a_malformed_relation():
    """formats §1: `<value></value>` occurs in the relation list of real files."""
    record, attrs = raw("Eleve", {"ENTElevePersRelEleve": ["2000001$10$1$1$1$1", "", "2000002$20$0$2$0$0"]})
    assert validate(record, attrs) == []
