"""The store's health as the service sees it (issue 18, point 1): an outage
begins at the first failure, is said once, ends at the first answer, and
/readyz and the metrics read it."""

from __future__ import annotations

import logging

from daemon.service.storehealth import StoreHealth


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_an_outage_from_its_first_failure_to_its_first_answer(caplog):
    caplog.set_level(logging.INFO, logger="entsync.store")
    wall, mono = Clock(1_000.0), Clock(50.0)
    health = StoreHealth(wall, mono)
    recovered = []
    health.on_recovered.append(lambda: recovered.append(wall()))
    assert health.up and health.readiness() is None
    health.answered()
    assert recovered == [] and health.outages == 0

    health.failed("cannot connect to PostgreSQL at 127.0.0.1:5432: refused", "catch_up")
    wall.t, mono.t = 1_004.0, 54.0
    health.failed("still refused", "inbox")  # the same outage
    assert not health.up and health.outages == 1 and health.down_since == 1_000.0
    assert health.readiness() == {"store": "unavailable", "unavailable_seconds": 4.0}
    assert health.detail == "still refused"

    wall.t, mono.t = 1_007.5, 57.5
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
