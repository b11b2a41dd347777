"""SIECLE exports as académies send them (issue 9, formats §2): BEE_ELEVES of
versions 2.1 and 3.0, a partial extract dated by its HORODATAGE, group and
division codes starting with `_`, old `NOM` names, a repeated structures
section, BEE_RESPONSABLES of both eras, and the nomenclatures file. Reader
only, no database; fixtures in tests/fixtures/siecle/README.md."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from adapters.errors import DeliveryRejected
from adapters.siecle import SiecleHeader, read_eleves, read_export, read_responsables, sniff_root
from tests.unit.test_siecle_parser import line_of

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "siecle"
V21 = FIX / "version-2.1" / "ElevesSansAdresses.xml"
V30 = FIX / "version-3.0" / "ElevesAvecAdresses.xml"
PARTIEL = FIX / "partiel" / "ElevesSansAdresses.xml"
NOMENCLATURES = FIX / "nomenclatures" / "Nomenclature.xml"
RESP = FIX / "ResponsablesAvecAdresses.xml"
RESP_OLD = FIX / "avant-2018" / "ResponsablesAvecAdresses.xml"


def by_id(export) -> dict:
    return {s.eleve_id: s for s in export.students}


def variant(tmp_path: Path, source: Path, *replacements: tuple[str, str]) -> Path:
    """``source`` with pieces of text replaced, saved in its own encoding."""
    encoding = "iso8859_15" if b'encoding="ISO-8859-15"' in source.read_bytes()[:60] else "utf-8-sig"
    text = source.read_bytes().decode(encoding)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    target = tmp_path / source.name
    target.write_bytes(text.encode(encoding))
    return target


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "path, header",
    [
        (
            V21,
            SiecleHeader(
                root="BEE_ELEVES",
                version="2.1",
                uai="0690021Y",
                school_year=2016,
                exported_on=date(2016, 9, 14),
                exported_at=datetime(2016, 9, 14, 17, 32, 8),
            ),
        ),
        (
            V30,
            SiecleHeader(
                root="BEE_ELEVES",
                version="3.0",
                uai="0691495A",
                school_year=2025,
                exported_on=date(2026, 3, 30),
                exported_at=datetime(2026, 3, 30, 6, 12, 40),
            ),
        ),
        # no DATE_EXPORT: the day of HORODATAGE is the export date
        (
            PARTIEL,
            SiecleHeader(
                root="BEE_ELEVES",
                version="3.0",
                uai="0694152N",
                school_year=2025,
                exported_on=date(2026, 4, 17),
                exported_at=datetime(2026, 4, 17, 10, 5, 33),
            ),
        ),
    ],
    ids=["2.1", "3.0", "partial"],
)
def test_headers_of_both_versions_and_of_a_partial_extract(path, header):
    assert read_export(path).header == header


def test_an_empty_date_export_falls_back_on_horodatage_too(tmp_path):
    path = variant(
        tmp_path,
        V30,
        ("<DATE_EXPORT>30/03/2026</DATE_EXPORT>", "<DATE_EXPORT>  </DATE_EXPORT>"),
        ("30/03/2026 06:12:40", "31/03/2026 23:59:59"),
    )
    assert read_eleves(path).header.exported_on == date(2026, 3, 31)


def test_date_export_wins_over_horodatage_when_both_are_given(tmp_path):
    path = variant(tmp_path, V30, ("30/03/2026 06:12:40", "01/04/2026 06:12:40"))
    header = read_eleves(path).header
    assert (header.exported_on, header.exported_at) == (date(2026, 3, 30), datetime(2026, 4, 1, 6, 12, 40))


@pytest.mark.parametrize("horodatage", ["", "<HORODATAGE></HORODATAGE>"], ids=["absent", "empty"])
def test_without_date_export_nor_horodatage_the_file_is_refused_naming_it(tmp_path, horodatage):
    path = variant(tmp_path, PARTIEL, ("<HORODATAGE>17/04/2026 10:05:33</HORODATAGE>", horodatage))
    with pytest.raises(DeliveryRejected) as info:
        read_eleves(path)
    exc = info.value
    assert (exc.reason, exc.file, exc.line) == (
        "invalid_header",
        "ElevesSansAdresses.xml",
        line_of(path, "<PARAMETRES>"),
    )
    assert "DATE_EXPORT" in exc.message and "HORODATAGE" in exc.message
    assert "ElevesSansAdresses.xml" in str(exc)


def test_an_unreadable_horodatage_still_refuses_a_partial_extract(tmp_path):
    path = variant(tmp_path, PARTIEL, ("17/04/2026 10:05:33", "2026-04-17T10:05:33"))
    with pytest.raises(DeliveryRejected) as info:
        read_eleves(path)
    assert info.value.reason == "invalid_header"


# --------------------------------------------------------------------------- versions


def test_version_2_1_reads_the_old_nom_element_trimmed_with_latin9():
    export = read_eleves(V21)
    assert export.rejections == () and export.set_aside == ()
    s = by_id(export)
    assert [eid for eid in s] == ["610001", "610002", "610003"]
    assert (s["610001"].family_name, s["610001"].usage_name, s["610001"].given_name, s["610001"].given_name2) == (
        "Bœuf",
        "",
        "Mathilde",
        "Cœline",
    )
    assert (s["610002"].family_name, s["610002"].given_name, s["610002"].sex) == ("L'Hermite-Faure", "Noël", "M")
    assert s["610003"].family_name == "Saint-Œuf"  # raw 0xBC
    assert (s["610001"].division, s["610001"].groups, s["610001"].options) == (
        "3EME1",
        ("LATIN3",),
        ("030201", "020100"),
    )
    assert (s["610001"].regime, s["610001"].previous_uai) == ("2", "0690021Y")
    assert (s["610003"].left_on, s["610003"].leaving_reason) == (date(2016, 10, 20), "DM")


def test_version_3_0_reads_the_current_shape_and_skips_bourses_and_adresses():
    export = read_eleves(V30)
    assert export.rejections == () and export.set_aside == ()
    s = by_id(export)
    assert list(s) == ["620001", "620002", "620003"]
    first = s["620001"]
    assert (first.family_name, first.usage_name, first.given_name, first.given_name2, first.ine) == (
        "Lefèvre-Bœuf",
        "Lefèvre",
        "Inès",
        "Maëlle",
        "0691495101K",
    )
    assert (first.elenoet, first.birth_date, first.previous_uai) == ("5101", date(2011, 7, 8), "0691495A")
    assert s["620002"].family_name == "N'Diaye"


@pytest.mark.parametrize("root", ['<BEE_ELEVES VERSION="4.2">', "<BEE_ELEVES>"], ids=["unknown", "none"])
def test_an_unknown_or_missing_version_is_read_by_what_the_file_carries(tmp_path, root):
    path = variant(tmp_path, V30, ('<BEE_ELEVES VERSION="3.0">', root))
    export = read_eleves(path)
    assert export.header.version == ("4.2" if "4.2" in root else "")
    assert export.students == read_eleves(V30).students


def test_a_3_0_file_with_old_nom_names_is_read_alike(tmp_path):
    """What a file carries decides, not its VERSION: NOM in a 3.0 file."""
    path = variant(tmp_path, V30, ("<NOM_DE_FAMILLE>", "<NOM>"), ("</NOM_DE_FAMILLE>", "</NOM>"))
    assert [(s.eleve_id, s.family_name) for s in read_eleves(path).students] == [
        ("620001", "Lefèvre-Bœuf"),
        ("620002", "N'Diaye"),
        ("620003", "Da Costa"),
    ]


def test_an_empty_nom_de_famille_gives_way_to_a_filled_nom(tmp_path):
    path = variant(
        tmp_path,
        V30,
        ("<NOM_DE_FAMILLE>N'Diaye</NOM_DE_FAMILLE>", "<NOM>N'Diaye</NOM><NOM_DE_FAMILLE></NOM_DE_FAMILLE>"),
    )
    export = read_eleves(path)
    assert by_id(export)["620002"].family_name == "N'Diaye" and export.rejections == ()


def test_with_both_names_filled_nom_de_famille_wins(tmp_path):
    path = variant(
        tmp_path,
        V30,
        ("<NOM_DE_FAMILLE>N'Diaye</NOM_DE_FAMILLE>", "<NOM>Ndiaye</NOM><NOM_DE_FAMILLE>N'Diaye</NOM_DE_FAMILLE>"),
    )
    assert by_id(read_eleves(path))["620002"].family_name == "N'Diaye"


# --------------------------------------------------------------------------- codes starting with _


@pytest.mark.parametrize(
    "path, eleve_id, division, groups",
    [
        (V30, "620001", "301", ("_301P1", "_3LATIN")),
        (V30, "620002", "302", ("_302P2",)),
        (V30, "620003", "_3SEGPA", ("_301P1",)),  # a division code starting with _ too
        (PARTIEL, "630002", "4B", ("_4B-G2",)),
    ],
)
def test_structure_codes_starting_with_an_underscore_are_kept(path, eleve_id, division, groups):
    s = by_id(read_eleves(path))[eleve_id]
    assert (s.division, s.groups) == (division, groups)


def test_an_underscore_code_longer_than_8_is_still_refused(tmp_path):
    path = variant(
        tmp_path, V30, ("<CODE_STRUCTURE>_302P2</CODE_STRUCTURE>", "<CODE_STRUCTURE>_302P2ABC</CODE_STRUCTURE>")
    )
    export = read_eleves(path)
    assert [(r.reason, r.record_id) for r in export.rejections] == [("invalid_code", "620002")]
    assert "620002" not in by_id(export)


# --------------------------------------------------------------------------- partial extract


def test_partial_extract_keeps_complete_students_and_rejects_the_others_by_field():
    export = read_eleves(PARTIEL)
    assert list(by_id(export)) == ["630001", "630002"]
    assert {(r.reason, r.record_id, r.field, r.line) for r in export.rejections} == {
        ("missing_field", "630003", "DATE_NAISS", line_of(PARTIEL, 'ELEVE_ID="630003"')),
        ("missing_field", "630003", "CODE_SEXE", line_of(PARTIEL, 'ELEVE_ID="630003"')),
        *{
            ("missing_field", "630004", field, line_of(PARTIEL, 'ELEVE_ID="630004"'))
            for field in ("NOM_DE_FAMILLE", "PRENOM", "DATE_NAISS", "CODE_SEXE")
        },
    }
    kept = by_id(export)["630002"]
    assert (kept.entered_on, kept.left_on, kept.mef, kept.elenoet) == (None, None, "", "")


def test_an_agreeing_repeated_structures_section_is_merged():
    s = by_id(read_eleves(PARTIEL))["630001"]
    assert (s.division, s.groups) == ("4A", ("_4A_G1", "_4ESP2"))


def test_a_repeated_section_without_division_adds_its_groups(tmp_path):
    path = variant(
        tmp_path,
        PARTIEL,
        (
            "          <CODE_STRUCTURE>4A</CODE_STRUCTURE>\n          <TYPE_STRUCTURE>D</TYPE_STRUCTURE>\n        "
            "</STRUCTURE>\n        <STRUCTURE>\n          <CODE_STRUCTURE>_4A_G1</CODE_STRUCTURE>\n          "
            "<TYPE_STRUCTURE>G</TYPE_STRUCTURE>\n        </STRUCTURE>\n        <STRUCTURE>\n          "
            "<CODE_STRUCTURE>_4ESP2</CODE_STRUCTURE>",
            "          <CODE_STRUCTURE>_4ESP2</CODE_STRUCTURE>",
        ),
    )
    s = by_id(read_eleves(path))["630001"]
    assert (s.division, s.groups) == ("4A", ("_4A_G1", "_4ESP2"))


def test_a_repeated_section_naming_another_division_rejects_the_student(tmp_path):
    second = line_of(PARTIEL, 'STRUCTURES_ELEVE ELEVE_ID="630001"', 2)
    lines = PARTIEL.read_bytes().split(b"\n")
    lines[second + 1] = lines[second + 1].replace(b">4A<", b">4B<")  # the D of the second section
    path = tmp_path / PARTIEL.name
    path.write_bytes(b"\n".join(lines))
    export = read_eleves(path)
    assert "630001" not in by_id(export)
    assert ("duplicate_structures", "630001", "STRUCTURES_ELEVE", second) in {
        (r.reason, r.record_id, r.field, r.line) for r in export.rejections
    }


# --------------------------------------------------------------------------- guardians of both eras


def test_guardians_of_both_eras_are_read():
    new, old = read_responsables(RESP), read_responsables(RESP_OLD)
    assert {lk.level for lk in new.links} == {1, 2, 3}  # NIVEAU_RESPONSABILITE
    assert {lk.level for lk in old.links} == {1, 3}  # RESP_LEGAL 1/2 → 1, 0 → 3
    assert [g.family_name for g in old.guardians] == ["Œillet", "Œillet", "Müller"]


def test_an_old_person_named_by_nom_is_read(tmp_path):
    path = variant(tmp_path, RESP_OLD, ("<NOM_DE_FAMILLE>", "<NOM>"), ("</NOM_DE_FAMILLE>", "</NOM>"))
    export = read_responsables(path)
    assert [g.family_name for g in export.guardians] == ["Œillet", "Œillet", "Müller"]
    assert [r.reason for r in export.rejections] == ["invalid_link"]  # RESP_LEGAL 7 only, as before


def test_an_old_person_with_an_empty_nom_is_incomplete_under_that_field(tmp_path):
    path = variant(tmp_path, RESP_OLD, ("<NOM_DE_FAMILLE>Müller</NOM_DE_FAMILLE>", "<NOM></NOM>"))
    rejected = {(r.reason, r.record_id, r.field) for r in read_responsables(path).rejections}
    assert ("missing_field", "910003", "NOM") in rejected


def test_a_responsables_file_of_an_unknown_version_is_read(tmp_path):
    path = variant(tmp_path, RESP_OLD, ('VERSION="1.2"', 'VERSION="9.9"'))
    assert read_responsables(path).links == read_responsables(RESP_OLD).links


# --------------------------------------------------------------------------- nomenclatures


@pytest.mark.parametrize("reader", [read_export, read_eleves, read_responsables])
def test_the_nomenclatures_file_is_refused_with_its_own_reason(reader):
    with pytest.raises(DeliveryRejected) as info:
        reader(NOMENCLATURES)
    assert (info.value.reason, info.value.file) == ("siecle_nomenclatures", "Nomenclature.xml")
    assert "BEE_NOMENCLATURES" in info.value.message


def test_a_zipped_nomenclatures_file_is_refused_alike(tmp_path):
    target = tmp_path / "Nomenclature.zip"
    with zipfile.ZipFile(target, "w") as zf:
        zf.write(NOMENCLATURES, "Nomenclature.xml")
    assert sniff_root(target) == "BEE_NOMENCLATURES"
    with pytest.raises(DeliveryRejected) as info:
        read_export(target)
    assert (info.value.reason, info.value.file) == ("siecle_nomenclatures", "Nomenclature.xml")
