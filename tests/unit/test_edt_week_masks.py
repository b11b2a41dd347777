"""``@Semaines`` masks against the exporter's own decoding of them.

Index Education writes, right after each element carrying ``@Semaines``,
the weeks it means: ``<Classe Ident="C1" Semaines="2"/><!--Domaine : [1]-->``
(formats §4: week *n* is the value 2ⁿ, bit 0 unused). This file decodes
those comments with its own code — ranges written ``a..b`` or ``a-b``,
items separated by ``;`` or ``,``, spaces anywhere, since the exact form
real files use is uncertain — and holds them against
``adapters.timetable.records.weeks_of``: on every timetable fixture that
carries such comments (tests/fixtures/timetable/, recursively) and on an
export of the generator, read back with ``read_edt`` too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from adapters.timetable.parser import NS, read_edt
from adapters.timetable.records import weeks_of
from generator.cli import run

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "timetable"
MAIN_FIXTURE = FIX / "export_edt_0571994H.xml"
# Comments kept; no entity, no DTD, no network (the files are data).
PARSER = etree.XMLParser(remove_comments=False, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
DOMAIN = re.compile(r"^\s*Domaine\s*:\s*\[(?P<items>[^\]]*)\]\s*$")
RANGE = re.compile(r"^(?P<first>\d+)\s*(?:\.\.|-)\s*(?P<last>\d+)$")
MAX_MASK = 1 << 64


def decode_domain(text: str) -> list[int] | None:
    """The weeks of a ``Domaine : [...]`` comment, sorted; None when the
    comment is not one. Raises ValueError on an item it cannot read."""
    m = DOMAIN.match(text)
    if m is None:
        return None
    weeks: set[int] = set()
    for item in re.split(r"[;,]", m.group("items")):
        item = item.strip()
        if not item:
            continue
        r = RANGE.match(item)
        if r is not None:
            first, last = int(r.group("first")), int(r.group("last"))
            if first > last:
                raise ValueError(f"range {item!r} goes backwards")
            weeks.update(range(first, last + 1))
        elif item.isdigit():
            weeks.add(int(item))
        else:
            raise ValueError(f"cannot read {item!r} in {text!r}")
    return sorted(weeks)


def annotated(root) -> list[tuple[object, int, list[int], object]]:
    """(element, mask, decoded weeks, comment) for every element carrying a
    readable ``@Semaines`` that is followed by a ``Domaine`` comment sibling."""
    out = []
    for elem in root.iter(etree.Element):
        mask = (elem.get("Semaines") or "").strip()
        if not mask.isdigit() or int(mask) >= MAX_MASK:
            continue  # no mask, or one the reader sets aside: nothing to compare
        nxt = elem.getnext()
        if not isinstance(nxt, etree._Comment):
            continue
        weeks = decode_domain(nxt.text or "")
        if weeks is not None:
            out.append((elem, int(mask), weeks, nxt))
    return out


def parse(path: Path):
    try:
        return etree.parse(str(path), PARSER).getroot()
    except etree.XMLSyntaxError as exc:
        pytest.skip(f"{path.name} is not well-formed XML ({exc}): no mask to check")


def local(elem) -> str:
    return etree.QName(elem).localname


# --------------------------------------------------------------------------- the decoder itself


@pytest.mark.parametrize(
    "text, weeks",
    [
        ("Domaine : [1]", [1]),
        ("Domaine : [1..7;10..16;19..44]", [*range(1, 8), *range(10, 17), *range(19, 45)]),
        ("Domaine : [1, 3, 5]", [1, 3, 5]),
        ("Domaine : [1;63]", [1, 63]),
        ("Domaine : [ 2 - 4 , 9 ]", [2, 3, 4, 9]),
        ("Domaine: [5..5; 8 .. 9]", [5, 8, 9]),
        ("Domaine : []", []),
        (" Domaine : [1..3] ", [1, 2, 3]),
    ],
)
def test_the_decoder_reads_every_separator(text, weeks):
    assert decode_domain(text) == weeks


@pytest.mark.parametrize("text", ["Domaine : [1..x]", "Domaine : [4..2]", "Domaine : [1/3]"])
def test_the_decoder_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        decode_domain(text)


def test_other_comments_are_not_domains():
    assert decode_domain("généré par EDT") is None and decode_domain("Domaine : 1..3") is None


# --------------------------------------------------------------------------- fixtures


def _fixtures_with_domains() -> list[Path]:
    return sorted(p for p in FIX.rglob("*.xml") if b"Domaine" in p.read_bytes())


@pytest.mark.parametrize("path", _fixtures_with_domains(), ids=lambda p: str(p.relative_to(FIX)))
def test_fixture_masks_agree_with_their_domain_comments(path):
    found = annotated(parse(path))
    if not found:
        pytest.skip(
            f"{path.relative_to(FIX)} mentions 'Domaine' but no element carrying @Semaines is "
            "followed by a Domaine comment"
        )
    for elem, mask, weeks, _ in found:
        assert weeks == weeks_of(mask), f"{path.name} line {elem.sourceline}: {local(elem)} Semaines={mask}"


def test_the_main_fixture_is_annotated():
    if not MAIN_FIXTURE.exists():
        pytest.skip(f"{MAIN_FIXTURE.name} is not there")
    if not re.search(rb"<!--\s*Domaine", MAIN_FIXTURE.read_bytes()):
        pytest.skip(
            f"{MAIN_FIXTURE.name} has no Domaine comments yet (they are being added to the "
            "fixtures): nothing to compare"
        )
    # Once it has some, they must sit right after elements carrying @Semaines.
    found = annotated(parse(MAIN_FIXTURE))
    assert found, f"{MAIN_FIXTURE.name} has Domaine comments, none after an element carrying @Semaines"
    assert {local(e) for e, _, _, _ in found} >= {"Classe", "Professeur"}
    for elem, mask, weeks, _ in found:
        assert weeks == weeks_of(mask), f"line {elem.sourceline}: {local(elem)} Semaines={mask}"


# --------------------------------------------------------------------------- the generator


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("edt-masks")
    assert run([str(out), "--students", "300", "--sources", "timetable", "--no-second"]) == 0
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (rel,) = m["sources"]["timetable"][m["dates"]["first"]].values()
    return out, m, out / rel


def _elements_with_masks(root) -> list:
    return [e for e in root.iter(etree.Element) if e.get("Semaines") is not None]


def test_every_generated_mask_is_annotated_on_its_line(generated):
    out, m, base = generated
    variants = [
        out / v["path"]
        for v in m["sources"]["variants"]
        if v["source"] == "timetable" and v["name"] not in ("malformed", "edt-sts")
    ]
    assert variants
    for path in (base, *variants):
        root = parse(path)
        assert root.tag == f"{{{NS}}}ExportEmploiDuTemps"
        with_masks = _elements_with_masks(root)
        found = annotated(root)
        assert with_masks and len(found) == len(with_masks), path.name
        for elem, mask, weeks, comment in found:
            assert weeks == weeks_of(mask), f"{path.name} line {elem.sourceline}"
            assert comment.sourceline == elem.sourceline  # right after the element, on the same line
            assert weeks and not mask & 1  # bit 0 is unused


def test_course_weeks_are_the_union_of_their_childrens_domains(generated):
    _, _, base = generated
    root = parse(base)
    union: dict[int, set[int]] = {}  # course line -> the weeks its children's comments name
    for elem, _, weeks, _ in annotated(root):
        parent = elem.getparent()
        if local(parent) == "Cours":
            union.setdefault(parent.sourceline, set()).update(weeks)
    export = read_edt(base)
    courses = [c for c in export.courses if not c.subject_only]
    assert len(courses) > 20
    # Different masks among them: whole classes, and class halves on alternate weeks.
    assert len({c.weeks for c in courses}) >= 3
    for c in courses:
        assert weeks_of(c.weeks) == export.weeks_of(c) == sorted(union[c.line]), f"course line {c.line}"


def test_subject_only_courses_and_undeclared_parts_are_no_rejection(generated):
    _, _, base = generated
    root = parse(base)
    export = read_edt(base)
    assert export.rejections == ()
    assert export.set_aside.courses == () and export.set_aside.students == ()
    # courses holding only a subject: one Matiere child, no @Semaines anywhere
    only = [
        c
        for c in root.iter(f"{{{NS}}}Cours")
        if len(c) and all(local(x) == "Matiere" for x in c if isinstance(x.tag, str))
    ]
    assert only and all(x.get("Semaines") is None for c in only for x in c if isinstance(x.tag, str))
    assert export.subject_only == len(only)
    assert all(
        c.weeks == 0 and not c.teachers and not c.classes and not c.groups for c in export.courses if c.subject_only
    )
    # student parts no class declares: read, dropped, counted — not an error
    declared = {p.get("Ident") for k in root.iter(f"{{{NS}}}Classes") for p in k.iter(f"{{{NS}}}PartieDeClasse")}
    undeclared = [
        p.get("Ident")
        for e in root.iter(f"{{{NS}}}Eleve")
        for p in e.iter(f"{{{NS}}}PartieDeClasse")
        if p.get("Ident") not in declared
    ]
    assert undeclared and export.ignored_parts == len(undeclared)
    assert all(set(s.parts) <= declared for s in export.students)
    students = {s.ident: s for s in export.students}
    assert len(students) == sum(1 for _ in root.iter(f"{{{NS}}}Eleve"))  # none set aside
