"""A timetable or STS-web export as the import receives it (domain-rules §7):
its bytes' digest, what it says (read by the EDT or the STS-web reader, by
its content), when the exporter wrote it, and the UAI its first bytes show
when it cannot be read."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from adapters.errors import DeliveryRejected
from adapters.sniff import kind_of
from adapters.sts.parser import read_sts
from adapters.sts.records import StsExport
from adapters.timetable.parser import read_edt
from adapters.timetable.records import EdtExport
from adapters.validators import uai_is_valid
from adapters.xmlfile import first_events

# What adapters/sniff.py recognises as a timetable import's input.
KINDS = ("sts", "edt-sts", "timetable-edt")


def digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of the file; raises OSError when it cannot be read."""
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def read_export(path: Path) -> tuple[str, EdtExport | StsExport | None, DeliveryRejected | None]:
    """(source ``edt`` or ``sts``, the export, None) or (source, None, why it
    was refused), recognised by content."""
    kind = kind_of(path)
    source = "sts" if kind in ("sts", "edt-sts") else "edt"
    try:
        if kind == "timetable-edt":
            return source, read_edt(path), None
        if kind in ("sts", "edt-sts"):
            return source, read_sts(path), None  # refuses EDT_STS with its explanation
        raise DeliveryRejected(
            "unknown_format",
            "neither an Index Education timetable export "
            "(ExportEmploiDuTemps, clear XML) nor an STS-web export (STS_EDT)",
            path.name,
        )
    except DeliveryRejected as exc:
        return source, None, exc


def modified_at(path: Path) -> datetime:
    """The file's modification time, which the exporter set; the epoch when unknown."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)


def sniff_uai(path: Path) -> str:
    """The UAI of a file the readers refused, when its first bytes show one
    (EDT root ``@UAI``, STS ``UAJ/@CODE`` or ``UAJ`` text): so that a
    rejection is still counted under its establishment. '' otherwise."""
    try:
        for ev, elem in first_events(path, ("start", "end")):
            local = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
            value = (
                elem.get("UAI")
                if ev == "start"
                else (elem.get("CODE") or (elem.text or ""))
                if local == "UAJ"
                else None
            )
            if value and uai_is_valid(value.strip()):
                return value.strip()
    except ValueError:
        pass
    return ""
