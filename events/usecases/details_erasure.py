"""The details of deliveries and imports erased on time (issue 17): the
messages and lists that name several persons (a delivery's rejections and
fields set aside, a SIECLE import's, a timetable import's unmatched people
and STS identities: events/personal_fields.py, MULTI) are sealed under the
delivery's or import's own key. ``retention`` after it was received, that
key is destroyed and ``DetailsErased`` recorded (events/erasure_rules.py
details_due says why that date is never later than any erasure of a person
it names).

Keys first, as a person's erasure (events/usecases/erasure.py): a process
that dies between the two leaves the details erased but not recorded, and
the next run records it, with the time the keys were destroyed. Held with
the purges. The tick runs it right after the erasures of persons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from events.erasure import DetailsErasure, details_erasure_id
from events.erasure_rules import DueDetails, details_due
from events.usecases.erasure import ErasureReads, ErasureReport, ErasureWork
from events.usecases.ports import ReadModel


class DetailsWork(ErasureWork, Protocol):
    """The unit of work of an erasure of details: the SIECLE and timetable
    read models hold their imports' details and forget them at once too."""

    @property
    def siecle(self) -> ReadModel | None: ...
    @property
    def imports(self) -> ReadModel | None: ...


@dataclass(frozen=True)
class DetailsErased:
    """An erasure of details recorded: the delivery or import, its kind, when, how many keys."""

    stream_id: str
    kind: str
    erased_at: datetime
    keys: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream_id": self.stream_id,
            "kind": self.kind,
            "erased_at": self.erased_at.isoformat(),
            "keys": self.keys,
        }


DetailsReport = ErasureReport[DueDetails, DetailsErased]


def pending_details(uow: ErasureReads, at: datetime) -> list[DueDetails]:
    """Every erasure of details due at ``at`` and not recorded, held or not.
    One recorded but not yet folded by the read model is told apart by the log."""
    q = uow.erasure_queries
    rows = q.received(at - uow.policy.erasure_retention)
    recorded = frozenset(r.stream_id for r in rows if uow.log.find(details_erasure_id(r.stream_id)) is not None)
    return details_due(rows, at, uow.policy, recorded, q.removals_held())


def erase_details_due(uow: DetailsWork, now: datetime | None = None, dry_run: bool = False) -> DetailsReport:
    """Erase the details of every delivery and import due at ``now`` (or only list them)."""
    at = uow.effective_now(now)
    uow.keyring.refresh()  # keys another process destroyed meanwhile
    listed = pending_details(uow, at)
    todo = [d for d in listed if not d.held]
    held = [d for d in listed if d.held]
    if dry_run or not todo:
        return DetailsReport(at, dry_run, todo, held, [])
    erased = [erase_details(uow, d, at) for d in todo]
    for model in (uow.projection, uow.siecle, uow.imports):
        if model is not None:
            model.catch_up(uow.log)
    return DetailsReport(at, dry_run, todo, held, erased)


def erase_details(uow: ErasureWork, d: DueDetails, at: datetime) -> DetailsErased:
    """Destroy the stream's keys, then record it; a second run after a crash
    between the two destroys nothing more and records the keys destroyed then."""
    before = uow.keyring.destroyed([d.stream_id])
    keys = uow.keyring.destroy([d.stream_id], at) + len(before)
    uow.faults.reached("details.destroyed")
    erased_at = min((datetime.fromisoformat(t.destroyed_at) for t in before), default=at)
    fact = DetailsErasure(
        stream_id=d.stream_id,
        kind=d.kind,
        received_at=d.received_at,
        keys=keys,
        retention_days=uow.policy.erasure_retention_days,
        at=erased_at,
    )
    uow.log.save(fact)
    return DetailsErased(d.stream_id, d.kind, erased_at, keys)
