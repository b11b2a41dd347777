"""The Clock port: the one way code reads time (issue 11).

Two readings, as the system has them: ``now()``, the wall clock as an aware
UTC datetime, which rules and recorded facts use (domain-rules §11: every
time-based transition is explained by the log and the clock); and
``monotonic()``, seconds that never go back, which timeouts, stall detection
and durations use. ``wall()`` is ``now()`` as epoch seconds, for metrics.

``SystemClock`` reads the machine; ``ManualClock`` is the fake that tests move
by hand. Both pass the same contract tests (tests/unit/test_clock.py).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """The wall clock, timezone-aware, in UTC."""

    @abstractmethod
    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; never smaller than an earlier reading."""

    def wall(self) -> float:
        """The wall clock as seconds since the epoch."""
        return self.now().timestamp()


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock(Clock):
    """A clock that moves only when told: ``advance`` moves both readings,
    ``set`` moves the wall clock (forward or back, as a machine's clock can be
    set) and leaves the monotonic reading where it is."""

    def __init__(self, start: datetime, monotonic_start: float = 1000.0) -> None:
        if start.tzinfo is None:
            raise ValueError("a ManualClock starts at an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._monotonic = monotonic_start

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time advances, it does not go back: use set() to move the wall clock back")
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("set() takes an aware datetime")
        self._now = at.astimezone(timezone.utc)
