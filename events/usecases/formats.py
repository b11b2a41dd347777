"""What the service answers for a path it does not import (issue 9): one
reason and one message, the same for ``entsync ingest`` and the inbox.

Nothing is recorded for such a path — no delivery, no import, and the store's
clock does not move (domain-rules §12, time is guarded): a mistyped path or a
wrong upload must not leave a rejected delivery behind for ever, nor refuse
every earlier ``--now`` afterwards. What is an AAF delivery, even a broken one,
is not answered here: its rejection is recorded (events/usecases/aaf_ingest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.items import REASON as UNSAFE
from adapters.items import unsafe
from adapters.sniff import envelope_details, seen_as

ENCRYPTED = "encrypted_timetable_export"


@dataclass(frozen=True)
class NotImportable:
    """Why ``path`` is set aside, in a form both the CLI and the inbox use."""

    path: str
    kind: str  # what adapters/sniff.py recognised
    reason: str
    message: str
    source: str  # the metrics' source label (daemon/observability/metrics.py)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "rejected",
            "reason": self.reason,
            "message": self.message,
            "kind": self.kind,
            "path": self.path,
        }

    def line(self) -> str:
        """One line for the operator, naming the path."""
        return f"{self.path}: {self.reason}: {self.message}"


def _envelope_message(path: str | Path) -> str:
    details = envelope_details(path)
    said = ", ".join(
        f"{k} {v}" for k, v in (("LOGICIEL", details.get("software")), ("for partner", details.get("partner"))) if v
    )
    return (
        "an encrypted Index Education export (EXPORT_INDEX_EDUCATION" + (f", {said}" if said else "") + "): "
        'export it in clear from EDT or Pronote (the "export ENT" en clair, root ExportEmploiDuTemps) '
        "or decrypt it first, then ingest that file; nothing recorded"
    )


def not_importable(path: str | Path, kind: str) -> NotImportable:
    """The answer for ``path``, recognised as ``kind``, that no pipeline
    imports: ``not_found`` for a missing path, ``encrypted_timetable_export``
    for the Index Education envelope (formats §4), ``siecle_nomenclatures``
    for SIECLE's code tables (formats §2), ``unknown_format`` for anything
    else recognised as nothing, ``unsupported_format`` for a kind recognised
    that the command does not take; ``unsafe_item`` for a link, a FIFO, a
    socket or a device, or a container holding one (adapters/items.py)."""
    shown = str(path)
    danger = unsafe(path)
    if danger is not None:
        return NotImportable(shown, kind, UNSAFE, danger.message(), "unknown")
    if not Path(path).exists():
        return NotImportable(shown, kind, "not_found", "no such file or directory; nothing recorded", "unknown")
    if kind == "timetable-envelope":
        return NotImportable(shown, kind, ENCRYPTED, _envelope_message(path), "timetable")
    if kind == "siecle-nomenclatures":
        return NotImportable(
            shown,
            kind,
            "siecle_nomenclatures",
            "BEE_NOMENCLATURES holds SIECLE's code tables, not students or guardians: set aside, nothing recorded",
            "siecle",
        )
    if kind == "unknown":
        return NotImportable(
            shown,
            kind,
            "unknown_format",
            f"{seen_as(path)}: neither an AAF delivery (ficAlimMENESR parts), a SIECLE export (BEE_ELEVES, "
            "BEE_RESPONSABLES), an STS-web export (STS_EDT) nor a timetable export "
            "(ExportEmploiDuTemps), recognised by content; nothing recorded",
            "unknown",
        )
    return NotImportable(
        shown,
        kind,
        "unsupported_format",
        f"recognised as {kind}, which this command does not import; nothing recorded",
        "unknown",
    )
