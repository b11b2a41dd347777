"""Files whose root cannot be sniffed are answered for what they are (issue
18, point 9): not an AAF rejection, but unknown_format saying what was seen
— and a value beyond the parser's limit is value_too_large, not a vague
malformed_xml."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from adapters.aaf.files import discover
from adapters.errors import DeliveryRejected
from adapters.sniff import kind_of
from events.usecases.formats import not_importable

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf" / "values"


def answer(path: Path) -> tuple[str, str, str]:
    kind = kind_of(path)
    refused = not_importable(path, kind)
    return kind, refused.reason, refused.message.split(":")[0]


def test_what_cannot_be_sniffed_says_what_it_is(tmp_path):
    wrong = tmp_path / "wrong.xml"
    wrong.write_text('<?xml version="1.0"?>\n<Inventaire><x/></Inventaire>\n')
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    long_doctype = tmp_path / "long.xml"
    long_doctype.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE ficAlimMENESR [<!-- ' + "x" * 100_000 + " -->]>\n<ficAlimMENESR/>\n"
    )
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.xml", wrong.read_text())
        zf.writestr("b.xml", wrong.read_text())
    assert answer(wrong) == ("unknown", "unknown_format", "root element <Inventaire>")
    assert answer(empty) == ("unknown", "unknown_format", "an empty file")
    assert answer(long_doctype) == (
        "unknown",
        "unknown_format",
        "no root element in its first 64 KB (not XML, or a prolog or DOCTYPE that long)",
    )
    assert answer(two) == ("unknown", "unknown_format", "a zip of 2 XML file(s), none an AAF part by name or root")


def test_a_value_beyond_the_parser_limit_is_value_too_large(tmp_path):
    delivery = tmp_path / "huge-value"
    shutil.copytree(FIX, delivery)
    part = next(delivery.glob("*_Eleve_*"))
    text = part.read_text(encoding="utf-8")
    marker = '<attr name="ENTEleveGroupes">'
    part.write_text(
        text.replace(marker, '<attr name="x-notes"><value>' + "x" * 11_000_000 + "</value></attr>" + marker, 1),
        encoding="utf-8",
    )
    files = discover(str(delivery))
    with pytest.raises(DeliveryRejected) as refused:
        for p in files.parts_of("Eleve"):
            for _ in files.records(p):
                pass
    assert refused.value.reason == "value_too_large" and refused.value.file == part.name
    assert refused.value.line == next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)
