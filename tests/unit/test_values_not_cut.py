"""A value that is not plain text is refused, never cut (issue 18, point 5):
an undeclared entity in a SIECLE name used to be stored as its first
letters, an XInclude element in an AAF value as the text before it, an STS
name with an entity as empty. Hand-edited copies of the fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.aaf.files import discover
from adapters.errors import DeliveryRejected
from adapters.siecle.parser import read_eleves
from adapters.sts.parser import read_sts

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def edited(src: Path, dest: Path, old: bytes, new: bytes) -> Path:
    data = src.read_bytes()
    assert old in data
    dest.write_bytes(data.replace(old, new, 1))
    return dest


def line_of(path: Path, needle: bytes) -> int:
    return path.read_bytes()[: path.read_bytes().index(needle)].count(b"\n") + 1


def test_a_siecle_name_with_an_undeclared_entity(tmp_path):
    path = edited(
        FIX / "siecle" / "ElevesSansAdresses.xml",
        tmp_path / "ElevesSansAdresses.xml",
        b"<NOM_DE_FAMILLE>D'Arco</NOM_DE_FAMILLE>",
        b"<NOM_DE_FAMILLE>D'Ar&evil;co</NOM_DE_FAMILLE>",
    )
    # With an external DTD (never loaded), the parser keeps the reference: it used to cut the name at it.
    edited(path, path, b"?>\n", b'?>\n<!DOCTYPE BEE_ELEVES SYSTEM "bee.dtd">\n')
    with pytest.raises(DeliveryRejected) as err:
        read_eleves(path)
    assert err.value.reason == "value_not_plain_text"
    assert err.value.file == path.name and err.value.line == line_of(path, b"&evil;")


@pytest.mark.parametrize(
    "inside",
    [b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="x"/>', b"<b>Z</b>"],
    ids=["xinclude", "element"],
)
def test_an_aaf_value_holding_markup(tmp_path, inside):
    delivery = tmp_path / "d"
    shutil.copytree(FIX / "aaf" / "values", delivery)
    part = next(delivery.glob("*_Eleve_*"))
    edited(part, part, b"<value>  D'ALMEIDA  </value>", b"<value>  D'AL" + inside + b"MEIDA  </value>")
    files = discover(delivery)
    with pytest.raises(DeliveryRejected) as err:
        for p in files.parts_of("Eleve"):
            list(files.records(p))
    assert err.value.reason == "value_not_plain_text" and "attribute sn" in err.value.message
    assert err.value.line == line_of(part, inside)


def test_an_aaf_value_with_a_comment_inside_is_read_whole(tmp_path):
    # The AAF parser drops comments: the text around one is joined, not cut.
    delivery = tmp_path / "d"
    shutil.copytree(FIX / "aaf" / "values", delivery)
    part = next(delivery.glob("*_Eleve_*"))
    edited(part, part, b"<value>  D'ALMEIDA  </value>", b"<value>  D'AL<!-- x -->MEIDA  </value>")
    files = discover(delivery)
    names = [r.attrs.get("sn") for p in files.parts_of("Eleve") for r in files.records(p)]
    assert ["D'ALMEIDA"] in names


def test_an_sts_name_with_an_entity(tmp_path):
    path = edited(
        FIX / "sts" / "sts_emp_0571994H_2026.xml",
        tmp_path / "sts_emp_0571994H_2026.xml",
        b"<NOM_USAGE>MARTIN     </NOM_USAGE>",
        b"<NOM_USAGE>MAR&evil;TIN</NOM_USAGE>",
    )
    with pytest.raises(DeliveryRejected) as err:
        read_sts(path)
    # Without a DTD, lxml reads the undeclared entity as a syntax error: the file is refused, not read as empty.
    assert err.value.reason in ("value_not_plain_text", "malformed_xml") and err.value.file == path.name
