"""UTF-8 bytes under a single-byte declaration are refused, never read as
``LÃ©na`` (issue 18, point 7): the AAF part, the SIECLE export and the
timetable export, with the line of the first such bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.aaf.files import discover
from adapters.encoding import MojibakeScan
from adapters.errors import DeliveryRejected
from adapters.siecle.parser import read_eleves
from adapters.timetable.parser import read_edt

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def scan(*chunks: bytes) -> int:
    s = MojibakeScan()
    for c in chunks:
        s.feed(c)
    s.finish()
    return s.found


LATIN1 = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<a>\nLéna Cœur-Hélène\n</a>\n'


@pytest.mark.parametrize(
    "data, line",
    [
        (LATIN1.replace("œ", "oe").encode("latin-1"), 0),  # what it says: fine
        (LATIN1.encode("utf-8"), 3),  # UTF-8 under ISO-8859-1
        (LATIN1.replace("ISO-8859-1", "windows-1252").encode("utf-8"), 3),
        (LATIN1.replace("ISO-8859-1", "UTF-8").encode("utf-8"), 0),  # declared UTF-8: its business
        (LATIN1.replace(' encoding="ISO-8859-1"', "").encode("utf-8"), 0),  # no declaration: UTF-8
        ('<?xml version="1.0" encoding="ISO-8859-15"?><a>é</a>'.encode(), 1),  # a short file, one line
        ("<?xml version='1.0' encoding='latin1'?>\n<a>Ã</a>".encode("latin-1"), 0),  # a lone Ã is Latin-1 text
    ],
)
def test_the_classic_pattern_and_its_line(data, line):
    assert scan(data) == line


def test_a_pair_split_between_two_reads_is_found():
    data = LATIN1.encode("utf-8")
    i = data.index(b"\xc3")
    assert scan(data[: i + 1], data[i + 1 :]) == 3 and scan(*[data[k : k + 1] for k in range(len(data))]) == 3


def reencoded(src: Path, dest: Path, source_encoding: str) -> Path:
    dest.write_bytes(src.read_text(encoding=source_encoding).encode("utf-8"))  # declaration left as it was
    return dest


def test_an_aaf_part_is_refused_with_its_line(tmp_path):
    delivery = tmp_path / "d"
    shutil.copytree(FIX / "aaf" / "latin1-ncr", delivery)
    part = next(delivery.glob("*Eleve*"))
    reencoded(part, part, "latin-1")
    with pytest.raises(DeliveryRejected) as err:
        discover(delivery)
    assert err.value.reason == "encoding_mismatch" and err.value.file == part.name and err.value.line > 1
    assert "iso-8859-1" in err.value.message


def test_a_siecle_export_is_refused_with_its_line(tmp_path):
    path = reencoded(FIX / "siecle" / "ElevesSansAdresses.xml", tmp_path / "ElevesSansAdresses.xml", "iso-8859-15")
    with pytest.raises(DeliveryRejected) as err:
        read_eleves(path)
    assert err.value.reason == "encoding_mismatch" and err.value.line > 1


def test_a_timetable_export_is_refused_with_its_line(tmp_path):
    text = (FIX / "timetable" / "export_edt_0571994H.xml").read_text(encoding="utf-8")
    path = tmp_path / "export_edt_0571994H.xml"
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1).encode("utf-8"))
    with pytest.raises(DeliveryRejected) as err:
        read_edt(path)
    assert err.value.reason == "encoding_mismatch"
    assert err.value.line == next(
        i for i, line in enumerate(text.splitlines(), 1) if any(c in line for c in "ÉÈÇŒéèçœôîü")
    )
