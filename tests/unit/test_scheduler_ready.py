"""/readyz after a start whose first catch-up found the work lock held (the
start-up tick fires at the same instant and may take it first): the next
try comes within a second, not a catch-up interval later."""

from __future__ import annotations

import threading
import time

from daemon import bootstrap
from daemon.service.scheduler import Scheduler


def test_ready_soon_when_the_first_catch_up_finds_the_lock_held():
    ctx = bootstrap.build("memory:", simulation=True)
    lock = threading.RLock()
    scheduler = Scheduler(ctx, lock, recheck_seconds=300, overdue_seconds=300, catch_up_seconds=300)
    try:
        with lock:  # the start-up tick's unit of work, as it may hold it when the catch-up first runs
            scheduler.start()
            time.sleep(0.3)  # the start-up jobs run (and find the lock held) meanwhile
            assert not scheduler.ready.is_set()
        # Without a next try soon, ready waits for the catch-up's interval: 300 s.
        assert scheduler.ready.wait(60), "not ready: the catch-up waits for its interval"
    finally:
        scheduler.shutdown()
        ctx.close()
