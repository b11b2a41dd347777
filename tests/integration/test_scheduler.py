"""The daemon's scheduler on a real store (daemon/service/scheduler.py): the one
timer fires the tick at the due time of an injected clock; held removals
do not arm it; an overdue creation raises the anomaly."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from daemon.service.due import due_state
from daemon.service.scheduler import Scheduler
from events.clock import ManualClock, SystemClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import hold_removals, tick
from tests.integration.conftest import T0, T1, T_CREATE, make_academie

# Seconds between the start and the due time: time for the start-up tick.
LEAD = 5


class ShiftedClock(SystemClock):
    """Real time, shifted so that it reads ``start`` now: the scheduler's
    timer runs in real time while the effective times are the scenario's."""

    def __init__(self, start: datetime):
        self.reads(start)

    def reads(self, start: datetime) -> None:
        """From now on the clock reads ``start``, and goes on in real time."""
        self.offset = start - datetime.now(timezone.utc)

    def now(self) -> datetime:
        return super().now() + self.offset


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("scheduler"), "--students", "40", "--seed", "21")


def wait_until(predicate, timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def test_the_tick_fires_at_the_due_time_of_the_injected_clock(store_url, small):
    policy = Policy()
    due = T0 + policy.creation_delay
    clock = ShiftedClock(due - timedelta(hours=1))
    ctx = bootstrap.build(store_url, policy, clock)
    lock = threading.RLock()
    scheduler = Scheduler(ctx, lock, recheck_seconds=300, overdue_seconds=300, catch_up_seconds=300)
    try:
        assert ingest(str(small.first), ctx, T0).status == "applied"

        def pending() -> int:
            with lock:
                return int(ctx.db.scalar("SELECT COUNT(*) FROM accounts WHERE state = 'pending'"))

        before = pending()
        # The clock is set just before the start, however long the ingest took
        # (under load it took more than the lead, and the start-up tick found
        # the creations due already): the lead covers the start-up tick.
        clock.reads(due - timedelta(seconds=LEAD))
        scheduler.start()
        # The start-up tick finds nothing due and sets the one timer for the first creation.
        assert wait_until(lambda: scheduler.armed_for == due, LEAD), scheduler.armed_for
        assert clock.now() < due and pending() == before > 0
        assert wait_until(lambda: pending() == 0, LEAD + 30), "the creations were not recorded at their due time"
        with lock:
            created = [
                datetime.fromisoformat(c)
                for (c,) in ctx.db.query("SELECT created_at FROM accounts WHERE created_at IS NOT NULL")
            ]
        assert created and min(created) >= due
        # A poll would come recheck_seconds (300 s) later; the timer fires at
        # the due time, and the tick records at most a loaded machine's delay after it.
        assert max(created) < due + timedelta(seconds=60), "fired late: a poll, not the timer"
        assert scheduler.ticks == 2  # the start-up one and the due one, nothing in between
        assert wait_until(lambda: scheduler.armed_for is None or scheduler.armed_for > due, 5)
    finally:
        scheduler.shutdown()
        ctx.close()


def test_held_removals_do_not_arm_the_timer(store_url, small):
    ctx = bootstrap.build(store_url, Policy(), ManualClock(T1))
    try:
        ingest(str(small.first), ctx, T0)
        tick(ctx, T_CREATE)
        ingest(str(small.second), ctx, T1)
        tick(ctx, T1 + timedelta(days=3))  # the newcomers' creations: only removals are left
        now = T1 + timedelta(days=3, hours=1)
        state = due_state(ctx, now)
        assert state.creation_due is None and state.removal_due is not None and not state.due_now
        assert state.next(now) == state.removal_due
        later = state.removal_due + timedelta(days=1)
        assert due_state(ctx, later).next(later) == later  # due: the timer fires at once

        hold_removals(ctx, "operator", "audit before the purge", now)
        held = due_state(ctx, now)
        assert held.removals_held and held.next(now) is None
        assert due_state(ctx, later).next(later) is None  # overdue but held: no timer, no spinning
    finally:
        ctx.close()


def test_an_overdue_creation_raises_the_anomaly(store_url, small, caplog):
    policy = Policy()
    now = T0 + policy.creation_delay + policy.overdue_grace + timedelta(minutes=5)
    ctx = bootstrap.build(store_url, policy, ManualClock(now))
    heard = []
    scheduler = Scheduler(ctx, threading.RLock(), on_anomaly=lambda kind, n, ids: heard.append((kind, n, ids)))
    try:
        ingest(str(small.first), ctx, T0)
        pending = int(ctx.db.scalar("SELECT COUNT(*) FROM accounts WHERE state = 'pending'"))
        with caplog.at_level(logging.WARNING, logger="entsync.scheduler"):
            overdue = scheduler.check_overdue()
        assert len(overdue) == pending > 0
        assert heard == [("creation_overdue", pending, [j for j, _ in overdue])]
        [record] = [r for r in caplog.records if r.getMessage() == "anomaly.creation_overdue"]
        assert record.fields["count"] == pending

        tick(ctx, now)  # created late, but created: no anomaly any more
        heard.clear()
        assert scheduler.check_overdue() == [] and heard == [("creation_overdue", 0, [])]
    finally:
        ctx.close()


def test_shutdown_while_a_job_is_about_to_rearm_does_not_hang(store_url):
    """APScheduler's shutdown holds its job-store lock while it waits for the
    running jobs; a tick re-arming the timer then must not wait for it."""
    ctx = bootstrap.build(store_url, Policy())
    lock = threading.RLock()
    scheduler = Scheduler(ctx, lock, recheck_seconds=300, overdue_seconds=300, catch_up_seconds=300)
    try:
        with lock:  # the start-up tick runs and waits for the work lock
            scheduler.start()
            assert wait_until(lambda: scheduler.next_run() is None, 5)  # taken from the store: running
            stopper = threading.Thread(target=scheduler.shutdown)
            stopper.start()
            time.sleep(0.2)  # let shutdown take its lock and wait for the tick
        stopper.join(10)
        assert not stopper.is_alive(), "shutdown hung on a job re-arming the timer"
        assert scheduler.ticks == 1
    finally:
        ctx.close()
