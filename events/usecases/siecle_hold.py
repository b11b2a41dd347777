"""A SIECLE export held by the brake on leaving dates (domain-rules §12): kept
as received until an operator releases it (applied then, at the time of the
release) or rejects it (nothing applied). An export is also refused when an
applied export of the same establishment and kind was exported after it
(``older_export``): applying it would record the reverse of the changes since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from adapters.errors import DeliveryRejected
from adapters.siecle.files import read_kept
from events.siecle.intake import SiecleImport
from events.usecases import precedence
from events.usecases.brake_check import describe_brake
from events.usecases.precedence import PrecedenceWork
from events.usecases.result import Result
from events.usecases.siecle_apply import ApplyWork, apply_export
from events.usecases.siecle_records import RecordQueries

HELD_REASON = "mass_departure"


@dataclass(frozen=True)
class RecordedImport:
    """A SIECLE import as the read model lists it."""

    import_id: str
    sha256: str
    file: str
    status: str  # received | held | applied | rejected
    uai: str
    kind: str
    school_year: int
    exported_on: str
    exported_at: str
    received_at: str


class ImportQueries(RecordQueries, Protocol):
    def import_ids(self, prefix: str) -> list[str]:
        """The ids of the SIECLE imports that start with ``prefix``."""

    def applied_imports(self, uai: str, kind: str) -> list[RecordedImport]:
        """The applied imports of an establishment and kind, by id."""


class HeldFiles(Protocol):
    """The bytes of held exports (the staging area, projections/staging.py)."""

    def keep_file(self, import_id: str, file: str, content: bytes) -> None: ...
    def kept_file(self, import_id: str) -> tuple[str, bytes] | None: ...
    def drop_file(self, import_id: str) -> None: ...


class HoldWork(ApplyWork, PrecedenceWork, Protocol):
    @property
    def siecle_queries(self) -> ImportQueries: ...
    @property
    def staging(self) -> HeldFiles: ...
    def effective_now(self, now: datetime | None) -> datetime: ...


def _stamp(exported_on: str, exported_at: str) -> str:
    return exported_at or f"{exported_on}T00:00:00"


def newer_applied(uow: HoldWork, uai: str, kind: str, exported_on: str, exported_at: str) -> str | None:
    """An applied import of the same UAI and kind exported after this one."""
    here = _stamp(exported_on, exported_at)
    for row in uow.siecle_queries.applied_imports(uai, kind):
        if _stamp(row.exported_on, row.exported_at) > here:
            return row.import_id
    return None


def hold(imp: SiecleImport, uow: HoldWork, held: dict[str, Any], path: Path) -> Result:
    """Keep the export as received and record the hold with its details."""
    message = (
        f"held: leaving dates would make {describe_brake(held)} depart; nothing applied. "
        f"`entsync siecle show {imp.id}` lists who; `entsync siecle release|reject {imp.id}` decides"
    )
    uow.staging.keep_file(str(imp.id), path.name, path.read_bytes())
    imp.hold(HELD_REASON, message, held, imp.received_at)
    uow.log.save(imp)
    uow.siecle.catch_up(uow.log)
    return Result(
        "siecle",
        "held",
        import_id=str(imp.id),
        reason=HELD_REASON,
        message=message,
        uai=imp.uai,
        kind=imp.kind,
        counts={
            "leaving_dates_set": held["siecle"]["leaving_dates_set"],
            "departures": len(held["departures"]),
            "counted": sum(1 for d in held["departures"] if not d["expected"]),
        },
    )


def held_import(uow: HoldWork, ref: str) -> SiecleImport:
    """The SIECLE import named by its id or an unambiguous prefix."""
    ids = uow.siecle_queries.import_ids(ref)
    if len(ids) != 1:
        raise LookupError(f"no SIECLE import {ref!r}" if not ids else f"{ref!r} names {len(ids)} SIECLE imports")
    imp: SiecleImport = uow.log.get(UUID(ids[0]))
    return imp


def release_siecle(uow: HoldWork, ref: str, operator: str, now: datetime | None = None) -> Result:
    """Apply a held export as it was received (its kept bytes), at the time of
    the release. A newer export of the establishment applied meanwhile makes
    it older: it is then rejected (``older_export``), not applied."""
    uow.siecle.catch_up(uow.log)
    imp = held_import(uow, ref)
    if imp.status != "held":
        raise ValueError(f"SIECLE import {imp.id} is {imp.status}; only a held import can be released")
    at = uow.effective_now(now)
    kept = uow.staging.kept_file(str(imp.id))
    if kept is None:
        raise LookupError(
            f"the file of held SIECLE import {imp.id} is no longer kept; reject it and ingest the file again"
        )
    name, content = kept
    try:
        export = read_kept(name, content)
    except DeliveryRejected as exc:  # the kept bytes were read once: only a damaged store gets here
        raise ValueError(
            f"the kept file of SIECLE import {imp.id} cannot be read again ({exc.reason}); "
            "reject it and ingest the file again"
        ) from None
    h = export.header
    imp.release(operator, at)
    newer = newer_applied(
        uow, imp.uai, imp.kind, h.exported_on.isoformat(), h.exported_at.isoformat() if h.exported_at else ""
    )
    if newer is not None:
        imp.reject(
            "older_export",
            f"released by {operator}, but import {newer} of the same establishment and "
            "kind, exported later, was applied meanwhile; nothing applied",
            at,
            file=name,
        )
        uow.log.save(imp)
        uow.staging.drop_file(str(imp.id))
        uow.siecle.catch_up(uow.log)
        return _rejected(imp)
    uow.log.save(imp)
    result = apply_export(imp, export, uow, resume=False, at=at)
    uow.staging.drop_file(str(imp.id))
    precedence.apply(uow, at)
    return result


def reject_siecle(uow: HoldWork, ref: str, operator: str, now: datetime | None = None) -> Result:
    """Reject a held export: nothing applied, its kept bytes dropped."""
    uow.siecle.catch_up(uow.log)
    imp = held_import(uow, ref)
    if imp.status != "held":
        raise ValueError(f"SIECLE import {imp.id} is {imp.status}; only a held import can be rejected")
    at = uow.effective_now(now)
    imp.reject("operator_rejected", f"rejected by {operator} after a hold; nothing applied", at, file=imp.file)
    uow.log.save(imp)
    uow.staging.drop_file(str(imp.id))
    uow.siecle.catch_up(uow.log)
    return _rejected(imp)


def _rejected(imp: SiecleImport) -> Result:
    """The answer for an import rejected after its hold, with the reason recorded."""
    return Result(
        "siecle",
        "rejected",
        import_id=str(imp.id),
        reason=imp.reason,
        message=f"{imp.reason}: SIECLE import {imp.id} ({imp.file})",
        uai=imp.uai,
        kind=imp.kind,
    )
