"""SIECLE before the AAF (domain-rules §11, Precedence).

SIECLE is an earlier, more detailed view of the facts the AAF delivers:

- a person first seen in SIECLE starts the 48 h clock, which the later AAF
  record does not restart (``advance-clock``);
- a SIECLE leaving date that has come makes the account departing from that
  date, even while the AAF still lists the person; a pending account is then
  never created (``declare-departure``);
- the departure holds until a new enrolment: in the AAF (another structure or
  another class, decided by the account itself when the record changes) or in
  SIECLE (the leaving date withdrawn or moved later, ``cancel-departure``).

``decide`` is the rule, a function of the read model's rows and the day;
``plan`` reads the rows through ``PrecedenceQueries``; ``apply`` records each
decision, at the effective time ``at``, as an account event carrying the
facts it rests on. The SIECLE records that found no account are correlated
again when the AAF delivers accounts (events/usecases/siecle_relink.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from events.generations import current
from events.policy import Policy
from events.rules import creation_due, removal_with_notice
from events.usecases.ports import EventLog, ReadModel

BATCH = 500


@dataclass(frozen=True)
class Decision:
    kind: str  # advance-clock | declare-departure | cancel-departure
    account_id: str
    jointure: str
    source_id: str  # the SIECLE stream the decision rests on
    reason: str
    seen_at: str = ""  # advance-clock: the SIECLE first sighting
    left_on: str = ""  # declare/cancel: the leaving date

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Sighting:
    """A pending account and a SIECLE record linked to it, each with its first sighting."""

    account_id: str
    jointure: str
    first_seen: datetime  # the account's
    source_id: str  # the SIECLE stream
    seen: datetime | None  # the SIECLE record's


@dataclass(frozen=True)
class Enrolment:
    """A SIECLE student record linked to an account (pending, active, departing or withdrawn)."""

    account_id: str
    jointure: str
    state: str
    student_id: str  # the SIECLE stream
    left_on: str  # ISO date, "" when none
    enrolled: bool


@dataclass(frozen=True)
class Declaration:
    """A departure declared on an account from a SIECLE leaving date."""

    account_id: str
    left_on: str
    status: str  # declared | cancelled


class PrecedenceQueries(Protocol):
    """The read-model queries of the precedence (projections/precedence_queries.py)."""

    def any_linked(self) -> bool:
        """Whether a SIECLE record is linked to an account at all."""

    def pending_sightings(self) -> list[Sighting]:
        """The SIECLE records linked to pending accounts, by jointure then stream."""

    def student_enrolments(self) -> list[Enrolment]:
        """The SIECLE student records linked to accounts pending, active,
        departing or withdrawn, by jointure then stream."""

    def declarations(self) -> list[Declaration]:
        """Every departure declared from a SIECLE leaving date."""


class PrecedenceWork(Protocol):
    @property
    def batch(self) -> int | None: ...  # events per transaction; None: the use case's own BATCH
    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def siecle(self) -> ReadModel | None: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def precedence_queries(self) -> PrecedenceQueries: ...


def _advances(sightings: Iterable[Sighting]) -> list[Decision]:
    """The earliest SIECLE sighting of each pending account, when earlier than its own."""
    earliest: dict[str, Sighting] = {}
    for s in sightings:
        if s.seen is None or s.seen >= s.first_seen:
            continue
        known = earliest.get(s.account_id)
        if known is None or (known.seen is not None and s.seen < known.seen):
            earliest[s.account_id] = s
    return [
        Decision(
            "advance-clock", s.account_id, s.jointure, s.source_id, "seen_in_siecle_first", seen_at=seen.isoformat()
        )
        for s in sorted(earliest.values(), key=lambda s: s.jointure)
        if (seen := s.seen) is not None
    ]


def _departures(enrolments: Iterable[Enrolment], declarations: Iterable[Declaration], today: date) -> list[Decision]:
    """Leaving dates: every SIECLE enrolment linked to the account must have ended."""
    streams: dict[str, list[Enrolment]] = defaultdict(list)
    for e in enrolments:
        streams[e.account_id].append(e)
    declared = {(d.account_id, d.left_on): d.status for d in declarations}
    active_declaration = {aid: left_on for (aid, left_on), status in declared.items() if status == "declared"}
    out = []
    for aid in sorted(streams, key=lambda a: streams[a][0].jointure):
        jointure, state = streams[aid][0].jointure, streams[aid][0].state
        ended = [
            (e.left_on, e.student_id) for e in streams[aid] if e.left_on and date.fromisoformat(e.left_on) <= today
        ]
        ongoing = [e for e in streams[aid] if e.enrolled and (not e.left_on or date.fromisoformat(e.left_on) > today)]
        if state in ("pending", "active") and ended and not ongoing:
            left_on, sid = max(ended)
            if (aid, left_on) not in declared:
                out.append(Decision("declare-departure", aid, jointure, sid, "siecle_leaving_date", left_on=left_on))
        elif state in ("departing", "withdrawn") and aid in active_declaration and ongoing:
            reason = "leaving_date_moved" if any(e.left_on for e in ongoing) else "leaving_date_cleared"
            out.append(
                Decision(
                    "cancel-departure", aid, jointure, ongoing[0].student_id, reason, left_on=active_declaration[aid]
                )
            )
    return out


def decide(
    sightings: Iterable[Sighting], enrolments: Iterable[Enrolment], declarations: Iterable[Declaration], today: date
) -> list[Decision]:
    """Every precedence decision due on ``today`` (the establishments' day),
    in a deterministic order: the clocks advanced, then the departures
    declared or cancelled (domain-rules §11, Precedence)."""
    return _advances(sightings) + _departures(enrolments, declarations, today)


def plan(uow: PrecedenceWork, at: datetime) -> list[Decision]:
    """Every precedence decision due at ``at``, in a deterministic order."""
    q = uow.precedence_queries
    if not q.any_linked():
        return []  # no SIECLE record linked to an account: nothing to decide (and no join over every account)
    today = at.astimezone(ZoneInfo(uow.policy.timezone)).date()
    return decide(q.pending_sightings(), q.student_enrolments(), q.declarations(), today)


def _record(account: Any, d: Decision, policy: Policy, calendar: dict[int, date], at: datetime) -> None:
    """One decision as the account's event, with the facts it rests on."""
    if d.kind == "advance-clock":
        seen = datetime.fromisoformat(d.seen_at)
        account.advance_creation_clock("siecle", d.source_id, seen, creation_due(seen, policy.creation_delay), at)
    elif d.kind == "declare-departure":
        tz = ZoneInfo(policy.timezone)
        left = date.fromisoformat(d.left_on)
        # Learned late (after the Toussaint that follows it), it still gets its notice (domain-rules §12).
        due_day, provisional, _ = removal_with_notice(
            left, at.astimezone(tz).date(), calendar, policy.removal_notice_days
        )
        account.declare_departure(
            "siecle",
            d.source_id,
            d.left_on,
            datetime.combine(left, time(0), tz),
            datetime.combine(due_day, time(0), tz),
            provisional,
            at,
        )
    else:
        account.cancel_declared_departure(d.reason, {"left_on": d.left_on, "source_id": d.source_id}, at)


def apply(uow: PrecedenceWork, at: datetime, dry_run: bool = False) -> list[Decision]:
    """Record the decisions due at ``at`` (or only list them)."""
    uow.projection.catch_up(uow.log)
    if uow.siecle is not None:
        uow.siecle.catch_up(uow.log)
    decisions = plan(uow, at)
    if dry_run or not decisions:
        return decisions
    # A pending account seen in SIECLE first whose leaving date has come gets
    # two decisions: one aggregate takes both, saved once (two loads would
    # record two events at the same version).
    by_account: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_account[d.jointure].append(d)
    calendar = uow.policy.calendar()

    def changed() -> Iterator[tuple[Any]]:
        for jointure, due in by_account.items():
            account = current(uow.log, jointure)
            for d in due:
                _record(account, d, uow.policy, calendar, at)
            yield (account,)

    uow.log.save_in_batches(changed(), uow.batch or BATCH)
    uow.projection.catch_up(uow.log)
    return decisions


__all__ = ["Decision", "decide", "plan", "apply"]
