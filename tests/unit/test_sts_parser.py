"""The STS-web export reader (formats §3) on hand-written fixtures
(tests/fixtures/sts/), without any database.

Lines expected in rejections are found on the raw bytes, independently of the
parser. Variants of the valid fixture (other encodings, other roots, a bad
UAI…) are derived from it by byte replacement in a temporary directory.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from adapters.errors import DeliveryRejected, Rejection
from adapters.sts.parser import read_sts, sniff_root
from adapters.sts.records import StsGroup, StsService

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sts"
VALID = FIX / "sts_emp_0571994H_2026.xml"
BAD = FIX / "sts_emp_0571994H_2026_bad_records.xml"
EDT_STS = FIX / "edt_sts_0571994H_2026.xml"
MALFORMED = FIX / "sts_emp_0571994H_2026_malformed.xml"
TIMETABLE = Path(__file__).resolve().parents[1] / "fixtures" / "timetable" / "export_edt_0571994H.xml"
# Personal values of the fixtures: none may reach a rejection message.
PERSONAL = [
    "CŒURDEROY",
    "Jean-Noël",
    "GARÇON",
    "Aël",
    "Maëlys",
    "NGUYEN",
    "1980-02-31",
    "14/03/1975",
    "1975-03-14",
    "BŒUF",
    "Zoé",
    "PRÉVOST",
    "Hélène",
    "MARTIN",
    "Léa",
]


def line_of(path: Path, needle: bytes) -> int:
    for i, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path.name}")


def lines_of(path: Path, needle: bytes) -> list[int]:
    return [i for i, line in enumerate(path.read_bytes().split(b"\n"), 1) if needle in line]


def variant(tmp_path: Path, *changes: tuple[bytes, bytes], src: Path = VALID) -> Path:
    """A copy of ``src`` with each (old, new) replaced once."""
    data = src.read_bytes()
    for old, new in changes:
        assert old in data
        data = data.replace(old, new, 1)
    target = tmp_path / src.name
    target.write_bytes(data)
    return target


def zipped(tmp_path: Path, *sources: Path) -> Path:
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for src in sources:
            zf.write(src, f"export/{src.name}")
    return archive


def assert_no_personal_value(text: str) -> None:
    assert not [v for v in PERSONAL if v in text], text


# --------------------------------------------------------------------------- decoded values


def test_header_gives_uai_academie_year_and_dates():
    header = read_sts(VALID).header
    assert (header.uai, header.academie, header.school_year) == ("0571994H", "12", 2026)
    assert (header.starts_on, header.ends_on) == (date(2026, 9, 1), date(2027, 8, 31))


def test_subjects_are_trimmed_and_decoded_from_latin9():
    subjects = {s.code: s for s in read_sts(VALID).subjects}
    assert list(subjects) == ["020700", "061300", "030201", "021300"]
    assert subjects["030201"].management_code == "AGL1"  # padded in the file
    assert (subjects["020700"].short_label, subjects["020700"].long_label) == ("FRANCAIS", "FRANÇAIS")
    assert subjects["021300"].long_label == "LANGUES ET CULTURES DE L'ANTIQUITÉ LATIN"


def test_fixture_really_is_latin9():
    raw = VALID.read_bytes()
    assert b'encoding="ISO-8859-15"' in raw
    assert b"C\xbcURDEROY" in raw and b"B\xbcUF" in raw  # Œ is 0xBC in Latin-9, absent from Latin-1


@pytest.mark.parametrize(
    "person_id, expected",
    [
        (
            "4101",
            dict(
                type="epp",
                function="ENS",
                civility="M.",
                usage_name="CŒURDEROY",
                birth_name="CŒURDEROY",
                given_name="Jean-Noël",
                birth_date=date(1975, 3, 14),
                grade="CERT. CN",
                disciplines=("L0202", "L0201"),
                main_teacher_of=("3A",),
            ),
        ),
        (
            "4102",
            dict(
                type="epp",
                function="ENS",
                civility="MME",
                usage_name="L'HÔTE-BŒUF",
                birth_name="BŒUF",
                given_name="Zoé",
                birth_date=date(1982, 11, 2),
                disciplines=("L0422",),
                main_teacher_of=(),
            ),
        ),
        (
            "90001",
            dict(
                type="local",
                function="ENS",
                civility="",
                usage_name="MARTIN",
                birth_name="",
                given_name="Léa",
                birth_date=None,
                grade="",
                disciplines=(),
            ),
        ),
        (
            "4103",
            dict(
                type="epp",
                function="DIR",
                usage_name="PRÉVOST",
                given_name="Hélène",
                birth_date=date(1968, 7, 30),
                grade="PERDIR",
            ),
        ),
    ],
)
def test_person_values(person_id, expected):
    person = read_sts(VALID).person(person_id)
    assert person is not None
    assert {k: getattr(person, k) for k in expected} == expected
    assert person.line == line_of(VALID, f'<INDIVIDU ID="{person_id}"'.encode())


def test_teachers_are_the_persons_with_function_ens():
    export = read_sts(VALID)
    assert [p.id for p in export.persons] == ["4101", "4102", "90001", "4103"]  # all staff kept
    assert [p.id for p in export.teachers] == ["4101", "4102", "90001"]
    assert export.person("4103").is_teacher is False
    assert export.person("90001").family_name == "MARTIN"
    assert export.person("4102").family_name == "L'HÔTE-BŒUF"  # usage name first


def test_services_on_divisions_and_groups():
    export = read_sts(VALID)
    assert [
        (s.structure_kind, s.structure_code, s.subject_code, s.course_mode, s.teacher_ids) for s in export.services
    ] == [
        ("division", "3A", "020700", "CG", ("4101",)),
        ("division", "3A", "061300", "CG", ("90001",)),
        ("division", "3 B", "030201", "CG", ("4102",)),
        ("group", "3LATIN", "021300", "CG", ("4101", "4102")),
    ]
    assert [s.line for s in export.services] == [
        line_of(VALID, b'CODE_MATIERE="020700"'),
        line_of(VALID, b'CODE_MATIERE="061300"'),
        line_of(VALID, b'CODE_MATIERE="030201"'),
        line_of(VALID, b'CODE_MATIERE="021300"'),
    ]


@pytest.mark.parametrize(
    "person_id, services",
    [
        ("4101", [("3A", "020700"), ("3LATIN", "021300")]),
        ("4102", [("3 B", "030201"), ("3LATIN", "021300")]),
        ("90001", [("3A", "061300")]),
        ("4103", []),
    ],
)
def test_services_join_their_teachers(person_id, services):
    export = read_sts(VALID)
    assert [(s.structure_code, s.subject_code) for s in export.services_of(person_id)] == services
    teacher_ids = {t.id for t in export.teachers}
    assert all(set(s.teacher_ids) <= teacher_ids for s in export.services)


def test_group_lists_its_divisions():
    export = read_sts(VALID)
    assert export.divisions == ("3A", "3 B")  # " 3 B " trimmed, inner space kept
    assert export.groups == (
        StsGroup(code="3LATIN", divisions=("3A", "3 B"), line=line_of(VALID, b'<GROUPE CODE="3LATIN"')),
    )
    assert set(export.groups[0].divisions) <= set(export.divisions)
    assert export.rejections == ()


# --------------------------------------------------------------------------- encodings and containers


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom"],
)
def test_a_resaved_file_reads_the_same(tmp_path, encode):
    text = VALID.read_bytes().decode("iso-8859-15").replace('encoding="ISO-8859-15"', 'encoding="UTF-8"')
    target = tmp_path / VALID.name
    target.write_bytes(encode(text))
    assert read_sts(target) == read_sts(VALID)


@pytest.mark.parametrize("source", [VALID, BAD], ids=["valid", "bad-records"])
def test_zip_reads_as_the_plain_file(tmp_path, source):
    from_zip = read_sts(zipped(tmp_path, source))
    assert from_zip == read_sts(source)
    assert all(r.file == source.name for r in from_zip.rejections)


def test_zip_with_two_xml_files_is_refused(tmp_path):
    with pytest.raises(DeliveryRejected) as err:
        read_sts(zipped(tmp_path, VALID, BAD))
    assert (err.value.reason, err.value.file) == ("invalid_archive", "upload.zip")


# --------------------------------------------------------------------------- whole-file rejections

ENTITIES = (
    b'<?xml version="1.0" encoding="ISO-8859-15"?>\n'
    b'<!DOCTYPE STS_EDT [\n  <!ENTITY host SYSTEM "file:///etc/hostname">\n]>\n'
)

WHOLE_FILE = [
    ("edt-sts", lambda t: EDT_STS, "edt_sts_instead_of_sts", b"<EDT_STS>"),
    ("malformed", lambda t: MALFORMED, "malformed_xml", b"</PRENON>"),
    (
        "other-root",
        lambda t: variant(t, (b"<STS_EDT>", b"<BEE_ELEVES>"), (b"</STS_EDT>", b"</BEE_ELEVES>")),
        "unknown_format",
        b"<BEE_ELEVES>",
    ),
    (
        "namespaced-root",
        lambda t: variant(t, (b"<STS_EDT>", b'<STS_EDT xmlns="urn:autre">')),
        "unknown_format",
        b"<STS_EDT",
    ),
    ("bad-check-letter", lambda t: variant(t, (b'CODE="0571994H"', b'CODE="0571994A"')), "invalid_uai", b"<UAJ"),
    ("no-uai", lambda t: variant(t, (b'<UAJ CODE="0571994H">', b"<UAJ>")), "invalid_uai", b"<UAJ"),
    (
        "no-uaj",
        lambda t: variant(t, (b'<UAJ CODE="0571994H">', b"<ETAB>"), (b"</UAJ>", b"</ETAB>")),
        "invalid_uai",
        None,
    ),
    ("no-year", lambda t: variant(t, (b' ANNEE="2026"', b"")), "invalid_school_year", b"<ANNEE_SCOLAIRE"),
    (
        "entities",
        lambda t: variant(t, (b'<?xml version="1.0" encoding="ISO-8859-15"?>\n', ENTITIES)),
        "entity_declaration",
        None,
    ),
]


@pytest.mark.parametrize("make, reason, needle", [c[1:] for c in WHOLE_FILE], ids=[c[0] for c in WHOLE_FILE])
def test_whole_file_rejection_names_reason_file_and_line(tmp_path, make, reason, needle):
    path = make(tmp_path)
    with pytest.raises(DeliveryRejected) as err:
        read_sts(path)
    exc = err.value
    assert exc.reason == reason
    assert exc.file == path.name
    assert exc.line == (line_of(path, needle) if needle else 0)
    assert_no_personal_value(str(exc))


def test_edt_sts_message_says_which_file_is_expected():
    with pytest.raises(DeliveryRejected) as err:
        read_sts(EDT_STS)
    assert "EDT_STS" in err.value.message and "sts_emp_<UAI>_<year>.xml" in err.value.message


# --------------------------------------------------------------------------- record rejections

RECORD_CASES = [
    ("invalid_date", "0571994H", "ANNEE_SCOLAIRE/DATE_FIN", b"<ANNEE_SCOLAIRE"),
    ("invalid_date", "4104", "DATE_NAISSANCE", b'<INDIVIDU ID="4104"'),
    ("missing_field", "90002", "NOM_USAGE", b'<INDIVIDU ID="90002"'),
    ("invalid_value", "90003", "INDIVIDU/@TYPE", b'<INDIVIDU ID="90003"'),
    ("invalid_code", "3EMEBILAN", "DIVISION/@CODE", b'<DIVISION CODE="3EMEBILAN"'),
    ("unknown_teacher", "3A/061300/CG", "ENSEIGNANT/@ID", b'CODE_MATIERE="061300"'),
    ("invalid_code", "3A/LAT", "GROUPE/@CODE", b'<GROUPE CODE="3A/LAT"'),
    ("invalid_code", "3LATIN", "DIVISION_APPARTENANCE/@CODE", b'<GROUPE CODE="3LATIN"'),
]


def test_bad_records_give_exactly_these_rejections():
    got = [(r.reason, r.record_id, r.field, r.line) for r in read_sts(BAD).rejections]
    assert got == [(reason, rid, field, line_of(BAD, needle)) for reason, rid, field, needle in RECORD_CASES]


@pytest.mark.parametrize("reason, record_id, field, needle", RECORD_CASES, ids=[f"{c[0]}-{c[1]}" for c in RECORD_CASES])
def test_record_rejection(reason, record_id, field, needle):
    (rejection,) = [
        r for r in read_sts(BAD).rejections if (r.reason, r.record_id, r.field) == (reason, record_id, field)
    ]
    assert isinstance(rejection, Rejection)
    assert (rejection.file, rejection.line) == (BAD.name, line_of(BAD, needle))
    assert rejection.message
    assert_no_personal_value(rejection.describe())


def test_rejected_records_are_left_out_and_the_rest_kept():
    export = read_sts(BAD)
    assert [p.id for p in export.persons] == ["4101"]
    assert export.person("4101").birth_date == date(1975, 3, 14)  # DD/MM/YYYY tolerated
    assert export.divisions == ("3A",)
    assert export.services == (
        StsService(
            structure_kind="division",
            structure_code="3A",
            subject_code="020700",
            course_mode="CG",
            teacher_ids=("4101",),
            line=lines_of(BAD, b'<SERVICE CODE_MATIERE="020700"')[1],
        ),
    )  # the one in 3A
    assert export.groups == ()
    assert (export.header.starts_on, export.header.ends_on) == (date(2026, 9, 1), None)  # ISO start, bad end left empty


def test_unknown_teacher_message_names_the_id_not_the_person():
    (r,) = [r for r in read_sts(BAD).rejections if r.reason == "unknown_teacher"]
    assert "'9999'" in r.message


def test_duplicate_individual_is_set_aside(tmp_path):
    path = variant(tmp_path, (b'<INDIVIDU ID="4103"', b'<INDIVIDU ID="4101"'))
    export = read_sts(path)
    assert [p.id for p in export.persons] == ["4101", "4102", "90001"]
    assert [(r.reason, r.record_id, r.field, r.line) for r in export.rejections] == [
        ("duplicate_id", "4101", "INDIVIDU/@ID", lines_of(path, b'<INDIVIDU ID="4101"')[1])
    ]


# --------------------------------------------------------------------------- sniffing


def _truncated(tmp_path: Path) -> Path:
    target = tmp_path / "cut.xml"
    target.write_bytes(VALID.read_bytes()[:200])  # the root and a few lines
    return target


def _not_xml(tmp_path: Path) -> Path:
    target = tmp_path / "notes.txt"
    target.write_bytes(b"UAI;NOM\n0571994H;COLLEGE\n")
    return target


@pytest.mark.parametrize(
    "make, root",
    [
        (lambda t: VALID, "STS_EDT"),
        (lambda t: EDT_STS, "EDT_STS"),
        (lambda t: MALFORMED, "STS_EDT"),  # broken later: the root is still known
        (_truncated, "STS_EDT"),  # only the start is read
        (lambda t: zipped(t, VALID), "STS_EDT"),
        (lambda t: TIMETABLE, "{http://www.index-education.com/exportemploidutemps}ExportEmploiDuTemps"),
        (_not_xml, None),
        (lambda t: t / "missing.xml", None),
    ],
    ids=["sts", "edt-sts", "malformed", "truncated", "zip", "timetable", "not-xml", "missing"],
)
def test_sniff_root(tmp_path, make, root):
    assert sniff_root(make(tmp_path)) == root
