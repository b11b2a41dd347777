"""The Index Education "export ENT" reader (formats §4, domain-rules §2, §7)
on hand-written fixtures (tests/fixtures/timetable/), without any database.

Lines expected in rejections are found on the raw bytes, independently of the
parser. Variants of the valid fixture (end dates, UAI, namespace…) are
derived from it by byte replacement in a temporary directory.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from adapters.errors import DeliveryRejected
from adapters.timetable.parser import NS, ROOT, read_edt, sniff_root
from adapters.timetable.records import weeks_of

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "timetable"
VALID = FIX / "export_edt_0571994H.xml"
BAD = FIX / "export_edt_0571994H_bad_records.xml"
UNKNOWN_REF = FIX / "export_edt_0571994H_unknown_reference.xml"
LATE_END = FIX / "export_edt_0571994H_datefin_20_juillet.xml"
WRONG_NS = FIX / "export_edt_0571994H_wrong_namespace.xml"
PERSONAL = [
    "CŒURDEROY",
    "Jean-Noël",
    "GARÇON",
    "Aël",
    "1980-02-31",
    "Maëlys",
    "N'DIAYE",
    "Aïssa",
    "2012-05-06",
    "0712345678K",
    "Zoé",
    "MARTIN",
]
ALL_WEEKS = list(range(1, 64))  # week n is the value 2**n: weeks 1..63


def lines_of(path: Path, needle: bytes) -> list[int]:
    return [i for i, line in enumerate(path.read_bytes().split(b"\n"), 1) if needle in line]


def line_of(path: Path, needle: bytes) -> int:
    found = lines_of(path, needle)
    assert found, f"{needle!r} not in {path.name}"
    return found[0]


def variant(tmp_path: Path, *changes: tuple[bytes, bytes], src: Path = VALID) -> Path:
    """A copy of ``src`` with each (old, new) replaced once."""
    data = src.read_bytes()
    for old, new in changes:
        assert old in data
        data = data.replace(old, new, 1)
    target = tmp_path / src.name
    target.write_bytes(data)
    return target


def zipped(tmp_path: Path, src: Path) -> Path:
    archive = tmp_path / "EDT_2026.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, src.name)
    return archive


def assert_no_personal_value(text: str) -> None:
    assert not [v for v in PERSONAL if v in text], text


# --------------------------------------------------------------------------- decoded values


def test_header():
    header = read_edt(VALID).header
    assert (header.uai, header.version) == ("0571994H", "2026.0.1")
    assert (header.starts_on, header.ends_on, header.first_week_day) == (
        date(2026, 9, 1),
        date(2027, 7, 4),
        date(2026, 8, 31),
    )
    assert (header.places_per_day, header.place_minutes) == (10, 60)


def test_french_dates_are_accepted_too():
    header = read_edt(UNKNOWN_REF).header  # its AnneeScolaire is written DD/MM/YYYY
    assert (header.starts_on, header.ends_on, header.first_week_day) == (
        date(2026, 9, 1),
        date(2027, 7, 4),
        date(2026, 8, 31),
    )


def test_subjects():
    assert [(s.ident, s.code, s.label) for s in read_edt(VALID).subjects] == [
        ("M1", "FRANC", "FRANÇAIS"),
        ("M2", "MATHS", "MATHÉMATIQUES"),
        ("M3", "AGL1", "ANGLAIS LV1"),
        ("M4", "ALL2", "ALLEMAND LV2"),
        ("M5", "VDC", "VIE DE CLASSE"),
    ]


@pytest.mark.parametrize(
    "ident, expected",
    [
        (
            "P1",
            dict(
                family_name="CŒURDEROY",
                given_name="Jean-Noël",
                birth_date=date(1975, 3, 14),
                sts_id="4101",
                pronote_id="EDT$P1",
                cas_id="jn.coeurderoy",
            ),
        ),
        (
            "P2",
            dict(
                family_name="L'HÔTE-BŒUF",
                given_name="Zoé",
                birth_date=date(1982, 11, 2),
                sts_id="4102",
                pronote_id=None,
                cas_id=None,
            ),
        ),  # IDSTS padded in the file
        (
            "P3",
            dict(family_name="MARTIN", given_name="Léa", birth_date=None, sts_id=None, pronote_id=None, cas_id=None),
        ),
    ],
)
def test_teachers(ident, expected):
    (teacher,) = [t for t in read_edt(VALID).teachers if t.ident == ident]
    assert {k: getattr(teacher, k) for k in expected} == expected
    assert teacher.line == line_of(VALID, f'<Professeur Ident="{ident}"'.encode())


def test_classes_keep_their_parts():
    classes = read_edt(VALID).classes
    assert [(c.ident, c.name, c.parts) for c in classes] == [("C1", "3A", ("C1P1", "C1P2")), ("C2", "3 B", ())]
    assert [c.line for c in classes] == [
        line_of(VALID, b'<Classe Ident="C1" Nom'),
        line_of(VALID, b'<Classe Ident="C2" Nom'),
    ]


def test_group_built_from_a_part_and_a_class():
    export = read_edt(VALID)
    (group,) = export.groups
    assert (group.ident, group.name, group.classes, group.parts) == ("G1", "ALL2", ("C2",), ("C1P1",))
    assert group.line == line_of(VALID, b'<Groupe Ident="G1"')
    # Parts are not classes: only the group carries them to the ENT (domain-rules §2).
    assert "C1P1" not in {c.ident for c in export.classes}
    assert [s.ident for s in export.students_of_group(group)] == ["E1", "E3", "E4"]  # E1 by its part, E3/E4 by 3 B


@pytest.mark.parametrize(
    "ident, expected",
    [
        (
            "E1",
            dict(
                family_name="N'DIAYE",
                given_name="Aïssa",
                birth_date=date(2012, 5, 6),
                sex="F",
                ine="0712345678K",
                eleve_id="300001",
                class_ident="C1",
                parts=("C1P1",),
                guardians=((1, "N'DIAYE", "Moussa"), (2, "MARTIN-N'DIAYE", "Claire")),
            ),
        ),
        (
            "E2",
            dict(
                family_name="LEFÈVRE",
                ine=None,
                eleve_id="300002",
                class_ident="C1",
                parts=("C1P2",),
                guardians=((1, "LEFÈVRE", "Anne"),),
            ),
        ),
        (
            "E3",
            dict(
                family_name="ŒHMICHEN",
                birth_date=date(2011, 12, 31),
                ine="0712345679L",
                eleve_id=None,
                class_ident="C2",
                parts=(),
                guardians=(),
            ),
        ),
        ("E4", dict(given_name="João", class_ident="C2", parts=())),  # changed class: latest entry, though listed first
    ],
)
def test_students(ident, expected):
    (student,) = [s for s in read_edt(VALID).students if s.ident == ident]
    values = {k: getattr(student, k) for k in expected}
    if "guardians" in values:
        values["guardians"] = tuple((g.resp_legal, g.family_name, g.given_name) for g in student.guardians)
    assert values == expected
    assert student.line == line_of(VALID, f'<Eleve Ident="{ident}"'.encode())


# (day, start place, places, subject, teachers, classes, parts, groups, rooms, weeks)
COURSES = [
    (1, 0, 1, "M1", ("P1",), ("C1",), (), (), ("S1",), list(range(1, 45))),
    (1, 2, 2, "M2", ("P3",), ("C2",), (), (), ("S1",), list(range(1, 44, 2))),
    (2, 1, 1, "M3", ("P2",), (), ("C1P2",), (), ("S2",), list(range(1, 11))),
    (3, 0, 2, "M4", ("P2",), (), (), ("G1",), (), [1, 63]),
    (4, 3, 1, "M1", ("P1", "P2"), ("C1",), (), (), ("S2",), [1, 2, 3, 4, 5, 6]),  # teachers 1,3,5 | 2,4,6: union
    (5, 3, 1, "M5", ("P1",), ("C1", "C2"), (), (), (), ALL_WEEKS),
]


@pytest.mark.parametrize(
    "index, expected", list(enumerate(COURSES)), ids=[f"course{i + 1}" for i in range(len(COURSES))]
)
def test_courses(index, expected):
    export = read_edt(VALID)
    c = export.courses[index]
    got = (
        c.day,
        c.start_place,
        c.places,
        c.subject,
        c.teachers,
        c.classes,
        c.parts,
        c.groups,
        c.rooms,
        export.weeks_of(c),
    )
    assert got == expected
    assert c.line == lines_of(VALID, b"<Cours Jour=")[index]


def test_there_are_six_courses_and_no_rejection():
    export = read_edt(VALID)
    assert len(export.courses) == 6 and export.rejections == ()


@pytest.mark.parametrize(
    "mask, weeks",
    [
        (0, []),
        (1, []),  # bit 0 is unused
        (2, [1]),  # Semaines="2" → <!--Domaine : [1]-->
        (0b10100, [2, 4]),
        (1 << 63, [63]),
        (2 + (1 << 63), [1, 63]),
        ((1 << 64) - 1, ALL_WEEKS),
        ((1 << 64) - 2, ALL_WEEKS),
    ],
)
def test_week_mask_decoding(mask, weeks):
    assert weeks_of(mask) == weeks


@pytest.mark.parametrize(
    "starts_on, limit",
    [
        (date(2026, 9, 1), date(2027, 7, 15)),
        (date(2026, 8, 20), date(2027, 7, 15)),  # La Réunion starts in August
        (date(2027, 1, 4), date(2027, 7, 15)),  # a start after New Year belongs to the year begun in 2026
    ],
)
def test_end_date_limit(starts_on, limit):
    # The rule is the pipeline's (events/timetable/decision.py): the reader only reads the dates.
    from events.timetable.decision import end_date_limit_of, school_year_of

    assert end_date_limit_of(school_year_of(starts_on)) == limit


# --------------------------------------------------------------------------- whole-file rejections

ENTITIES = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [\n  <!ENTITY e "1">\n]>\n'
WHOLE_FILE = [
    ("wrong-namespace", lambda t: WRONG_NS, "unknown_format", b"<ExportEmploiDuTemps"),
    ("no-namespace", lambda t: variant(t, (f' xmlns="{NS}"'.encode(), b"")), "unknown_format", b"<ExportEmploiDuTemps"),
    (
        "other-root",
        lambda t: variant(
            t,
            (b"<ExportEmploiDuTemps ", b"<EXPORT_INDEX_EDUCATION "),
            (b"</ExportEmploiDuTemps>", b"</EXPORT_INDEX_EDUCATION>"),
        ),
        "unknown_format",
        b"<EXPORT_INDEX",
    ),
    ("bad-uai", lambda t: variant(t, (b'UAI="0571994H"', b'UAI="0571994J"')), "invalid_uai", b"<ExportEmploiDuTemps"),
    ("no-uai", lambda t: variant(t, (b' UAI="0571994H"', b"")), "invalid_uai", b"<ExportEmploiDuTemps"),
    (
        "bad-start",
        lambda t: variant(t, (b'DateDebut="2026-09-01"', b'DateDebut="2026-13-01"')),
        "invalid_date",
        b"<AnneeScolaire",
    ),
    (
        "no-first-week",
        lambda t: variant(t, (b' DatePremierJourSemaine1="2026-08-31"', b"")),
        "invalid_date",
        b"<AnneeScolaire",
    ),
    (
        "end-before-start",
        lambda t: variant(t, (b'DateFin="2027-07-04"', b'DateFin="2026-07-04"')),
        "invalid_date",
        b"<AnneeScolaire",
    ),
    ("no-school-year", lambda t: variant(t, (b"<AnneeScolaire ", b"<Annee ")), "invalid_date", None),
    ("truncated", lambda t: variant(t, (b"</Cours>\n  </Cours>", b"</Cours>\n  </Cour>")), "malformed_xml", b"</Cour>"),
    (
        "entities",
        lambda t: variant(t, (b'<?xml version="1.0" encoding="UTF-8"?>\n', ENTITIES)),
        "entity_declaration",
        None,
    ),
]


@pytest.mark.parametrize("make, reason, needle", [c[1:] for c in WHOLE_FILE], ids=[c[0] for c in WHOLE_FILE])
def test_whole_file_rejection_names_reason_file_and_line(tmp_path, make, reason, needle):
    path = make(tmp_path)
    with pytest.raises(DeliveryRejected) as err:
        read_edt(path)
    exc = err.value
    assert exc.reason == reason
    assert exc.file == path.name
    assert exc.line == (line_of(path, needle) if needle else 0)
    assert_no_personal_value(str(exc))


def test_15_july_itself_is_accepted(tmp_path):
    export = read_edt(variant(tmp_path, (b'DateFin="2027-07-04"', b'DateFin="2027-07-15"')))
    assert export.header.ends_on == date(2027, 7, 15)


@pytest.mark.parametrize("value", ["2027-07-20", "2027-08-31", "31/08/2027"])
def test_a_late_end_is_read_the_pipeline_judges_it(tmp_path, value):
    # The 15-July rule is the pipeline's: the first import of a year lists it
    # before any refusal (domain-rules §12).
    export = read_edt(variant(tmp_path, (b'DateFin="2027-07-04"', f'DateFin="{value}"'.encode())))
    assert export.header.ends_on > date(2027, 7, 15) and export.rejections == ()
    assert read_edt(LATE_END).header.ends_on == date(2027, 7, 20)


# --------------------------------------------------------------------------- record rejections


def _course(path: Path, n: int) -> int:
    return lines_of(path, b"<Cours Jour=")[n]


RECORD_CASES = [
    (BAD, "invalid_value", "0571994H", "GrilleHoraire/@DureePlace", lambda p: line_of(p, b"<GrilleHoraire")),
    (BAD, "invalid_date", "P4", "Professeur/@DateNaissance", lambda p: line_of(p, b'<Professeur Ident="P4"')),
    (BAD, "invalid_code", "C3", "Classe/@Nom", lambda p: line_of(p, b'<Classe Ident="C3"')),
    (BAD, "invalid_code", "G2", "Groupe/@Nom", lambda p: line_of(p, b'<Groupe Ident="G2"')),
    (BAD, "missing_field", "E5", "Eleve/@Nom", lambda p: line_of(p, b'<Eleve Ident="E5"')),
    (BAD, "invalid_weeks", "", "Matiere/@Semaines", lambda p: _course(p, 0)),  # negative
    (BAD, "invalid_weeks", "", "Matiere/@Semaines", lambda p: _course(p, 1)),  # 2**64
    (BAD, "invalid_value", "", "Cours/@Jour", lambda p: _course(p, 2)),  # day 8
    (BAD, "structure_set_aside", "", "Classe/@Ident", lambda p: _course(p, 3)),  # on class C3, set aside
    (UNKNOWN_REF, "unknown_reference", "E1", "Classe/@Ident", lambda p: line_of(p, b'<Eleve Ident="E1"')),
    (UNKNOWN_REF, "unknown_reference", "", "Professeur/@Ident", lambda p: _course(p, 1)),
]


@pytest.mark.parametrize("path", [BAD, UNKNOWN_REF], ids=["bad-records", "unknown-reference"])
def test_files_give_exactly_these_rejections(path):
    got = [(r.file, r.reason, r.record_id, r.field, r.line) for r in read_edt(path).rejections]
    assert got == [
        (path.name, reason, rid, field, line(path)) for p, reason, rid, field, line in RECORD_CASES if p == path
    ]


@pytest.mark.parametrize(
    "path, reason, record_id, field, line", RECORD_CASES, ids=[f"{c[1]}-{c[3]}-{i}" for i, c in enumerate(RECORD_CASES)]
)
def test_record_rejection(path, reason, record_id, field, line):
    matching = [
        r
        for r in read_edt(path).rejections
        if (r.reason, r.record_id, r.field, r.line) == (reason, record_id, field, line(path))
    ]
    assert len(matching) == 1
    assert matching[0].file == path.name and matching[0].message
    assert_no_personal_value(matching[0].describe())


def test_unknown_reference_message_names_the_ident():
    messages = [r.message for r in read_edt(UNKNOWN_REF).rejections]
    assert any("'P9'" in m for m in messages) and any("'C7'" in m for m in messages)


def test_an_undeclared_class_part_is_ignored_not_an_error():
    unknown = read_edt(UNKNOWN_REF)
    (group,) = unknown.groups
    assert group.ident == "G1" and group.parts == () and unknown.ignored_parts == 1
    assert not any("C9P1" in r.message for r in unknown.rejections)


def test_rejected_records_are_left_out_and_the_rest_kept():
    bad = read_edt(BAD)
    assert [t.ident for t in bad.teachers] == ["P1"]
    assert [c.ident for c in bad.classes] == ["C1"]
    assert (bad.groups, bad.students) == ((), ())
    assert bad.header.place_minutes is None and bad.header.places_per_day == 10
    # A course on a class set aside for its name is set aside with it; what
    # the reader could read of it is kept to leave earlier imports' sessions in place.
    assert bad.courses == ()
    assert [(r.line, r.classes) for r in bad.set_aside.courses][-1] == (_course(BAD, 3), ("C3",))
    assert (bad.set_aside.classes, bad.set_aside.groups, bad.set_aside.names) == (
        ("C3",),
        ("G2",),
        {"C3": "3EMEBILAN", "G2": "ALL/2"},
    )
    unknown = read_edt(UNKNOWN_REF)
    assert [(c.day, c.teachers) for c in unknown.courses] == [(1, ("P1",))]
    assert unknown.students == ()


# --------------------------------------------------------------------------- containers and sniffing


@pytest.mark.parametrize("source", [VALID, BAD], ids=["valid", "bad-records"])
def test_zip_reads_as_the_plain_file(tmp_path, source):
    assert read_edt(zipped(tmp_path, source)) == read_edt(source)


@pytest.mark.parametrize(
    "make, root",
    [
        (lambda t: VALID, ROOT),
        (lambda t: WRONG_NS, "{http://www.index-education.com/exportedt}ExportEmploiDuTemps"),
        (lambda t: zipped(t, VALID), ROOT),
        (lambda t: variant(t, (f' xmlns="{NS}"'.encode(), b"")), "ExportEmploiDuTemps"),
    ],
)
def test_sniff_root(tmp_path, make, root):
    assert sniff_root(make(tmp_path)) == root
