"""The store's health as the service sees it (issue 18, point 1): an outage
begins at the first failure, is said once, ends at the first answer, and
/readyz and the metrics read it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry

from daemon.observability.metrics import Metrics
from daemon.service.storehealth import StoreHealth
from events.clock import ManualClock

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
