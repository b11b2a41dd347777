"""The clock's transitions (domain-rules §3, §4, §11): ``tick`` records what
is due at an instant — the SIECLE precedence first, then the plan of
events/usecases/tick_plan.py — as events, so that the log alone explains
every state; while an operator holds removals (``hold_removals``,
``lift_hold``) due removals are listed, not recorded.

The rows come through ``TickQueries`` (projections/tick_queries.py). Every
function takes its effective time explicitly (``now``; the clock when None).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.login import Taken, reserve
from events.policy import Policy
from events.purge import PURGE_HOLD_ID, PurgeHold
from events.usecases import precedence, siecle_relink
from events.usecases.aaf_ingest import check_interrupted
from events.usecases.aaf_ports import IngestWork, Staging
from events.usecases.admin_attachments import AttachmentQueries
from events.usecases.details_erasure import DetailsReport, DetailsWork, erase_details_due
from events.usecases.erasure import PersonErasures, erase_due
from events.usecases.ports import EventLog, FollowUps, ReadModel
from events.usecases.precedence import PrecedenceWork
from events.usecases.siecle_relink import RelinkWork
from events.usecases.tick_plan import (
    DueAccount,
    DueRemoval,
    Guardian,
    GuardianLink,
    Schedule,
    TickRows,
    Transition,
    plan,
)

BATCH = 500
PRECEDENCE = ("advance-clock", "declare-departure", "cancel-departure")


@dataclass(frozen=True)
class RemovalHold:
    """The operator's hold on removals as last placed or lifted."""

    held: bool
    operator: str
    reason: str
    at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NextDates:
    """The earliest instant after a given one of every dated transition the
    clock knows (what the scheduler's one timer waits for). A date already
    past is the plan's to judge, not the timer's: a teacher of no served
    structure whose creation waits (domain-rules §12) or a held removal
    would otherwise wake it again and again."""

    creation: datetime | None = None  # a pending account's 48 h (§3)
    # A departure at Toussaint (§4), a duplicate's deletion, a manual
    # account's end date (§1): the removals an operator's hold covers (§11).
    removal: datetime | None = None
    attachment_end: datetime | None = None  # an admin's attachment (issue 13): never held
    leaving: datetime | None = None  # a SIECLE leaving date, at the establishments' midnight (precedence)


class TickQueries(Protocol):
    """The read-model queries of the clock (projections/tick_queries.py)."""

    def creations(self, at: datetime) -> list[DueAccount]:
        """Pending accounts due by ``at`` and guardians without account, by due time then jointure."""

    def removals(self, at: datetime) -> list[DueRemoval]:
        """Departing and deactivated accounts and manual accounts at their end
        date whose removal is due by ``at``, by removal date then jointure."""

    def guardian_links(self) -> list[GuardianLink]:
        """Every guardian link with its student's state, by guardian then student."""

    def guardians(self) -> list[Guardian]:
        """Guardians' accounts that are active or departing, by jointure."""

    def schedules(self) -> list[Schedule]:
        """The removal schedule of every departing account (projections/queries.py departing_schedule)."""

    def unserved_staff(self, policy: Policy) -> dict[str, list[str]]:
        """Account id → structures, of the pending or active teachers attached
        only to structures the ENT does not serve (projections/served.py)."""

    def logins(self) -> set[str]:
        """Every login ever reserved, by name."""

    def login_keys(self) -> set[str]:
        """The stream id (hex) of every login ever reserved: an erased one's too."""

    def removal_hold(self) -> RemovalHold | None:
        """The operator's hold on removals; None when never placed."""

    def next_dates(self, after: datetime, policy: Policy) -> NextDates:
        """The earliest date strictly after ``after`` of each dated transition."""


class ClockReads(Protocol):
    """What reading the plan and the hold use."""

    @property
    def policy(self) -> Policy: ...
    @property
    def tick_queries(self) -> TickQueries: ...
    @property
    def attachment_queries(self) -> AttachmentQueries: ...
    @property
    def pepper(self) -> bytes: ...  # the store's keyed-hash secret: login streams


class PurgeWork(Protocol):
    """What placing and lifting the hold on removals use."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


class TickStaging(Staging, FollowUps, Protocol):
    """The staging area: an interrupted delivery stops the clock, and the
    relinks left to follow are run first."""


class TickWork(IngestWork, RelinkWork, PrecedenceWork, ClockReads, PurgeWork, DetailsWork, Protocol):
    """The unit of work of a tick (daemon/bootstrap.Context). A read-only
    property, as the others are: a plain attribute in a Protocol is
    invariant, and the context's narrower type would not match it."""

    @property
    def staging(self) -> TickStaging: ...


def read(uow: ClockReads, at: datetime) -> TickRows:
    """What the plan at ``at`` rests on."""
    q = uow.tick_queries
    return TickRows(
        creations=q.creations(at),
        removals=q.removals(at),
        links=q.guardian_links(),
        guardians=q.guardians(),
        schedules=q.schedules(),
        withheld=frozenset(q.unserved_staff(uow.policy)),
        logins=Taken(q.logins(), frozenset(q.login_keys()), uow.pepper),
        removals_held=bool(purge_hold(uow)["held"]),
        attachments=uow.attachment_queries.due(at),
    )


def due(uow: ClockReads, at: datetime) -> list[Transition]:
    """The plan at ``at`` (without the precedence's decisions, which the tick takes first)."""
    return plan(read(uow, at), at, uow.policy)


def purge_hold(uow: ClockReads) -> dict[str, Any]:
    """The operator's hold on removals as the read model knows it."""
    hold = uow.tick_queries.removal_hold()
    return hold.as_dict() if hold is not None else {"held": False}


def tick(uow: TickWork, now: datetime | None = None, dry_run: bool = False) -> tuple[datetime, list[Transition]]:
    """Record every transition due at ``now`` (or only list them), then the
    erasures due (kind ``erase``), then the erasures of deliveries' and
    imports' details (kind ``erase-details``). While removals are held
    (domain-rules §11), due removals and erasures are listed with kind
    ``remove-held``, ``erase-held`` and ``erase-details-held`` and not recorded."""
    at = uow.effective_now(now)
    check_interrupted(uow, "")
    uow.projection.catch_up(uow.log)
    if not dry_run:  # a relink a crash interrupted after its delivery (issue 18, point 4)
        siecle_relink.follow_up(uow, at)
    # SIECLE first (clock, leaving dates), then what is due in the updated state.
    transitions = [
        Transition(d.kind, d.account_id, d.jointure, "", d.reason) for d in precedence.apply(uow, at, dry_run=dry_run)
    ]
    rows = read(uow, at)
    transitions += plan(rows, at, uow.policy)
    if not dry_run:
        schedules = {s.account_id: s for s in rows.schedules}
        uow.log.save_in_batches(_recorded(uow, transitions, schedules, at), uow.batch or BATCH)
        uow.projection.catch_up(uow.log)
    # After the removals: the erasures due (events/usecases/erasure.py), held with
    # them, then the details of deliveries and imports (events/usecases/details_erasure.py).
    transitions += erasures(erase_due(uow, at, dry_run=dry_run))
    return at, transitions + details(erase_details_due(uow, at, dry_run=dry_run))


def erasures(report: PersonErasures) -> list[Transition]:
    """The erasures of a run as the tick lists them (ids only)."""
    return [
        Transition("erase-held" if d.held else "erase", d.account_id, d.jointure, d.profile, "retention")
        for d in report.due + report.held
    ]


def details(report: DetailsReport) -> list[Transition]:
    """The erasures of details of a run as the tick lists them: the delivery's
    or import's id in the account's and the jointure's place (the tick's
    table shows the jointure), its kind (aaf, siecle, timetable) in the profile's."""
    return [
        Transition("erase-details-held" if d.held else "erase-details", d.stream_id, d.stream_id, d.kind, "retention")
        for d in report.due + report.held
    ]


def _recorded(
    uow: TickWork, transitions: list[Transition], schedules: dict[str, Schedule], at: datetime
) -> Iterator[list[Any]]:
    """Each transition as its account's event; a new login is reserved in the
    same transaction as the creation that gives it. An account with two
    transitions (removed at the end date its attachment ends) is got once."""
    got: dict[str, Any] = {}
    for t in transitions:
        if t.kind == "remove-held" or t.kind in PRECEDENCE:  # listed, not recorded / recorded already
            continue
        # By its id: an ended generation of a jointure is removed as any departing account.
        account = got.get(t.account_id) or got.setdefault(t.account_id, uow.log.get(UUID(t.account_id)))
        group: list[Any] = [account]
        if t.kind in ("create", "eligible+create"):
            if t.kind == "eligible+create":
                account.become_eligible(at)
            if not account.login:
                group.append(reserve(uow.pepper, t.login, t.account_id, at))
            account.create_account(t.login, at)
        elif t.kind == "decline":
            account.decline(t.reason, at)
        elif t.kind == "remove":
            account.remove(t.reason, at)
        elif t.kind == "reschedule":
            account.reschedule_removal(datetime.fromisoformat(t.removal_due), False, at)
        elif t.kind == "defer":
            s = schedules[t.account_id]
            account.defer_removal(
                datetime.fromisoformat(t.removal_due),
                max(s.departed_at, s.recorded_at),
                uow.policy.removal_notice_days,
                at,
            )
        elif t.kind == "end-attachment":
            account.attachment_ended(t.uai, at)
        yield group


def hold_removals(uow: PurgeWork, operator: str, reason: str, now: datetime | None = None) -> None:
    """Place the operator's hold on removals (domain-rules §11)."""
    at = uow.effective_now(now)
    hold = uow.log.find(PURGE_HOLD_ID)
    if hold is None:
        hold = PurgeHold(operator=operator, reason=reason, at=at)
    else:
        hold.place(operator, reason, at)
    uow.log.save(hold)
    uow.projection.catch_up(uow.log)


def lift_hold(uow: PurgeWork, operator: str, now: datetime | None = None) -> None:
    """Lift the hold: the next tick records the removals that are due."""
    at = uow.effective_now(now)
    hold = uow.log.find(PURGE_HOLD_ID)
    if hold is None:
        raise ValueError("removals are not held")
    hold.lift(operator, at)
    uow.log.save(hold)
    uow.projection.catch_up(uow.log)
