"""When the due transitions must run (domain-rules §3, §4, §11): the next
due instant read from the caught-up directory read model, and the pending
creations already overdue. The scheduler (daemon/service/scheduler.py) sets
its one timer for the first and raises the anomaly for the second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from daemon.bootstrap import Context
from events.rules import creation_overdue
from events.usecases.details_erasure import erase_details_due
from events.usecases.erasure import erase_due
from events.usecases.tick import NextDates, due, purge_hold
from projections.schema import iso
from projections.served import withheld_jointures


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def next_due_instant(now: datetime, dates: NextDates, removals_held: bool, due_now: bool = False) -> datetime | None:
    """When the due-transitions job must run next: ``now`` if something is
    due already, else the earliest dated transition — a pending creation
    (domain-rules §3), a removal (§4: a departure, a duplicate's deletion, a
    manual account's end date) left out while an operator holds removals
    (§11), an admin's attachment's end, a SIECLE leaving date — or None when
    nothing is waiting."""
    if due_now:
        return now
    removal = None if removals_held else dates.removal
    candidates = [c for c in (dates.creation, removal, dates.attachment_end, dates.leaving) if c is not None]
    return max(now, min(candidates)) if candidates else None


@dataclass(frozen=True)
class DueState:
    """What the read model says about the next transitions at one instant."""

    dates: NextDates
    removals_held: bool
    due_now: bool

    @property
    def creation_due(self) -> datetime | None:
        return self.dates.creation

    @property
    def removal_due(self) -> datetime | None:
        return self.dates.removal

    def next(self, now: datetime) -> datetime | None:
        return next_due_instant(now, self.dates, self.removals_held, self.due_now)


def due_state(ctx: Context, now: datetime) -> DueState:
    """Read the next due instants from the (caught-up) directory read model.
    ``due_now`` asks the tick's own plan (events/usecases/tick.py), so that every kind of
    transition it knows (a guardian newly eligible, a provisional removal date
    the calendar now knows) counts, and held removals do not; the dates are
    those still to come."""
    held = bool(purge_hold(ctx)["held"])
    # An erasure due (issue 17) has no date of its own in the timer: the
    # recheck finds it here, within ``tick_recheck_seconds``.
    due_now = (
        any(t.kind != "remove-held" for t in due(ctx, now))
        or bool(erase_due(ctx, now, dry_run=True).due)
        or bool(erase_details_due(ctx, now, dry_run=True).due)
    )
    return DueState(ctx.tick_queries.next_dates(now, ctx.policy), held, due_now)


def overdue_creations(ctx: Context, now: datetime) -> list[tuple[str, datetime]]:
    """(jointure, due) of pending accounts past their due time plus the grace (domain-rules §11)."""
    grace = ctx.policy.overdue_grace
    rows = ctx.tick_queries.pending_due_before(iso(now - grace))
    withheld = withheld_jointures(ctx.db, ctx.policy)
    return [
        (j, due)
        for j, text in rows
        if j not in withheld and (due := _parse(text)) and creation_overdue(due, now, grace)
    ]
