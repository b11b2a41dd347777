"""The daemon's clock work (issue 4), on one APScheduler 3.x
``BackgroundScheduler`` per daemon:

- the due transitions (events/usecases/tick.py: creations after 48 h, removals at
  Toussaint, duplicates' deletions and manual accounts' end dates, admins'
  attachments' ends, SIECLE leaving dates; domain-rules §3, §4) at their due time: ONE date job, re-armed
  for the next due instant read from the read model (daemon/service/due.py)
  after every tick, every inbox item and every safety re-check — not a job
  per account, not only a poll. While an operator holds removals
  (domain-rules §11) removals do not arm the timer;
- a check that raises an anomaly when a creation is overdue (its due time
  plus the grace has passed: the scheduler was down, or a tick failed);
- the projections' catch-up (daemon/service/catchup.py), which also tells
  ``/readyz`` when the read models have caught up since the start.

Every job takes the daemon's work lock: one unit of work at a time on the
shared context. Due instants are effective times read from ``ctx.clock`` (a
test injects a clock); they are turned into a delay from that clock, so a
shifted clock fires the timer at the right moment of its own time.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from daemon.bootstrap import Context
from daemon.observability.logs import event
from daemon.service.catchup import CatchUp
from daemon.service.due import due_state, overdue_creations
from daemon.service.storehealth import STORE_PROBE_SECONDS, StoreHealth
from events.clock import SystemClock
from events.usecases.tick import tick
from projections.db import outage
from projections.store_ping import StorePing

log = logging.getLogger("entsync.scheduler")

TICK_JOB, RECHECK_JOB, OVERDUE_JOB, CATCH_UP_JOB = "due-transitions", "due-recheck", "overdue-check", "catch-up"
Anomaly = Callable[[str, int, list[str]], None]  # (kind, count, ids) → the metrics module, say


class Scheduler:
    """The daemon's jobs. ``on_anomaly(kind, count, ids)`` hears of overdue
    creations; ``ready`` is set once the read models have caught up."""

    def __init__(
        self,
        ctx: Context,
        lock: threading.RLock,
        *,
        recheck_seconds: float = 300,
        overdue_seconds: float = 300,
        catch_up_seconds: float = 10,
        on_anomaly: Anomaly | None = None,
        ready: threading.Event | None = None,
        publish: Callable[[], int] | None = None,
        on_run: Callable[[float], None] | None = None,
        store_health: StoreHealth | None = None,
        ping: StorePing | None = None,
    ):
        self.ctx, self.lock = ctx, lock
        # The catch-up is the store's probe (daemon/service/storehealth.py).
        self.store_health = store_health if store_health is not None else StoreHealth()
        # The read models are caught up (and /readyz set) right after an outage ends.
        self.store_health.on_recovered.append(self._probe_soon)
        self.recheck_seconds, self.overdue_seconds, self.catch_up_seconds = (
            recheck_seconds,
            overdue_seconds,
            catch_up_seconds,
        )
        self.on_anomaly = on_anomaly
        self.ready = ready if ready is not None else threading.Event()
        self.catch_up = CatchUp(
            ctx,
            lock,
            self.store_health,
            self.ready,
            ping=ping,
            publish=publish,
            probe_soon=self._probe_soon,
            rearm=self._guarded(self.rearm),
        )
        # APScheduler's timers run on the machine's clock, which it reads
        # itself: their run dates are taken from that clock, never from
        # ctx.clock (which a test or a simulation store shifts); the
        # effective times are ctx.clock's, turned into delays.
        self._timer = SystemClock()
        self._aps = BackgroundScheduler(timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1})
        self._arm_lock = threading.Lock()
        self._stopping = False
        self._gap = 0.0  # back-off when a tick leaves something due (it should not)
        self.armed_for: datetime | None = None  # the due instant (effective time) the timer is set for
        self.ticks = 0
        # Told the wall time (Unix) of every completed check: the metric a
        # "scheduler stopped ticking" alert watches.
        self.on_run = on_run

    # -- lifecycle
    def start(self) -> None:
        now = self._timer.now()
        # Misfire grace: an interval job late by more than its interval is
        # simply coalesced into the next run; the date job always runs.
        self._aps.add_job(
            self._catch_up,
            "interval",
            seconds=self.catch_up_seconds,
            id=CATCH_UP_JOB,
            next_run_time=now,
            misfire_grace_time=max(1, int(self.catch_up_seconds)),
        )
        self._aps.add_job(
            self._guarded(self.rearm),
            "interval",
            seconds=self.recheck_seconds,
            id=RECHECK_JOB,
            misfire_grace_time=max(1, int(self.recheck_seconds)),
        )
        self._aps.add_job(
            self._guarded(self.check_overdue),
            "interval",
            seconds=self.overdue_seconds,
            id=OVERDUE_JOB,
            next_run_time=now + timedelta(seconds=1),
            misfire_grace_time=max(1, int(self.overdue_seconds)),
        )
        # First run now: whatever fell due while the daemon was down is recorded at once.
        self._aps.add_job(self._tick, DateTrigger(now, timezone.utc), id=TICK_JOB, misfire_grace_time=None)
        self.armed_for = self.ctx.clock.now()
        self._aps.start()
        event(
            log,
            "scheduler.started",
            recheck_seconds=self.recheck_seconds,
            overdue_seconds=self.overdue_seconds,
            catch_up_seconds=self.catch_up_seconds,
        )

    def shutdown(self) -> None:
        """Stop; a job running now is finished first."""
        # APScheduler's shutdown holds its job-store lock while it waits for
        # the running jobs: a job re-arming the timer then would wait for it
        # forever. No re-arming once stopping (under the arming lock).
        with self._arm_lock:
            self._stopping = True
        if self._aps.running:
            self._aps.shutdown(wait=True)
        event(log, "scheduler.stopped")

    def next_run(self, job_id: str = TICK_JOB) -> datetime | None:
        """Wall-clock time of the next run of a job (None: not armed)."""
        job = self._aps.get_job(job_id)
        return job.next_run_time if job is not None else None

    # -- the due transitions
    def rearm(self) -> datetime | None:
        """Read the next due instant and set the one timer for it."""
        with self.lock:
            self.ctx.projection.catch_up(self.ctx.log)
            now = self.ctx.clock.now()
            due = due_state(self.ctx, now).next(now)
        self._arm(due, now)
        self._ran()
        return due

    def _ran(self) -> None:
        if self.on_run is not None:
            self.on_run(self._timer.now().timestamp())

    def _arm(self, due: datetime | None, now: datetime) -> None:
        with self._arm_lock:
            if self._stopping:
                return
            if due is None:
                if self._aps.get_job(TICK_JOB) is not None:
                    self._aps.remove_job(TICK_JOB)
                if self.armed_for is not None:
                    event(log, "scheduler.disarmed", reason="nothing_due")
                self.armed_for = None
                return
            delay = max(0.0, (due - now).total_seconds(), self._gap)
            run_at = self._timer.now() + timedelta(seconds=delay)
            self._aps.add_job(
                self._tick,
                DateTrigger(run_at, timezone.utc),
                id=TICK_JOB,
                replace_existing=True,
                misfire_grace_time=None,
            )
            if due != self.armed_for:
                event(log, "scheduler.armed", due=due.isoformat(), in_seconds=round(delay, 3))
            self.armed_for = due

    def _tick(self) -> None:
        try:
            with self.lock, self.ctx.db.try_lock("tick") as leader:
                # Daemons sharing a store tick one at a time; the others find nothing left due.
                at, transitions = tick(self.ctx) if leader else (self.ctx.clock.now(), [])
            self.ticks += 1
            counts = Counter(t.kind for t in transitions)
            if transitions:
                event(
                    log,
                    "tick.recorded",
                    at=at.isoformat(),
                    **{k.replace("+", "_"): n for k, n in sorted(counts.items())},
                )
            with self.lock:
                now = self.ctx.clock.now()
                due = due_state(self.ctx, now).next(now)
            if due is not None and due <= now:
                # Something is still due right after a tick: do not spin on it.
                self._gap = min(self.recheck_seconds, max(1.0, self._gap * 2))
                event(log, "tick.still_due", logging.WARNING, retry_in_seconds=self._gap)
            else:
                self._gap = 0.0
            self._arm(due, now)
            self._ran()
        except Exception as exc:
            # The tick failed (store down, a delivery to finish first): the
            # timer is set for the safety re-check (or re-armed when the store
            # answers again); the overdue check will tell.
            line = outage(exc)
            if line:
                self.store_health.failed(line, "tick")
            else:
                event(log, "tick.failed", logging.ERROR, exc_info=True)
            self._arm(self.ctx.clock.now() + timedelta(seconds=self.recheck_seconds), self.ctx.clock.now())

    # -- anomalies
    def check_overdue(self) -> list[tuple[str, datetime]]:
        """Raise the anomaly (log and ``on_anomaly``) for every overdue creation."""
        with self.lock:
            self.ctx.projection.catch_up(self.ctx.log)
            overdue = overdue_creations(self.ctx, self.ctx.clock.now())
        if overdue:
            ids = [j for j, _ in overdue]
            event(
                log,
                "anomaly.creation_overdue",
                logging.WARNING,
                count=len(overdue),
                oldest_due=overdue[0][1].isoformat(),
                first_ids=ids[:10],
            )
        if self.on_anomaly is not None:
            self.on_anomaly("creation_overdue", len(overdue), [j for j, _ in overdue])
        self._ran()
        return overdue

    def _guarded(self, job: Callable[[], object]) -> Callable[[], None]:
        """A periodic job that meets a store outage tells the store's health
        and waits for the next run, instead of logging a traceback."""

        def run() -> None:
            try:
                job()
            except Exception as exc:
                line = outage(exc)
                if not line:
                    raise
                self.store_health.failed(line, getattr(job, "__name__", "job"))
                self._probe_soon()

        run.__name__ = getattr(job, "__name__", "job")
        return run

    # -- projections
    def _probe_soon(self) -> None:
        """While the store is down, right after it answers again, and until
        the read models first caught up, the next catch-up comes within
        STORE_PROBE_SECONDS rather than after its interval."""
        if self.catch_up_seconds <= STORE_PROBE_SECONDS:
            return
        with self._arm_lock:
            if self._stopping:
                return
            try:
                self._aps.modify_job(
                    CATCH_UP_JOB, next_run_time=self._timer.now() + timedelta(seconds=STORE_PROBE_SECONDS)
                )
            except JobLookupError:
                pass

    def _catch_up(self) -> int:
        n = self.catch_up.run()
        if not self.ready.is_set():
            # Not caught up (the start-up tick held the lock, or the store is
            # down): /readyz waits a second for the next try, not an interval.
            self._probe_soon()
        return n
