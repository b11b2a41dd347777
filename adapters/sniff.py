"""Recognising what a path holds by its content, not its name (issue: every
supported file is recognised by content): an AAF delivery, a SIECLE export,
an STS-web export, a timetable export."""
from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from adapters.aaf.files import NAME_RE
from adapters.xmlfile import sniff_root

EDT_NS = "http://www.index-education.com/exportemploidutemps"
KINDS = {
    "ficAlimMENESR": "aaf",
    "BEE_ELEVES": "siecle-eleves",
    "BEE_RESPONSABLES": "siecle-responsables",
    "BEE_NOMENCLATURES": "siecle-nomenclatures",
    "STS_EDT": "sts",
    "EDT_STS": "edt-sts",  # the timetable-to-STS file, uploaded by mistake (formats §3)
    f"{{{EDT_NS}}}ExportEmploiDuTemps": "timetable-edt",
}


def _xml_members(path: Path) -> list[str]:
    if path.is_dir():
        return sorted(str(p.relative_to(path)) for p in path.rglob("*.xml"))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return sorted(n for n in zf.namelist() if n.lower().endswith(".xml"))
    if tarfile.is_tarfile(path):
        with tarfile.open(path, "r:*") as tf:
            return sorted(m.name for m in tf.getmembers() if m.isfile() and m.name.lower().endswith(".xml"))
    return []


def kind_of(path: str | Path) -> str:
    """'aaf', 'siecle-eleves', 'siecle-responsables', 'sts', 'edt-sts',
    'timetable-edt', or 'unknown'."""
    path = Path(path)
    if not path.exists():
        return "unknown"
    try:
        members = _xml_members(path)
        if members and any(NAME_RE.match(m.rsplit("/", 1)[-1]) for m in members):
            return "aaf"
        if path.is_file() and (not members or (len(members) == 1 and zipfile.is_zipfile(path))):
            return KINDS.get(sniff_root(path) or "", "unknown")
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError):
        return "unknown"
    return "unknown"
