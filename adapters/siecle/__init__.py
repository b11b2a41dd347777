"""SIECLE/BEE exports (formats §2): a pure adapter that reads
``BEE_ELEVES`` and ``BEE_RESPONSABLES`` files into frozen records and
rejections; it knows the format, not the rules (no database, no events)."""

from adapters.siecle.parser import read_eleves, read_export, read_responsables, sniff_root
from adapters.siecle.records import (
    ELEVES_ROOT,
    RESPONSABLES_ROOT,
    ElevesExport,
    ResponsablesExport,
    SiecleAddress,
    SiecleGuardian,
    SiecleHeader,
    SiecleLink,
    SiecleStudent,
)

__all__ = [
    "ELEVES_ROOT",
    "RESPONSABLES_ROOT",
    "ElevesExport",
    "ResponsablesExport",
    "SiecleAddress",
    "SiecleGuardian",
    "SiecleHeader",
    "SiecleLink",
    "SiecleStudent",
    "read_eleves",
    "read_export",
    "read_responsables",
    "sniff_root",
]
