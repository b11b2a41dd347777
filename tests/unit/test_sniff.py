"""Content-based recognition of input files."""
from __future__ import annotations

import zipfile

import pytest

from adapters.sniff import kind_of

SAMPLES = {
    "siecle-eleves": b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.1"><PARAMETRES/></BEE_ELEVES>',
    "siecle-responsables": b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><BEE_RESPONSABLES/>',
    "sts": b'<?xml version="1.0" encoding="ISO-8859-1"?><STS_EDT><PARAMETRES/></STS_EDT>',
    "edt-sts": b'<EDT_STS><PARAMETRES/></EDT_STS>',
    "timetable-edt": b'<ExportEmploiDuTemps xmlns="http://www.index-education.com/exportemploidutemps" UAI="0571994H"/>',
    "aaf": b'<ficAlimMENESR/>',
    "unknown": b'<html><body/></html>',
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


@pytest.mark.parametrize("path, kind", [
    ("siecle/ElevesSansAdresses.xml", "siecle-eleves"),
    ("siecle/ElevesSansAdresses.zip", "siecle-eleves"),
    ("siecle/ResponsablesAvecAdresses.xml", "siecle-responsables"),
    ("sts/sts_emp_0571994H_2026.xml", "sts"),
    ("sts/edt_sts_0571994H_2026.xml", "edt-sts"),
    ("timetable/export_edt_0571994H.xml", "timetable-edt"),
    ("aaf/values", "aaf"),
])
def test_the_hand_written_fixtures_are_recognised(path, kind):
    assert kind_of(FIXTURES / path) == kind
