"""A SIECLE export as a file (formats §2): its digest, the kind it is
recorded as, and reading it again from kept bytes (a held export). What the
ingest needs of the file itself, before and beside the records."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from adapters.siecle.parser import read_export
from adapters.siecle.records import ELEVES_ROOT, RESPONSABLES_ROOT, ElevesExport, ResponsablesExport
from adapters.sniff import kind_of

# The root element of an export → the kind its import is recorded as.
KINDS = {ELEVES_ROOT: "eleves", RESPONSABLES_ROOT: "responsables"}


def file_sha256(path: str | Path) -> tuple[str, int]:
    """The SHA-256 and size of the file at ``path``; ("", 0) when it is no
    readable file (the reader then says why it is refused)."""
    path = Path(path)
    if not path.is_file():
        return "", 0
    h, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
    except OSError:
        return "", 0
    return h.hexdigest(), size


def refused_kind(path: str | Path) -> str:
    """The kind a file refused whole is recorded as, recognised by its
    content: eleves, responsables, nomenclatures, or "" for anything else."""
    sniffed = kind_of(path)
    return sniffed.removeprefix("siecle-") if sniffed.startswith("siecle-") else ""


def read_kept(name: str, content: bytes) -> ElevesExport | ResponsablesExport:
    """Read an export from the bytes kept while it was held, as it was read
    when received (the reader wants a file: a temporary one, named as the
    original). Raises DeliveryRejected as ``read_export``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return read_export(path)
