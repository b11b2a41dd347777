"""Ingesting a SIECLE (BEE) export (formats §2; domain-rules §4, §5, §11, §12).

An export is a snapshot of one establishment. The file is refused whole,
nothing applied, when it is unreadable or malformed (the adapter's reason
codes), byte-identical to an applied import (``duplicate_file``) or older
than the last applied export of that UAI and kind (``older_export``). A
student export that sets too many leaving dates at once is held
(events/usecases/siecle_hold.py). Otherwise what it changes is recorded
(events/usecases/siecle_apply.py), then what SIECLE decides for the accounts
(the 48 h clock, leaving dates: events/usecases/precedence.py). An import
interrupted while applying is finished by ingesting the same file again.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol
from uuid import UUID

from adapters.errors import DeliveryRejected
from adapters.siecle import ElevesExport, read_export
from adapters.siecle.files import KINDS, file_sha256, refused_kind
from events.siecle.intake import SiecleImport
from events.usecases import precedence
from events.usecases.result import Result
from events.usecases.siecle_apply import apply_export
from events.usecases.siecle_brake import LeavingBrakeWork, LeavingQueries, leaving_brake
from events.usecases.siecle_hold import HoldWork, ImportQueries, RecordedImport, hold, newer_applied


class ImportInterrupted(ValueError):
    """Another SIECLE import was interrupted while applying: finish it first."""


class SiecleQueries(ImportQueries, LeavingQueries, Protocol):
    """Every query of the SIECLE use cases (projections/siecle_queries.py)."""

    def imports_of_file(self, sha256: str) -> list[RecordedImport]:
        """The imports of a file with these bytes, in the order received."""

    def received_imports(self) -> list[RecordedImport]:
        """The imports received and not finished (an interrupted one shows so)."""


class SiecleWork(LeavingBrakeWork, HoldWork, Protocol):
    @property
    def siecle_queries(self) -> SiecleQueries: ...


def ingest_siecle(path: str | Path, uow: SiecleWork, now: datetime | None = None) -> Result:
    """Ingest the SIECLE export at ``path`` (``.xml`` or a zip of one XML).
    Once applied, what SIECLE decides for the accounts is recorded too (the
    48 h clock, leaving dates: events/usecases/precedence.py)."""
    result = _ingest(Path(path), uow, now)
    if result.status == "applied":
        precedence.apply(uow, uow.effective_now(now))
    return result


def _ingest(path: Path, uow: SiecleWork, now: datetime | None) -> Result:
    uow.projection.catch_up(uow.log)
    uow.siecle.catch_up(uow.log)
    sha, size = file_sha256(path)
    prior = uow.siecle_queries.imports_of_file(sha)
    # An import whose Applied is missing shows as received (the read model
    # stops before its ApplyStarted): finish it before anything else.
    for row in uow.siecle_queries.received_imports():
        imp: SiecleImport = uow.log.get(UUID(row.import_id))
        if imp.status != "applying":
            continue
        if row.sha256 != sha:
            raise ImportInterrupted(
                f"SIECLE import {row.import_id} ({row.file}) was interrupted while "
                "applying; ingest that file again to finish it before anything else"
            )
        return apply_export(imp, read_export(path), uow, resume=True)
    at = uow.effective_now(now)
    received = partial(SiecleImport, sha256=sha, receipt=len(prior), source=str(path), file=path.name, size=size, at=at)
    applied = next((p for p in prior if p.status == "applied"), None)
    if applied is not None:
        imp = received(
            uai=applied.uai,
            kind=applied.kind,
            school_year=applied.school_year,
            exported_on=applied.exported_on,
            exported_at=applied.exported_at,
        )
        return _rejected(
            imp,
            uow,
            "duplicate_file",
            f"byte-identical to import {applied.import_id} received {applied.received_at}; nothing applied",
            duplicate_of=applied.import_id,
        )
    try:
        export = read_export(path)
    except DeliveryRejected as exc:
        imp = received(uai="", kind=refused_kind(path), school_year=0, exported_on="", exported_at="")
        return _rejected(imp, uow, exc.reason, exc.message, exc.file or path.name, exc.line)
    h = export.header
    exported_at = h.exported_at.isoformat() if h.exported_at else ""
    imp = received(
        uai=h.uai,
        kind=KINDS[h.root],
        school_year=h.school_year,
        exported_on=h.exported_on.isoformat(),
        exported_at=exported_at,
    )
    newer = newer_applied(uow, h.uai, imp.kind, h.exported_on.isoformat(), exported_at)
    if newer is not None:
        return _rejected(
            imp,
            uow,
            "older_export",
            f"exported before import {newer} of the same establishment and kind, already applied; "
            "applying it would undo later changes",
            path.name,
        )
    if isinstance(export, ElevesExport):
        held = leaving_brake(uow, h.uai, export, at)
        if held is not None:
            return hold(imp, uow, held, path)
    return apply_export(imp, export, uow, resume=False)


def _rejected(
    imp: SiecleImport, uow: SiecleWork, reason: str, message: str, file: str = "", line: int = 0, duplicate_of: str = ""
) -> Result:
    imp.reject(reason, message, imp.received_at, file=file, line=line, duplicate_of=duplicate_of)
    uow.log.save(imp)
    uow.siecle.catch_up(uow.log)
    where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
    return Result(
        "siecle",
        "rejected",
        import_id=str(imp.id),
        reason=reason,
        message=f"{reason}: {where}{message}",
        uai=imp.uai,
        kind=imp.kind,
    )
