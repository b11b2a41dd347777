"""Reading one XML export safely (formats, "General rules for every parser").

Shared by the STS (formats §3) and timetable (formats §4) readers and by
content-based recognition (adapters/sniff.py): an export
is a plain ``.xml`` or a zip holding exactly one XML file; it is streamed with
lxml ``iterparse`` that never resolves entities, never fetches a DTD and
refuses a file that declares entities (expansion bombs); a file that is not
well-formed is rejected whole with file, line and reason. The encoding is the
one the XML declaration (or a BOM) gives, as libxml2 honours it.

The SIECLE reader still has its own copy of the zip and sniff code: to merge.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lxml import etree

from adapters.aaf.containers import READ_ERRORS
from adapters.encoding import REASON as ENCODING_MISMATCH
from adapters.encoding import MojibakeScan
from adapters.errors import DeliveryRejected

SAFE = dict(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
)
SNIFF_LIMIT = 64 * 1024  # bytes read at most to find the root element
_ZIP_MAGIC = b"PK\x03\x04"
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T[0-9:.+\-Z]*)?$")
_FRENCH = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_date(value: str) -> date:
    """``YYYY-MM-DD`` (also with a time part, which is dropped) or
    ``DD/MM/YYYY``; the two cannot be confused. Raises ValueError."""
    if m := _ISO.match(value):
        y, mo, d = m.group(1, 2, 3)
    elif m := _FRENCH.match(value):
        d, mo, y = m.group(1, 2, 3)
    else:
        raise ValueError("not a date")
    return date(int(y), int(mo), int(d))


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == _ZIP_MAGIC


@contextmanager
def open_export(path: str | Path, checked: bool = True) -> Iterator[tuple[str, IO[bytes]]]:
    """``(name, byte stream)`` of the XML file at ``path`` or inside the zip at
    ``path``. ``name`` is the XML file's own name, so that records read from a
    zip equal those read from the same file unzipped. The stream refuses UTF-8
    bytes under a single-byte declaration (:class:`Checked`) unless
    ``checked`` is False (sniffing: the reader chosen says it, with its line)."""
    path = Path(path)
    wrap = Checked if checked else (lambda fh, name: fh)
    try:
        if not _is_zip(path):
            with open(path, "rb") as fh:
                yield path.name, wrap(fh, path.name)
            return
        with zipfile.ZipFile(path) as zf:
            members = [
                m
                for m in zf.infolist()
                if not m.is_dir() and m.filename.lower().endswith(".xml") and not m.filename.startswith("__MACOSX/")
            ]
            if len(members) != 1:
                raise DeliveryRejected(
                    "invalid_archive", f"the archive holds {len(members)} XML files, expected exactly one", path.name
                )
            with zf.open(members[0]) as fh:
                name = PurePosixPath(members[0].filename).name
                yield name, wrap(fh, name)
    except READ_ERRORS as exc:
        raise DeliveryRejected("unreadable_file", f"cannot read the file ({type(exc).__name__})", path.name) from None


class Checked:
    """A file's byte stream that refuses UTF-8 bytes under a single-byte
    declaration as it is read (adapters/encoding.py): the reader raises
    DeliveryRejected ``encoding_mismatch`` with the line, before any record
    is used."""

    def __init__(self, fh: IO[bytes], name: str):
        self._fh, self._name, self._scan = fh, name, MojibakeScan()

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        if data:
            self._scan.feed(data)
        else:
            self._scan.finish()
        if self._scan.found:
            raise DeliveryRejected(ENCODING_MISMATCH, self._scan.message(), self._name, self._scan.found)
        return data


def plain_text(elem, file: str = "") -> str:
    """The stripped text of a value element, refusing one that holds anything
    but text (an unresolved entity, an element such as an XInclude, a comment):
    its text would be read cut at the first such node (issue 18, point 5)."""
    text = (elem.text or "").strip()
    if not len(elem):
        return text
    # Only elements, no text around them: a container, not a value.
    container = all(isinstance(c.tag, str) for c in elem) and not text and not any((c.tail or "").strip() for c in elem)
    if container:
        return ""
    what = elem.tag if isinstance(elem.tag, str) else "a value"
    raise DeliveryRejected(
        "value_not_plain_text",
        f"{what}: the value holds an entity reference, markup or a comment, not plain text; refused rather than cut",
        file,
        elem.sourceline or 0,
    )


def refuse_entities(root, file: str) -> None:
    """A DOCTYPE declaring entities is refused before any value is used."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DeliveryRejected("entity_declaration", "the file declares XML entities; refused (entity expansion)", file)


def iter_elements(fh: IO[bytes], file: str, tags, check_root: Callable[[object], None]) -> Iterator:
    """End events of ``tags`` ("{ns}local" for namespaced files). The root is
    checked (``check_root`` raises DeliveryRejected) before the first element
    is yielded, or at the end when none matched. The caller calls
    :func:`release` on the elements it is done with."""
    context = etree.iterparse(fh, events=("end",), tag=tags, **SAFE)
    checked = False
    try:
        for _, elem in context:
            if not checked:
                root = elem.getroottree().getroot()
                check_root(root)
                refuse_entities(root, file)
                checked = True
            yield elem
        if not checked:
            if context.root is None:
                raise DeliveryRejected("malformed_xml", "the file holds no XML element", file, 1)
            check_root(context.root)
            refuse_entities(context.root, file)
    except etree.XMLSyntaxError as exc:
        raise DeliveryRejected("malformed_xml", f"not well-formed XML ({exc.msg})", file, exc.lineno or 0) from None


def release(elem) -> None:
    """Free a handled element and its preceding siblings (flat memory)."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def first_events(path: str | Path, events: tuple[str, ...] = ("start",)) -> Iterator[tuple[str, Any]]:
    """(event, element) of the first bytes of the file (or of the single XML
    inside a zip), for recognising an upload by its content before choosing a
    reader. Stops quietly at a syntax error or an unreadable file."""
    parser = etree.XMLPullParser(events=events, **SAFE)
    try:
        with open_export(path, checked=False) as (_, fh):
            read = 0
            while read < SNIFF_LIMIT and (chunk := fh.read(4096)):
                read += len(chunk)
                parser.feed(chunk)
                yield from parser.read_events()
    except etree.XMLSyntaxError:
        yield from parser.read_events()  # what was parsed before the error
    except (DeliveryRejected, OSError):
        return


def sniff_root(path: str | Path) -> str | None:
    """The root tag (``{namespace}local`` or ``local``) read from the start of
    the file; None when no root element shows in the first bytes or the file
    is not XML."""
    return next((elem.tag for _, elem in first_events(path)), None)
