"""The SIECLE student records left without account, correlated again once the
AAF has delivered new accounts (domain-rules §11).

``follow_up`` runs the relink for every applied AAF delivery it has not
followed yet, then marks them followed, so that a crash between
``Delivery.Applied`` and the relink is made good by the next ingest (even of
the same delivery), tick or start.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.faults import Faults
from events.usecases.ports import EventLog, FollowUps, ReadModel
from events.usecases.siecle_correlation import CorrelationQueries, student_correlations

BATCH = 500
RELINK_STEP = "siecle_relink"


@dataclass(frozen=True)
class UnresolvedStudent:
    """A SIECLE student record that no account was found for."""

    student_id: str  # the SIECLE stream
    uai: str
    eleve_id: str
    ine: str


class RelinkQueries(CorrelationQueries, Protocol):
    def unresolved_students(self) -> list[UnresolvedStudent]:
        """The student records without account, by UAI then ELEVE_ID."""


class RelinkWork(Protocol):
    @property
    def batch(self) -> int | None: ...  # events per transaction; None: the use case's own BATCH
    @property
    def log(self) -> EventLog: ...
    @property
    def siecle(self) -> ReadModel | None: ...
    @property
    def staging(self) -> FollowUps: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def siecle_queries(self) -> RelinkQueries: ...


def relink(uow: RelinkWork, at: datetime, cause: str, dry_run: bool = False) -> int:
    """SIECLE student records left without account, correlated again against
    the directory (after an AAF delivery brought new accounts). Returns how
    many links were recorded (with ``dry_run``, would be: nothing recorded)."""
    if uow.siecle is None:
        return 0
    uow.siecle.catch_up(uow.log)
    pending: dict[str, dict[str, UnresolvedStudent]] = defaultdict(dict)
    for record in uow.siecle_queries.unresolved_students():
        pending[record.uai][record.eleve_id] = record
    students: list[tuple[Any, ...]] = []
    for uai, records in sorted(pending.items()):
        found = student_correlations(uow, uai, {eid: r.ine for eid, r in records.items()})
        for eid, c in sorted(found.items()):
            if c.resolved and dry_run:
                students.append(())
            elif c.resolved:
                student = uow.log.get(UUID(records[eid].student_id))
                student.correlate(c.account_id, c.jointure, c.rule, c.reason, cause, at)
                students.append((student,))
    if dry_run:
        return len(students)
    uow.log.save_in_batches(students, uow.batch or BATCH)
    uow.siecle.catch_up(uow.log)
    return len(students)


def follow_up(uow: RelinkWork, at: datetime) -> int:
    """The relink after every applied AAF delivery not followed yet (domain-rules
    §11), then the deliveries marked followed. The mark comes after the links
    are recorded: a crash between the two runs the relink again, which finds
    nothing more to link. Returns how many links were recorded."""
    pending = uow.staging.not_followed(RELINK_STEP)
    if not pending:
        return 0
    uow.faults.reached("relink.starting")
    linked = relink(uow, at, f"aaf:{pending[-1]}")
    uow.staging.followed(RELINK_STEP, pending, at.isoformat())
    return linked


def pending_follow_ups(uow: RelinkWork) -> list[str]:
    """Applied deliveries whose relink has not run (what ``verify`` reports)."""
    return uow.staging.not_followed(RELINK_STEP)


__all__ = ["relink", "follow_up", "pending_follow_ups", "RELINK_STEP"]
