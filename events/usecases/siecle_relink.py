"""The SIECLE records left without account, correlated again once the AAF
has delivered new accounts (domain-rules §11): the students, then the
guardians, whose rule "name + the linked student" reads the students' links,
those just decided included (SIECLE may come before the AAF: Precedence).

``follow_up`` runs the relink for every applied AAF delivery it has not
followed yet, then marks them followed, so that a crash between
``Delivery.Applied`` and the relink is made good by the next ingest (even of
the same delivery), tick or start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.faults import Faults
from events.usecases.ports import EventLog, FollowUps, ReadModel
from events.usecases.siecle_correlation import CorrelationQueries, guardian_correlations, student_correlations

BATCH = 500
RELINK_STEP = "siecle_relink"


@dataclass(frozen=True)
class UnresolvedStudent:
    """A SIECLE student record that no account was found for."""

    student_id: str  # the SIECLE stream
    uai: str
    eleve_id: str
    ine: str


@dataclass(frozen=True)
class UnresolvedGuardian:
    """A SIECLE guardian record that gets an account and that no account was found for."""

    guardian_id: str  # the SIECLE stream
    uai: str
    personne_id: str
    values: Mapping[str, Any]  # as recorded (events/siecle_rules.guardian_values)
    eleve_ids: tuple[str, ...]  # its students as legal guardian or in charge (not as a contact)


class RelinkQueries(CorrelationQueries, Protocol):
    def unresolved_students(self) -> list[UnresolvedStudent]:
        """The student records without account, by UAI then ELEVE_ID."""

    def unresolved_guardians(self) -> list[UnresolvedGuardian]:
        """The present guardian records without account that a student's link
        gives one (level 1 or 2), by UAI then PERSONNE_ID."""


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
    """SIECLE records left without account, correlated again against the
    directory (after an AAF delivery brought new accounts): the students,
    then the guardians. Returns how many links were recorded (with
    ``dry_run``, would be: nothing recorded)."""
    if uow.siecle is None:
        return 0
    uow.siecle.catch_up(uow.log)
    linking: dict[str, dict[str, str]] = defaultdict(dict)  # UAI → ELEVE_ID → account linked now
    groups = _students(uow, at, cause, dry_run, linking) + _guardians(uow, at, cause, dry_run, linking)
    if dry_run:
        return len(groups)
    # Students before guardians: a crash between two batches leaves guardians
    # for the next run, which finds the students' links recorded.
    uow.log.save_in_batches(groups, uow.batch or BATCH)
    uow.siecle.catch_up(uow.log)
    return len(groups)


def _students(
    uow: RelinkWork, at: datetime, cause: str, dry_run: bool, linking: dict[str, dict[str, str]]
) -> list[tuple[Any, ...]]:
    pending: dict[str, dict[str, UnresolvedStudent]] = defaultdict(dict)
    for record in uow.siecle_queries.unresolved_students():
        pending[record.uai][record.eleve_id] = record
    students: list[tuple[Any, ...]] = []
    for uai, records in sorted(pending.items()):
        found = student_correlations(uow, uai, {eid: r.ine for eid, r in records.items()})
        for eid, c in sorted(found.items()):
            if not c.resolved:
                continue
            linking[uai][eid] = c.account_id
            if dry_run:
                students.append(())
            else:
                student = uow.log.get(UUID(records[eid].student_id))
                student.correlate(c.account_id, c.jointure, c.rule, c.reason, cause, at)
                students.append((student,))
    return students


def _guardians(
    uow: RelinkWork, at: datetime, cause: str, dry_run: bool, linking: Mapping[str, Mapping[str, str]]
) -> list[tuple[Any, ...]]:
    pending: dict[str, dict[str, UnresolvedGuardian]] = defaultdict(dict)
    for record in uow.siecle_queries.unresolved_guardians():
        pending[record.uai][record.personne_id] = record
    guardians: list[tuple[Any, ...]] = []
    for uai, records in sorted(pending.items()):
        found = guardian_correlations(
            uow,
            uai,
            {pid: r.values for pid, r in records.items()},
            {pid: r.eleve_ids for pid, r in records.items()},
            linking.get(uai, {}),
        )
        for pid, c in sorted(found.items()):
            if c.resolved and dry_run:
                guardians.append(())
            elif c.resolved:
                guardian = uow.log.get(UUID(records[pid].guardian_id))
                guardian.correlate(c.account_id, c.jointure, c.rule, c.reason, cause, at)
                guardians.append((guardian,))
    return guardians


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
