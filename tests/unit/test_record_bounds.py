"""One AAF record is bounded (issue 18, point 6): 50 000 unknown attributes
or 50 001 groups on one record are not stored; the record is rejected with
where it was, the rest of the delivery goes on."""

from __future__ import annotations

from adapters.aaf.parser import RawRecord
from adapters.aaf.records import MAX_ATTRIBUTES, MAX_VALUES, validate

STUDENT = {
    "ENTPersonJointure": ["1000001"],
    "ENTEleveStructRattachId": ["650001"],
    "ENTEleveINE": ["070123456AB"],
    "sn": ["MARTIN"],
    "givenName": ["Léa"],
    "ENTPersonDateNaissance": ["03/04/2012"],
    "ENTPersonStructRattach": ["4001"],
    "ENTEleveClasses": ["4001$3EME1"],
}


def record(attrs: dict) -> RawRecord:
    return RawRecord("ENT_Complet_20260818_Eleve_0000.xml", 42, "add", "Eleve", "1000001", attrs)


def test_a_plain_student_is_valid():
    assert validate(record(dict(STUDENT)), dict(STUDENT)) == []


def test_unknown_attributes_beyond_the_bound_reject_the_record():
    many = dict(STUDENT) | {f"x-unknown-{i}": ["v"] for i in range(50_000)}
    (r,) = validate(record(many), many)
    assert (r.reason, r.file, r.line, r.record_id) == (
        "too_many_attributes",
        "ENT_Complet_20260818_Eleve_0000.xml",
        42,
        "1000001",
    )
    assert f"more than {MAX_ATTRIBUTES}" in r.message and "50008 attributes" in r.message


def test_as_many_attributes_as_the_bound_are_kept():
    edge = dict(STUDENT) | {f"x-unknown-{i}": ["v"] for i in range(MAX_ATTRIBUTES - len(STUDENT))}
    assert len(edge) == MAX_ATTRIBUTES and validate(record(edge), edge) == []


def test_values_beyond_the_bound_reject_the_record():
    crowded = dict(STUDENT) | {"ENTEleveGroupes": [f"4001$G{i}" for i in range(50_001)]}
    (r,) = validate(record(crowded), crowded)
    assert (r.reason, r.field) == ("too_many_values", "ENTEleveGroupes")
    assert f"50001 values of one attribute, more than {MAX_VALUES}" in r.message
    edge = dict(STUDENT) | {"ENTEleveGroupes": [f"4001$G{i}" for i in range(MAX_VALUES)]}
    assert validate(record(edge), edge) == []
