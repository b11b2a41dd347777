"""Recognising what a path holds by its content, not its name (issue: every
supported file is recognised by content): an AAF delivery, a SIECLE export,
an STS-web export, a timetable export — and what must not be taken for one
(the encrypted Index Education envelope, SIECLE's nomenclatures)."""

from __future__ import annotations

import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO

from lxml import etree

from adapters.aaf.names import NAME_RE
from adapters.aaf.parser import ROOT as AAF_ROOT
from adapters.items import unsafe
from adapters.xmlfile import SAFE, SNIFF_LIMIT, first_events, sniff_root

EDT_NS = "http://www.index-education.com/exportemploidutemps"
ENVELOPE_NS = "http://www.index-education.com/conteneurexportchiffre"
ENVELOPE = "EXPORT_INDEX_EDUCATION"
KINDS = {
    AAF_ROOT: "aaf",
    "BEE_ELEVES": "siecle-eleves",
    "BEE_RESPONSABLES": "siecle-responsables",
    "BEE_NOMENCLATURES": "siecle-nomenclatures",
    "STS_EDT": "sts",
    "EDT_STS": "edt-sts",  # the timetable-to-STS file, uploaded by mistake (formats §3)
    f"{{{EDT_NS}}}ExportEmploiDuTemps": "timetable-edt",
    # The encrypted EDT/Pronote export (formats §4): never an AAF delivery.
    # Also without its namespace (*uncertain*): it is no other export either.
    f"{{{ENVELOPE_NS}}}{ENVELOPE}": "timetable-envelope",
    ENVELOPE: "timetable-envelope",
}
_READ_ERRORS = (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error)


def _is_xml(name: str) -> bool:
    return name.lower().endswith(".xml")


def _dir_members(path: Path) -> Iterator[tuple[str, Callable[[], IO[bytes]]]]:
    for p in sorted(path.rglob("*")):
        if _is_xml(p.name) and p.is_file():
            yield str(p.relative_to(path)), partial(open, p, "rb")


def _tar_members(tf: tarfile.TarFile) -> Iterator[tuple[str, Callable[[], IO[bytes]]]]:
    for m in tf:  # lazily: a damaged archive still shows the members before the damage
        if m.isfile() and _is_xml(m.name):
            yield m.name, partial(tf.extractfile, m)


def _root_of(open_member: Callable[[], IO[bytes]]) -> str | None:
    """The root tag of one member, from its first bytes; None when not XML."""
    parser = etree.XMLPullParser(events=("start",), **SAFE)
    try:
        with open_member() as fh:
            read = 0
            while read < SNIFF_LIMIT and (chunk := fh.read(4096)):
                read += len(chunk)
                parser.feed(chunk)
                for _, elem in parser.read_events():
                    return elem.tag
    except (etree.XMLSyntaxError, *_READ_ERRORS):
        pass  # not XML, or a member a damaged archive cuts short: the next ones may still tell
    return None


def _damaged_zip_names(path: Path, limit: int = 1000) -> Iterator[str]:
    """Member names from the local headers of a zip whose central directory
    is gone (a download cut short): what it was meant to hold, so that a
    damaged AAF archive is still taken for one and rejected as unreadable."""
    with open(path, "rb") as fh:
        for _ in range(limit):
            header = fh.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                return
            flags = int.from_bytes(header[6:8], "little")
            size = int.from_bytes(header[18:22], "little")
            name_len, extra_len = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
            yield fh.read(name_len).decode("utf-8" if flags & 0x800 else "cp437", "replace")
            if flags & 0x08:
                return  # sizes follow the data: the next header cannot be found cheaply
            fh.seek(extra_len + size, 1)


def _holds_aaf(members: Iterable[tuple[str, Callable[[], IO[bytes]]]]) -> bool:
    """Some member is an AAF part: named by the convention, or whatever its
    name, a ``ficAlimMENESR`` root (formats §1). Stops at the first one."""
    for name, open_member in members:
        if NAME_RE.match(name.rsplit("/", 1)[-1]) or _root_of(open_member) == AAF_ROOT:
            return True
    return False


def kind_of(path: str | Path) -> str:
    """'aaf', 'siecle-eleves', 'siecle-responsables', 'siecle-nomenclatures',
    'sts', 'edt-sts', 'timetable-edt', 'timetable-envelope', 'unsafe' (a link,
    a FIFO, a socket or a device, or a container holding one), or 'unknown'.

    A directory, a tar or a zip of several XML files is 'aaf' when it holds
    an AAF part (by name or by root), else 'unknown'; a file, or a zip of
    one XML file, is what its root says."""
    path = Path(path)
    if unsafe(path) is not None:
        return "unsafe"  # never opened: a FIFO blocks, a link reads outside the item (adapters/items.py)
    if not path.exists():
        return "unknown"
    try:
        if path.is_dir():
            return "aaf" if _holds_aaf(_dir_members(path)) else "unknown"
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if _is_xml(n)]
                if len(names) != 1 or NAME_RE.match(names[0].rsplit("/", 1)[-1]):
                    return "aaf" if _holds_aaf((n, partial(zf.open, n)) for n in names) else "unknown"
        elif tarfile.is_tarfile(path):
            with tarfile.open(path, "r:*") as tf:
                return "aaf" if _holds_aaf(_tar_members(tf)) else "unknown"
        elif any(NAME_RE.match(n.rsplit("/", 1)[-1]) for n in _damaged_zip_names(path)):
            return "aaf"
        return KINDS.get(sniff_root(path) or "", "unknown")
    except _READ_ERRORS:
        return "unknown"


_SHOWN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._\-]{0,39}")


def seen_as(path: str | Path) -> str:
    """What a path recognised as nothing looks like, for the operator's
    message (issue 18, point 9): an empty file, the root element found (when
    it is a plain short name), no root in the bytes read, a container of
    files none of which is an export. Never a value of the file."""
    path = Path(path)
    try:
        if path.is_dir():
            n = sum(1 for _ in _dir_members(path))
            return f"a directory of {n} XML file(s), none an AAF part by name or root"
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                n = sum(1 for name in zf.namelist() if _is_xml(name))
            return f"a zip of {n} XML file(s), none an AAF part by name or root"
        if tarfile.is_tarfile(path):
            return "a tar archive holding no AAF part"
        if path.stat().st_size == 0:
            return "an empty file"
    except _READ_ERRORS:
        return "an unreadable file"
    root = sniff_root(path)
    if root is None:
        return f"no root element in its first {SNIFF_LIMIT // 1024} KB (not XML, or a prolog or DOCTYPE that long)"
    local = etree.QName(root).localname
    return f"root element <{local}>" if _SHOWN.fullmatch(local) else "an unexpected root element"


def envelope_details(path: str | Path) -> dict[str, str]:
    """What the encrypted envelope says of itself, cheaply (its first bytes):
    ``software`` (LOGICIEL) and ``partner`` (CLES/PARTENAIRE/@NOM), each only
    when it is a short plain name (they are shown to the operator)."""
    out: dict[str, str] = {}
    for _, elem in first_events(path, ("end",)):
        local = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
        value = (elem.text or "").strip() if local == "LOGICIEL" else (elem.get("NOM") or "").strip()
        key = {"LOGICIEL": "software", "PARTENAIRE": "partner"}.get(local)
        if key and key not in out and _SHOWN.fullmatch(value):
            out[key] = value
        if local == "CONTENU" or len(out) == 2:
            break
    return out
