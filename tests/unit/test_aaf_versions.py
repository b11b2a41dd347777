"""The AAF format version (formats §1, domain-rules §12): read from each
part's head, it decides what a student record carries; without it, the
record is read by what it carries."""

from __future__ import annotations

import io

import pytest

from adapters.aaf.parser import by_version, format_version, read_records

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n{comment}<ficAlimMENESR>\n'
STUDENT = (
    '<{tag}><operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr>'
    "</operationalAttributes><identifier><id>1000001</id></identifier><{inner}>"
    '<{a} name="ENTPersonJointure"><value>1000001</value></{a}>{ine}</{inner}></{tag}>'
)


def part(comment: str, ine: str = "", tag: str = "addRequest") -> bytes:
    inner, a = ("attributes", "attr") if tag == "addRequest" else ("modifications", "modification")
    return (
        HEAD.format(comment=comment) + STUDENT.format(tag=tag, inner=inner, a=a, ine=ine) + "</ficAlimMENESR>\n"
    ).encode()


@pytest.mark.parametrize(
    "head, version",
    [
        (b'<!-- versionAF="AAF-VE1301" -->', 1301),
        (b"<!--versionAF='AAF-VE1803'-->", 1803),
        (b'<!-- versionAF="AAF-VE2407" --><!-- versionSDET="7.0" -->', 2407),
        (b"<!-- nothing -->", None),
        (b"", None),
    ],
)
def test_format_version_from_the_head(head, version):
    assert format_version(b'<?xml version="1.0"?>\n' + head + b"<ficAlimMENESR>") == version


@pytest.mark.parametrize(
    "op, version, attrs, expected",
    [
        ("add", 1803, {}, {"ENTEleveINE": []}),  # always there from VE1803
        ("add", 2407, {"ENTEleveINE": ["070123456AB"]}, {"ENTEleveINE": ["070123456AB"]}),
        ("add", 1301, {"ENTEleveINE": []}, {}),  # no INE by format
        (
            "add",
            1301,
            {"ENTEleveINE": ["070123456AB"]},
            {"ENTEleveINE": ["070123456AB"]},
        ),  # shown anyway: kept, checked
        ("add", None, {}, {}),  # unknown: by what it carries
        ("modify", 1803, {}, {}),  # a modify replaces what it names only
    ],
)
def test_what_a_student_record_carries_by_version(op, version, attrs, expected):
    by_version(op, "Eleve", attrs, version)
    assert attrs == expected


def test_the_head_read_for_the_version_is_still_parsed():
    comment = '<!-- versionAF="AAF-VE1803" -->\n' + "<!-- padding -->\n" * 400  # the head ends inside the comments
    (record,) = read_records(io.BytesIO(part(comment)), "X_Complet_20260901_Eleve_0000.xml", "Eleve")
    assert record.version == 1803 and record.attrs["ENTEleveINE"] == []
    (record,) = read_records(io.BytesIO(part('<!-- versionAF="AAF-VE1301" -->')), "x.xml", "Eleve")
    assert record.version == 1301 and "ENTEleveINE" not in record.attrs
