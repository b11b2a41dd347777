"""The service's own timer (daemon/service/scheduler.py) wakes for the
dated transitions other than the 48 h and Toussaint (issue 13): given a delivery of two establishments whose accounts
are created, and nothing else pending, when an operator attaches a teacher
to the other establishment until an end date and creates a manual account
with an end date a little later, then the timer is armed for the
attachment's end, the tick ends it then, the timer is armed for the manual
account's end date and the tick removes it then — no poll in between. An
operator's hold keeps a manual account's end and a duplicate's deletion from
arming the timer, never an attachment's end.

The timer's story runs on SQLite only: it waits in real time (about 15 s)
for what the store does not change; the hold's story, on both stores,
reads the same due dates (daemon/service/due.py) and ends the attachment on
PostgreSQL, test_scheduler.py runs the timer on PostgreSQL, and
test_manual_accounts.py removes a manual account at its end date there."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest

from daemon import bootstrap
from daemon.service.due import due_state
from daemon.service.scheduler import Scheduler
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_accounts import CreateManualAccount, create_manual_account
from events.usecases.admin_attachments import Attach, attach
from events.usecases.admin_duplicates import MarkDuplicate, mark_duplicate
from events.usecases.tick import hold_removals, tick
from tests.integration.conftest import T0, T_CREATE, make_academie, prepared_store
from tests.integration.test_scheduler import LEAD, ShiftedClock, wait_until

# 900 students: two establishments (generator/academie/plan.py, 600 each).
ARGS = ("--students", "900", "--seed", "5", "--no-second")
# Between the attachment's end and the manual account's: a tick in between.
APART = timedelta(seconds=10)


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("scheduler-ends"), *ARGS)


@pytest.fixture
def started(request, backend, two) -> str:
    """A copy of the simulation store where the first delivery was applied
    at T0 and its accounts created at T_CREATE, both tests' start: brought
    there once per backend (the effective times are given: the clock only
    guards them)."""

    def start(url: str) -> None:
        ctx = bootstrap.build(url, Policy(), ManualClock(T_CREATE))
        try:
            assert ingest(str(two.first), ctx, T0).status == "applied"
            tick(ctx, T_CREATE)
        finally:
            ctx.close()

    return prepared_store(request, backend, "scheduler-ends-started", start)


def teacher(ctx) -> tuple[str, str, str]:
    """An active teacher of one establishment only, its UAI and the other's."""
    uais = sorted(u for (u,) in ctx.db.query("SELECT uai FROM structures"))
    for jointure, uai in ctx.db.query(
        "SELECT a.jointure, MIN(t.uai) FROM accounts a JOIN account_structures s "
        "ON s.account_id = a.account_id JOIN structures t ON t.jointure = s.structure "
        "WHERE a.profile = 'ENSEIGNANT' AND a.state = 'active' GROUP BY a.jointure "
        "HAVING COUNT(DISTINCT t.uai) = 1 ORDER BY a.jointure"
    ):
        return jointure, uai, next(u for u in uais if u != uai)
    raise AssertionError("no teacher of one establishment")


def manual(uai: str, end, given: str = "Nadia", family: str = "Benali") -> CreateManualAccount:
    return CreateManualAccount(
        category="social_worker",
        given_name=given,
        family_name=family,
        birth_date="1984-03-12",
        uai=uai,
        author="ops",
        end=end,
        perenne=end is None,
    )


def attachment(ctx, account_id: str, uai: str) -> dict:
    return json.loads(ctx.db.scalar("SELECT value FROM meta WHERE key = ?", (f"attachment:{account_id}:{uai}",)))


def account(ctx, account_id: str) -> dict:
    [row] = ctx.db.query_dicts(
        "SELECT state, removed_at, state_reason FROM accounts WHERE account_id = ?", (account_id,)
    )
    return row


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_timer_ends_an_attachment_and_a_manual_account_at_their_dates(started):
    clock = ShiftedClock(T_CREATE + timedelta(hours=1))
    ctx = bootstrap.build(started, Policy(), clock)
    lock = threading.RLock()
    scheduler = Scheduler(ctx, lock, recheck_seconds=300, overdue_seconds=300, catch_up_seconds=300)
    try:
        jointure, own, other = teacher(ctx)
        now = clock.now()
        ends = now + timedelta(days=30)
        lent = attach(Attach(jointure, other, ends, "service partagé", "ops"), ctx, now)
        made = create_manual_account(manual(own, ends + APART), ctx, now)
        state = due_state(ctx, now)
        # Nothing else waits: no creation, no removal but the manual account's, nothing due.
        assert (state.creation_due, state.removal_due, state.dates.attachment_end, state.dates.leaving) == (
            None,
            ends + APART,
            ends,
            None,
        )
        assert not state.due_now

        clock.reads(ends - timedelta(seconds=LEAD))
        scheduler.start()
        # The start-up tick finds nothing due and sets the one timer for the attachment's end.
        assert wait_until(lambda: scheduler.armed_for == ends, LEAD), scheduler.armed_for

        def status() -> str:
            with lock:
                return str(attachment(ctx, lent.account_id, other)["status"])

        assert wait_until(lambda: status() == "ended", LEAD + 30), "the attachment was not ended at its end date"
        with lock:
            ended = attachment(ctx, lent.account_id, other)
            assert account(ctx, made.account_id)["state"] == "active"  # its own date is later
        assert ended["end_reason"].endswith("end date reached")
        ended_at = datetime.fromisoformat(ended["ended_at"])
        # A poll would come recheck_seconds (300 s) later: the timer fired at the date.
        assert ends <= ended_at < ends + timedelta(seconds=60), "fired late: a poll, not the timer"
        # Then the timer waits for the manual account's end date, nothing in between.
        assert wait_until(lambda: scheduler.armed_for == ends + APART, APART.total_seconds()), scheduler.armed_for

        def state_of() -> str:
            with lock:
                return str(account(ctx, made.account_id)["state"])

        assert wait_until(lambda: state_of() == "removed", APART.total_seconds() + 30), "not removed at its end date"
        with lock:
            removed = account(ctx, made.account_id)
        assert removed["state_reason"] == "end_date"
        removed_at = datetime.fromisoformat(removed["removed_at"])
        assert ends + APART <= removed_at < ends + APART + timedelta(seconds=60), "fired late: a poll, not the timer"
        # Nothing dated is left: the timer is disarmed.
        assert wait_until(lambda: scheduler.armed_for is None, 5), scheduler.armed_for
    finally:
        scheduler.shutdown()
        ctx.close()


def test_the_hold_keeps_removals_from_arming_the_timer_never_an_attachment_end(started):
    ctx = bootstrap.build(started, Policy(), ManualClock(T_CREATE))
    try:
        jointure, own, other = teacher(ctx)
        now = T_CREATE + timedelta(hours=1)
        ends = now + timedelta(days=30)
        create_manual_account(manual(own, ends - timedelta(days=10)), ctx, now)
        twin = create_manual_account(manual(own, None, "Inès", "Marchal"), ctx, now)
        marked = mark_duplicate(MarkDuplicate(twin.jointure, jointure, "two accounts of one person", "ops"), ctx, now)
        attach(Attach(jointure, other, ends, "service partagé", "ops"), ctx, now)
        state = due_state(ctx, now)
        # The earliest removal is the manual account's end date (before the duplicate's deletion).
        deletion = marked.deletion_due
        assert deletion is not None
        assert state.removal_due == min(ends - timedelta(days=10), deletion)
        assert state.next(now) == min(ends - timedelta(days=10), deletion, ends)

        hold_removals(ctx, "operator", "audit before the purge", now)
        held = due_state(ctx, now)
        assert held.removals_held and held.next(now) == ends  # the attachment's end still arms the timer
        after = ends + timedelta(hours=1)
        tick(ctx, after)  # the attachment ends; the removals stay held
        late = due_state(ctx, after)
        # The manual account's end is past and held; the duplicate's deletion to come is held too: no timer.
        assert late.dates.attachment_end is None and late.removal_due == deletion and late.next(after) is None
    finally:
        ctx.close()
