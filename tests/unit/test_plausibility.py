"""Implausible values (domain-rules §12) as tables of cases: the pure rules,
the AAF parser telling a name of blanks from an empty one, and
``adapters.aaf.records.examine`` setting fields aside or rejecting a record
with no usable name — never with the value in a message."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest

from adapters.aaf.parser import BLANK, RawRecord, read_records
from adapters.aaf.records import examine, implausible
from adapters.plausibility import (
    BIRTH_BEFORE_1900,
    BIRTH_IN_FUTURE,
    NAME_BLANK,
    NAME_CONTROL,
    NAME_INVISIBLE,
    NAME_MAX_LENGTH,
    NAME_TOO_LONG,
    NO_USABLE_NAME,
    birth_problem,
    name_problem,
    reference_day,
)
from tests.unit.test_aaf_validation import FILE, LINE, PERSONAL, VALID

EXPORT = date(2026, 8, 18)


@pytest.mark.parametrize(
    "value, problem",
    [
        ("MARTIN", None),
        ("Léa", None),
        ("D'ALMEIDA", None),
        ("Jean-Baptiste Marie", None),
        ("Nguyễn", None),
        ("Ψ" * NAME_MAX_LENGTH, None),
        ("Le\u0301a" * (NAME_MAX_LENGTH // 3), None),  # NFC: 3 characters each
        (BLANK, NAME_BLANK),
        ("", NAME_BLANK),
        ("\u00a0\u3000", NAME_BLANK),
        ("A" * (NAME_MAX_LENGTH + 1), NAME_TOO_LONG),
        ("Zoé-" * 2000, NAME_TOO_LONG),
        ("MAR\tTIN", NAME_CONTROL),
        ("MAR\nTIN", NAME_CONTROL),
        ("Lé\x00a", NAME_CONTROL),
        ("Lé\x85a", NAME_CONTROL),
        ("Lé\x7fa", NAME_CONTROL),
        ("LE\u2028GALL", NAME_CONTROL),
        ("MAR\u200bTIN", NAME_INVISIBLE),
        ("\ufeffMARTIN", NAME_INVISIBLE),
        ("Lé\u00ada", NAME_INVISIBLE),
        ("Lé\u200da", NAME_INVISIBLE),
        ("\u202eNITRAM", NAME_INVISIBLE),
        # a long name is judged too long before its characters
        ("\t" * (NAME_MAX_LENGTH + 1) + "A", NAME_TOO_LONG),
    ],
)
def test_name_problems(value, problem):
    assert name_problem(value) == problem


@pytest.mark.parametrize(
    "value", ["Léa", "Chloé Cœur", "Nguyễn Thị", "Lé\u200ba", "é" * NAME_MAX_LENGTH, "é" * (NAME_MAX_LENGTH + 1)]
)
def test_the_verdict_does_not_depend_on_unicode_normalisation(value):
    forms = {unicodedata.normalize(form, value) for form in ("NFC", "NFD")}
    assert len({name_problem(v) for v in forms}) == 1


@pytest.mark.parametrize(
    "born, reference, problem",
    [
        (date(2012, 4, 3), EXPORT, None),
        (EXPORT, EXPORT, None),
        (date(1900, 1, 1), EXPORT, None),
        (date(2026, 8, 19), EXPORT, BIRTH_IN_FUTURE),
        (date(2031, 4, 3), EXPORT, BIRTH_IN_FUTURE),
        (date(9999, 12, 31), EXPORT, BIRTH_IN_FUTURE),
        (date(1899, 12, 31), EXPORT, BIRTH_BEFORE_1900),
        (date(1, 1, 1), EXPORT, BIRTH_BEFORE_1900),
        (date(2031, 4, 3), None, None),  # no reference: only the lower bound
    ],
)
def test_birth_problems(born, reference, problem):
    assert birth_problem(born, reference) == problem


@pytest.mark.parametrize(
    "exported, effective, reference",
    [
        (EXPORT, date(2026, 8, 20), EXPORT),  # ingested later: the file's own day
        (date(2027, 1, 1), date(2026, 8, 20), date(2026, 8, 20)),  # a file dated ahead proves nothing
        (None, date(2026, 8, 20), date(2026, 8, 20)),
    ],
)
def test_reference_day(exported, effective, reference):
    assert reference_day(exported, effective) == reference


def _part(sn_xml: str, given_xml: str, patro_xml: str = "<value>   </value>") -> RawRecord:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<ficAlimMENESR><addRequest>
<operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>
<identifier><id>1000001</id></identifier>
<attributes><attr name="sn">{sn_xml}</attr><attr name="givenName">{given_xml}</attr>
<attr name="ENTPersonNomPatro">{patro_xml}</attr></attributes>
</addRequest></ficAlimMENESR>""".encode()
    (record,) = read_records(io.BytesIO(xml), FILE, "Eleve")
    return record


@pytest.mark.parametrize(
    "sn_xml, sn",
    [
        ("<value>  MARTIN </value>", ["MARTIN"]),
        ("<value>   </value>", [BLANK]),  # typed as blanks: told from empty
        ("<value>&#xA0;</value>", [BLANK]),
        ("<value/>", []),  # empty: a fiche incomplète
        ("<value></value>", []),
    ],
)
def test_parser_tells_a_blank_name_from_an_empty_one(sn_xml, sn):
    record = _part(sn_xml, "<value>Léa</value>")
    assert record.attrs["sn"] == sn
    assert record.attrs["givenName"] == ["Léa"]
    assert record.attrs["ENTPersonNomPatro"] == []  # other attributes of blanks stay empty, as before


def _eleve(changes: dict[str, list[str]], op: str = "add") -> tuple[RawRecord, dict]:
    rec_id, attrs = VALID["Eleve"]
    attrs = {**attrs, **changes}
    return RawRecord(FILE, LINE, op, "Eleve", rec_id, attrs), attrs


# changes to the valid student → fields set aside (attribute → reason)
SET_ASIDE = [
    ({}, {}),
    ({"sn": [BLANK]}, {"sn": NAME_BLANK}),
    ({"givenName": ["A" * 5000]}, {"givenName": NAME_TOO_LONG}),
    ({"sn": ["ZORG\tLUB"]}, {"sn": NAME_CONTROL}),
    ({"givenName": ["Ana\u200bïs"]}, {"givenName": NAME_INVISIBLE}),
    ({"ENTPersonNomPatro": ["ZORG\u200bLUB"]}, {"ENTPersonNomPatro": NAME_INVISIBLE}),
    ({"ENTPersonAutresPrenoms": ["Anaïs", "Z" * 300]}, {"ENTPersonAutresPrenoms": NAME_TOO_LONG}),
    ({"ENTPersonAutresPrenoms": ["Anaïs", ""]}, {}),  # an empty value among others is not a typed name
    ({"ENTPersonDateNaissance": ["19/08/2026"]}, {"ENTPersonDateNaissance": BIRTH_IN_FUTURE}),
    ({"ENTPersonDateNaissance": ["18/08/2026"]}, {}),
    ({"ENTPersonDateNaissance": ["31/12/1899"]}, {"ENTPersonDateNaissance": BIRTH_BEFORE_1900}),
    (
        {"sn": ["Z" * 201], "ENTPersonDateNaissance": ["01/01/1850"]},
        {"sn": NAME_TOO_LONG, "ENTPersonDateNaissance": BIRTH_BEFORE_1900},
    ),
]


@pytest.mark.parametrize("changes, expected", SET_ASIDE, ids=[str(i) for i in range(len(SET_ASIDE))])
def test_examine_sets_fields_aside_and_keeps_the_record(changes, expected):
    record, attrs = _eleve(changes)
    rejections, aside = examine(record, attrs, EXPORT)
    assert rejections == []
    assert {s.field: s.reason for s in aside} == expected
    assert implausible("Eleve", attrs, EXPORT) == expected
    for s in aside:
        assert (s.file, s.line, s.record_id) == (FILE, LINE, "1000001") and s.message
        text = f"{s.describe()} {s!r}"
        for value in (*PERSONAL, "A" * 50, "Z" * 50, "19/08/2026", "31/12/1899", "01/01/1850"):
            assert value not in text


@pytest.mark.parametrize(
    "changes, reason, field",
    [
        ({"sn": [BLANK], "givenName": [BLANK]}, NO_USABLE_NAME, "sn,givenName"),
        ({"sn": ["Z" * 500], "givenName": ["Ana\u200bïs"]}, NO_USABLE_NAME, "sn,givenName"),
        (
            {"sn": ["ZORG\nLUB"], "givenName": [BLANK], "ENTPersonDateNaissance": ["01/01/3000"]},
            NO_USABLE_NAME,
            "sn,givenName",
        ),
        # an empty name is a fiche incomplète whatever the other one is (domain-rules §5)
        ({"sn": [], "givenName": [BLANK]}, "missing_field", "sn"),
        ({"sn": ["Z" * 500], "givenName": []}, "missing_field", "givenName"),
        # a malformed date is still bad input, not an implausible value
        ({"ENTPersonDateNaissance": ["31/02/2011"], "sn": [BLANK]}, "invalid_date", "ENTPersonDateNaissance"),
    ],
)
def test_examine_rejects_when_no_usable_name_remains(changes, reason, field):
    record, attrs = _eleve(changes)
    rejections, aside = examine(record, attrs, EXPORT)
    assert aside == []
    assert [(r.reason, r.field, r.record_id, r.line) for r in rejections] == [(reason, field, "1000001", LINE)]
    for value in (*PERSONAL, "Z" * 50):
        assert value not in f"{rejections[0].describe()} {rejections[0]!r}"


@pytest.mark.parametrize("category", ["PersRelEleve", "PersEducNat"])
def test_every_person_category_is_examined(category):
    rec_id, attrs = VALID[category]
    attrs = {**attrs, "givenName": ["X\u200b"], "ENTPersonDateNaissance": ["01/01/2099"]}
    rejections, aside = examine(RawRecord(FILE, LINE, "add", category, rec_id, attrs), attrs, EXPORT)
    assert rejections == []
    assert {s.field: s.reason for s in aside} == {
        "givenName": NAME_INVISIBLE,
        "ENTPersonDateNaissance": BIRTH_IN_FUTURE,
    }


@pytest.mark.parametrize("category", ["EtabEducNat", "MatiereEducNat", "MefEducNat"])
def test_structures_and_nomenclatures_have_no_names_to_judge(category):
    rec_id, attrs = VALID[category]
    assert examine(RawRecord(FILE, LINE, "add", category, rec_id, attrs), attrs, EXPORT) == ([], [])


def test_a_modify_is_judged_on_the_merged_record():
    previous = VALID["Eleve"][1] | {"sn": ["Z" * 500]}
    modify = RawRecord(FILE, LINE, "modify", "Eleve", "1000001", {"ENTEleveGroupes": ["4001$ALL2"]})
    rejections, aside = examine(modify, {**previous, **modify.attrs}, EXPORT)
    assert (rejections, [(s.field, s.reason) for s in aside]) == ([], [("sn", NAME_TOO_LONG)])
