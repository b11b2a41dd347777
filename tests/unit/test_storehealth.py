"""The store's health as the service sees it (issue 18, point 1): an outage
begins at the first failure, is said once, ends at the first answer, and
/readyz and the metrics read it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry

from daemon import bootstrap
from daemon.observability.metrics import Metrics
from daemon.service.catchup import CatchUp
from daemon.service.storehealth import StoreHealth
from events.clock import ManualClock
from projections.store_ping import MemoryPing

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_an_outage_from_its_first_failure_to_its_first_answer(caplog):
    caplog.set_level(logging.INFO, logger="entsync.store")
    clock = ManualClock(EPOCH + timedelta(seconds=1_000), monotonic_start=50.0)
    health = StoreHealth(clock)
    recovered = []
    health.on_recovered.append(lambda: recovered.append(clock.wall()))
    assert health.up and health.readiness() is None
    health.answered()
    assert recovered == [] and health.outages == 0

    health.failed("cannot connect to PostgreSQL at 127.0.0.1:5432: refused", "catch_up")
    clock.advance(4)
    health.failed("still refused", "inbox")  # the same outage
    assert not health.up and health.outages == 1 and health.down_since == 1_000.0
    assert health.readiness() == {"store": "unavailable", "unavailable_seconds": 4.0}
    assert health.detail == "still refused"

    clock.advance(3.5)
    health.answered()
    assert health.up and health.readiness() is None and health.down_since is None
    assert health.last_outage_seconds == 7.5 and recovered == [1_007.5]
    said = [r.getMessage() for r in caplog.records]
    assert sum("store.unavailable" in m for m in said) == 1
    assert sum("store.recovered" in m for m in said) == 1

    health.failed("refused again")
    assert health.outages == 2 and health.down_since == 1_007.5


def test_a_failing_recovery_hook_does_not_keep_the_store_down():
    health = StoreHealth()
    health.on_recovered.append(lambda: 1 / 0)
    health.failed("refused")
    health.answered()
    assert health.up


def test_the_metrics_read_the_outage_on_the_health_s_clock():
    clock = ManualClock(EPOCH + timedelta(seconds=1_000))
    health = StoreHealth(clock)
    metrics = Metrics(CollectorRegistry(), clock=clock, version="test")
    metrics.watch_store(health)

    def gauge(name: str) -> float | None:
        return metrics.registry.get_sample_value(f"entsync_store_{name}")

    assert gauge("up") == 1 and gauge("unavailable_seconds") == 0
    health.failed("refused")
    clock.advance(12)
    assert gauge("up") == 0 and gauge("unavailable_seconds") == 12
    clock.advance(3)
    health.answered()
    assert gauge("up") == 1 and gauge("unavailable_seconds") == 0 and gauge("last_outage_seconds") == 15


@contextmanager
def held(lock: threading.RLock) -> Iterator[None]:
    """``lock`` held by another thread (a unit of work in progress) while the block runs."""
    taken, release = threading.Event(), threading.Event()

    def work() -> None:
        with lock:
            taken.set()
            release.wait()

    worker = threading.Thread(target=work)
    worker.start()
    taken.wait()
    try:
        yield
    finally:
        release.set()
        worker.join()


def test_the_catch_up_probes_the_store_while_a_unit_of_work_holds_the_lock():
    ctx = bootstrap.build("memory:", simulation=True)
    ping = bootstrap.store_ping("memory:")
    assert isinstance(ping, MemoryPing)
    health, ready, lock, soon = StoreHealth(ManualClock(EPOCH)), threading.Event(), threading.RLock(), []
    catch_up = CatchUp(
        ctx, lock, health, ready, ping=ping, publish=None, probe_soon=lambda: soon.append(1), rearm=lambda: None
    )
    try:
        assert catch_up.run() >= 0 and ready.is_set()
        with held(lock):
            ping.lose("cannot connect to PostgreSQL at 127.0.0.1:5432: refused")
            assert catch_up.run() == 0
            assert not ready.is_set() and not health.up and health.detail.endswith("refused") and soon == [1]
            ping.restore()
            assert catch_up.run() == 0
            assert health.up and not ready.is_set() and soon == [1]  # ready again once the read models caught up
        catch_up.run()
        assert ready.is_set() and health.outages == 1
    finally:
        ctx.close()
