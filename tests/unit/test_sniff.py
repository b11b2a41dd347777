"""Content-based recognition of input files."""

from __future__ import annotations

import zipfile

import pytest

from adapters.sniff import envelope_details, kind_of
from events.usecases.formats import not_importable

SAMPLES = {
    "siecle-eleves": b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.1"><PARAMETRES/></BEE_ELEVES>',
    "siecle-responsables": b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><BEE_RESPONSABLES/>',
    "sts": b'<?xml version="1.0" encoding="ISO-8859-1"?><STS_EDT><PARAMETRES/></STS_EDT>',
    "edt-sts": b"<EDT_STS><PARAMETRES/></EDT_STS>",
    "timetable-edt": b'<ExportEmploiDuTemps xmlns="http://www.index-education.com/exportemploidutemps" UAI="0571994H"/>',
    "aaf": b"<ficAlimMENESR/>",
    "siecle-nomenclatures": b'<BEE_NOMENCLATURES VERSION="3.0"/>',
    "timetable-envelope": b'<EXPORT_INDEX_EDUCATION xmlns="http://www.index-education.com/conteneurexportchiffre"/>',
    "unknown": b"<html><body/></html>",
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_recognised_by_content_whatever_the_name(kind, tmp_path):
    path = tmp_path / "export.xml"  # the name says nothing
    path.write_bytes(SAMPLES[kind])
    assert kind_of(path) == kind


def test_single_xml_in_a_zip(tmp_path):
    archive = tmp_path / "siecle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ElevesSansAdresses.xml", SAMPLES["siecle-eleves"])
    assert kind_of(archive) == "siecle-eleves"


def test_aaf_delivery_by_part_names(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ENTACAD_Complet_20260818_Eleve_0000.xml").write_bytes(SAMPLES["aaf"])
    assert kind_of(tmp_path / "d") == "aaf"


def test_garbage_and_missing(tmp_path):
    (tmp_path / "g.xml").write_bytes(b"\x00\x01 not xml")
    assert kind_of(tmp_path / "g.xml") == "unknown"
    assert kind_of(tmp_path / "missing.xml") == "unknown"


FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    "path, kind",
    [
        ("siecle/ElevesSansAdresses.xml", "siecle-eleves"),
        ("siecle/ElevesSansAdresses.zip", "siecle-eleves"),
        ("siecle/ResponsablesAvecAdresses.xml", "siecle-responsables"),
        ("sts/sts_emp_0571994H_2026.xml", "sts"),
        ("sts/edt_sts_0571994H_2026.xml", "edt-sts"),
        ("timetable/export_edt_0571994H.xml", "timetable-edt"),
        ("aaf/values", "aaf"),
    ],
)
def test_the_hand_written_fixtures_are_recognised(path, kind):
    assert kind_of(FIXTURES / path) == kind


# --------------------------------------------------------------------------- AAF named off the convention (issue 9)

AAF = FIXTURES / "aaf"
OTHER = FIXTURES / "other"


def _zip_of(src, dest, folder=""):
    with zipfile.ZipFile(dest, "w") as zf:
        for f in sorted(src.iterdir()):
            zf.write(f, f"{folder}{f.name}")
    return dest


def _tgz_of(src, dest):
    import tarfile

    with tarfile.open(dest, "w:gz") as tf:
        for f in sorted(src.iterdir()):
            tf.add(f, f.name)
    return dest


@pytest.mark.parametrize("fixture", ["no-convention", "full-source", "ent-no-uai"])
def test_aaf_named_off_the_convention_by_content(fixture, tmp_path):
    src = AAF / fixture
    assert kind_of(src) == "aaf"
    assert kind_of(_zip_of(src, tmp_path / "annuaire.zip", "export/")) == "aaf"
    assert kind_of(_tgz_of(src, tmp_path / "annuaire.tgz")) == "aaf"
    one = sorted(p for p in src.iterdir() if p.suffix.lower() == ".xml" and b"ficAlimMENESR>" in p.read_bytes())[0]
    single = tmp_path / "one.zip"
    with zipfile.ZipFile(single, "w") as zf:
        zf.write(one, "export.xml")
    assert kind_of(one) == kind_of(single) == "aaf"


def test_a_directory_of_other_files_is_no_delivery(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "parametres.xml").write_bytes(b"<parametres/>")
    (tmp_path / "d" / "lisezmoi.txt").write_bytes(b"texte")
    assert kind_of(tmp_path / "d") == "unknown"
    assert kind_of(_zip_of(tmp_path / "d", tmp_path / "d.zip")) == "unknown"


def test_a_damaged_archive_of_aaf_parts_is_still_aaf(tmp_path):
    # So that it is rejected (unreadable_archive) and recorded, as any broken AAF delivery.
    src = tmp_path / "src"
    src.mkdir()
    body = (AAF / "ent-no-uai" / "ENT_Complet_20260818_Eleve_0000.xml").read_bytes()
    for i in range(4):
        (src / f"ENT_Complet_20260818_Eleve_{i:04d}.xml").write_bytes(body.replace(b"1000001", f"10000{i}1".encode()))
    for whole in (_zip_of(src, tmp_path / "d.zip", "ENT2D.20260818/"), _tgz_of(src, tmp_path / "d.tgz")):
        cut = tmp_path / f"cut-{whole.name}"
        cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
        assert kind_of(cut) == "aaf"
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert kind_of(tmp_path / "garbage.zip") == "unknown"


# --------------------------------------------------------------------------- what is not imported (issue 9)


def test_the_encrypted_timetable_envelope(tmp_path):
    envelope = OTHER / "export_edt_0571994H_chiffre.xml"
    assert kind_of(envelope) == "timetable-envelope"
    archive = tmp_path / "edt.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(envelope, envelope.name)
    assert kind_of(archive) == "timetable-envelope"
    assert envelope_details(envelope) == {"software": "EDT", "partner": "ENTSYNC-TEST"}


@pytest.mark.parametrize(
    "path, kind, reason, says",
    [
        (OTHER / "export_edt_0571994H_chiffre.xml", "timetable-envelope", "encrypted_timetable_export", "en clair"),
        (OTHER / "Nomenclature.xml", "siecle-nomenclatures", "siecle_nomenclatures", "code tables"),
        (OTHER / "notes.txt", "unknown", "unknown_format", "recognised by content"),
        (OTHER / "nowhere.xml", "unknown", "not_found", "no such file"),
    ],
)
def test_one_answer_for_what_is_not_imported(path, kind, reason, says):
    assert kind_of(path) == kind
    refused = not_importable(path, kind)
    assert (refused.reason, refused.as_dict()["status"]) == (reason, "rejected")
    assert says in refused.message and refused.message.endswith("nothing recorded")
    assert str(path) in refused.line() and "\n" not in refused.line()
