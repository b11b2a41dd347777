"""The throttle of repeated authentication failures (daemon/http/throttle.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from daemon.http.throttle import FailureThrottle
from events.clock import ManualClock


def _throttle(**kw) -> tuple[FailureThrottle, ManualClock]:
    clock = ManualClock(datetime(2026, 9, 1, tzinfo=timezone.utc))
    return FailureThrottle(clock, **kw), clock


def test_an_address_is_blocked_after_limit_failures_within_the_window_and_freed_after_it():
    throttle, clock = _throttle(limit=3, window=60)
    for _ in range(2):
        throttle.failed("10.0.0.1")
        clock.advance(1)
    assert not throttle.blocked("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.blocked("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 58  # the first failure leaves the window 60 s after it
    assert not throttle.blocked("10.0.0.2")  # others are not concerned
    clock.advance(58)
    assert not throttle.blocked("10.0.0.1")  # the first failure left the window
    assert throttle.retry_after("10.0.0.1") == 0


def test_failures_spread_wider_than_the_window_never_block():
    throttle, clock = _throttle(limit=3, window=60)
    for _ in range(20):
        throttle.failed("10.0.0.1")
        assert not throttle.blocked("10.0.0.1")
        clock.advance(31)


def test_it_remembers_at_most_max_clients_addresses():
    throttle, clock = _throttle(limit=2, window=60, max_clients=3)
    for i in range(5):
        throttle.failed(f"10.0.0.{i}")
        throttle.failed(f"10.0.0.{i}")
    assert len(throttle._failures) == 3
    assert not throttle.blocked("10.0.0.0")  # forgotten, the oldest first
    assert throttle.blocked("10.0.0.4")
