"""Streaming reader of SIECLE/BEE exports (formats §2 and the general rules
at its top): ``ElevesSansAdresses.xml`` / ``ElevesAvecAdresses.xml`` (root
``BEE_ELEVES``) and ``ResponsablesAvecAdresses.xml`` (``BEE_RESPONSABLES``),
plain or as the single XML of a zip.

The file is read with lxml ``iterparse`` (no entity resolution, no network,
no DTD; elements cleared as they are consumed). The XML declaration decides
the encoding (ISO-8859-15 with a raw `œ`, UTF-8 with a BOM). The whole file is
refused (``DeliveryRejected``) when it is not well-formed (``malformed_xml``,
with line), declares entities (``entity_declaration``), has a root this
adapter does not read (``unknown_format``; the timetable-to-STS ``EDT_STS``
file is named as such) or another BEE root than the one asked for
(``wrong_root``), lacks ``PARAMETRES`` (``missing_parametres``), has a
missing or invalid ``UAJ`` (``invalid_uai``, domain-rules §2) or an unreadable
``ANNEE_SCOLAIRE`` / ``DATE_EXPORT`` / ``HORODATAGE``, or neither
``DATE_EXPORT`` nor ``HORODATAGE`` (``invalid_header``). A
``Nomenclature.xml`` (``BEE_NOMENCLATURES``) is recognised and refused with its
own reason (``siecle_nomenclatures``): it is a SIECLE export, but of codes, not
people.

The export date is ``DATE_EXPORT``; partial extracts lack it and carry only
``HORODATAGE``, whose day is then the export date (formats §2). The root's
``VERSION`` (``2.1`` and ``3.0`` both occur) is carried in the header and never
judged: each field is read by what the file carries (``NOM`` or
``NOM_DE_FAMILLE``, ``RESP_LEGAL`` or ``NIVEAU_RESPONSABILITE``), so an unknown
version is read like any other. Record rejections are described in
adapters/siecle/eleves.py and responsables.py.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from lxml import etree

from adapters.errors import DeliveryRejected
from adapters.siecle.eleves import ElevesReader
from adapters.siecle.records import (
    ELEVES_ROOT,
    NOMENCLATURES_ROOT,
    RESPONSABLES_ROOT,
    ElevesExport,
    ResponsablesExport,
    SiecleHeader,
)
from adapters.siecle.responsables import ResponsablesReader
from adapters.siecle.values import fields, parse_date, parse_stamp
from adapters.validators import uai_is_valid
from adapters.xmlfile import Checked
from adapters.xmlpull import pull_events

READERS = {ELEVES_ROOT: ElevesReader, RESPONSABLES_ROOT: ResponsablesReader}
_OTHER_ROOTS = {
    "EDT_STS": "this is the timetable-to-STS file (EDT_STS), not a SIECLE export",
    "STS_EDT": "this is an STS-web export (STS_EDT), not a SIECLE export",
}
# formats §2: recognised and set aside with its own reason, not as an unknown
# format (it is a genuine SIECLE export, sent along with the others).
NOMENCLATURES_REASON = "siecle_nomenclatures"
_READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile)
_PARSE = dict(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
)


def read_eleves(path: str | Path) -> ElevesExport:
    """A ``BEE_ELEVES`` export; any other root is refused."""
    return read_export(path, expected=ELEVES_ROOT)  # type: ignore[return-value]


def read_responsables(path: str | Path) -> ResponsablesExport:
    """A ``BEE_RESPONSABLES`` export; any other root is refused."""
    return read_export(path, expected=RESPONSABLES_ROOT)  # type: ignore[return-value]


def read_export(path: str | Path, expected: str | None = None) -> ElevesExport | ResponsablesExport:
    """Read the SIECLE export at ``path`` (``.xml``, or a zip holding one XML),
    whichever of the two it is, or only ``expected`` (a root tag) when given.
    Raises DeliveryRejected for a file refused whole."""
    with _open(Path(path)) as (fh, name):
        root = _root_of(fh, name)
        if root == NOMENCLATURES_ROOT:
            raise DeliveryRejected(
                NOMENCLATURES_REASON,
                "this is the SIECLE nomenclatures file (BEE_NOMENCLATURES: "
                "subjects, MEF and other codes), not students or guardians; nothing to import "
                "from it",
                name,
            )
        if root not in READERS:
            raise DeliveryRejected(
                "unknown_format", _OTHER_ROOTS.get(root, f"root element {root!r} is not a SIECLE export"), name
            )
        if expected is not None and root != expected:
            raise DeliveryRejected("wrong_root", f"root element is {root!r}, expected {expected!r}", name)
    with _open(Path(path)) as (fh, name):
        return _read(fh, name, root)


def sniff_root(path: str | Path) -> str | None:
    """The root tag (``{namespace}local`` when namespaced) of an XML file or of
    the single XML inside a zip, reading only the beginning of it; None when
    there is no such file or it does not start as XML."""
    try:
        with _open(Path(path)) as (fh, name):
            return _root_of(fh, name, refuse_entities=False)
    except DeliveryRejected:
        return None


# ---------------------------------------------------------------------- files


@contextmanager
def _open(path: Path) -> Iterator[tuple[IO[bytes], str]]:
    """The XML's byte stream and the name rejections carry: the file's name,
    or the XML member's name inside a zip (so that a zipped export reads
    exactly like the plain file)."""
    if not path.is_file():
        raise DeliveryRejected("not_found", "no such file", str(path))
    try:
        if not zipfile.is_zipfile(path):
            with open(path, "rb") as fh:
                yield _Guarded(Checked(fh, path.name), path.name), path.name
            return
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".xml")]
            if len(members) != 1:
                raise DeliveryRejected(
                    "invalid_archive", f"the zip holds {len(members)} XML files, expected one", path.name
                )
            name = members[0].filename.rsplit("/", 1)[-1]
            with zf.open(members[0]) as fh:
                yield _Guarded(Checked(fh, name), name), name
    except _READ_ERRORS as exc:
        raise DeliveryRejected("unreadable_file", f"cannot read the file ({type(exc).__name__})", path.name) from None


class _Guarded:
    """A byte stream whose read errors (truncated zip, bad CRC) become a
    whole-file rejection instead of an lxml error."""

    def __init__(self, fh: IO[bytes], name: str):
        self._fh, self._name = fh, name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._fh.read(size)
        except _READ_ERRORS as exc:
            raise DeliveryRejected(
                "unreadable_file", f"cannot read the file ({type(exc).__name__})", self._name
            ) from None


# ---------------------------------------------------------------------- parsing


def _root_of(fh: IO[bytes], name: str, refuse_entities: bool = True) -> str:
    """The root tag, read from the start of the file; refuses a file that does
    not start as well-formed XML or (``refuse_entities``) declares entities."""
    try:
        for _, elem in pull_events(fh, ("start",), **_PARSE):  # not iterparse: see adapters/xmlpull.py
            dtd = elem.getroottree().docinfo.internalDTD
            if refuse_entities and dtd is not None and any(True for _ in dtd.iterentities()):
                raise DeliveryRejected(
                    "entity_declaration", "the file declares XML entities; refused (entity expansion)", name
                )
            return elem.tag
    except etree.XMLSyntaxError as exc:
        raise DeliveryRejected("malformed_xml", f"not well-formed XML ({exc.msg})", name, exc.lineno or 0) from None
    raise DeliveryRejected("malformed_xml", "no root element", name)


def _read(fh: IO[bytes], name: str, root: str) -> ElevesExport | ResponsablesExport:
    reader = READERS[root](name)
    sections = {"PARAMETRES": root, **reader.tags}
    header: SiecleHeader | None = None
    context = etree.iterparse(fh, events=("end",), tag=tuple(sections), **_PARSE)
    try:
        for _, elem in context:
            parent = elem.getparent()
            if parent is None or parent.tag != sections[elem.tag]:
                continue  # same tag elsewhere (e.g. inside a record): not a record
            if elem.tag == "PARAMETRES":
                header = _header(elem, parent, name)
            else:
                reader.feed(elem)
            elem.clear(keep_tail=True)
            while elem.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise DeliveryRejected("malformed_xml", f"not well-formed XML ({exc.msg})", name, exc.lineno or 0) from None
    except DeliveryRejected as exc:
        if not exc.file:  # a value refused where the file is not known (adapters/xmlfile.plain_text)
            raise DeliveryRejected(exc.reason, exc.message, name, exc.line) from None
        raise
    if header is None:
        raise DeliveryRejected("missing_parametres", f"no PARAMETRES under {root}: the establishment is unknown", name)
    if root == ELEVES_ROOT:
        students, rejections, set_aside = reader.finish(header.exported_on)
        return ElevesExport(header=header, students=students, rejections=rejections, set_aside=set_aside)
    guardians, links, addresses, rejections, set_aside = reader.finish()
    return ResponsablesExport(
        header=header, guardians=guardians, links=links, addresses=addresses, rejections=rejections, set_aside=set_aside
    )


def _header(elem, root_elem, name: str) -> SiecleHeader:
    """``PARAMETRES``: UAJ (checked, domain-rules §2), school year, export date
    and time. The export date is ``DATE_EXPORT``, else the day of
    ``HORODATAGE`` (partial extracts, formats §2); without either the file
    cannot be placed among the establishment's exports (``older_export``)
    and is refused. Values are not copied into the rejection messages."""
    line = elem.sourceline or 0
    f = fields(elem)
    uai = f.get("UAJ", "")
    if not uai:
        raise DeliveryRejected("invalid_uai", "PARAMETRES/UAJ is missing or empty", name, line)
    if not uai_is_valid(uai):
        raise DeliveryRejected("invalid_uai", "PARAMETRES/UAJ is not 7 digits and a valid check letter", name, line)
    year = f.get("ANNEE_SCOLAIRE", "")
    if not (len(year) == 4 and year.isdigit()):
        raise DeliveryRejected("invalid_header", "PARAMETRES/ANNEE_SCOLAIRE is not a year", name, line)
    try:
        exported_on = parse_date(f.get("DATE_EXPORT", ""))
        exported_at = parse_stamp(f.get("HORODATAGE", ""))
    except ValueError:
        raise DeliveryRejected(
            "invalid_header", "PARAMETRES/DATE_EXPORT or HORODATAGE is not DD/MM/YYYY [HH:MM:SS]", name, line
        ) from None
    if exported_on is None and exported_at is not None:
        exported_on = exported_at.date()
    if exported_on is None:
        raise DeliveryRejected(
            "invalid_header",
            "PARAMETRES has neither DATE_EXPORT nor HORODATAGE: the export date "
            "is unknown, so the file cannot be ordered among this establishment's exports",
            name,
            line,
        )
    # VERSION is recorded as found, never checked against a list: the readers
    # go by the elements present, so a version not seen yet (or none) is read
    # like 2.1 and 3.0 are, and a missing field is judged per record.
    return SiecleHeader(
        root=root_elem.tag,
        version=root_elem.get("VERSION", "").strip(),
        uai=uai,
        school_year=int(year),
        exported_on=exported_on,
        exported_at=exported_at,
    )
