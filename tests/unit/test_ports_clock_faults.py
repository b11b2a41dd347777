"""Contract tests of the Clock port, run against the system clock and the
manual fake alike, and of the Faults port's implementations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.clock import Clock, ManualClock, SystemClock
from events.faults import POINTS, CountingFaults, Faults, StopAt, UnknownFaultPoint

T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)


class ClockContract:
    def make(self) -> Clock:
        raise NotImplementedError

    def test_now_is_aware_utc(self):
        now = self.make().now()
        assert now.tzinfo is not None and now.utcoffset() == timedelta(0)

    def test_monotonic_never_goes_back(self):
        clock = self.make()
        readings = [clock.monotonic() for _ in range(100)]
        assert readings == sorted(readings)

    def test_wall_is_now_in_epoch_seconds(self):
        clock = self.make()
        before = clock.now().timestamp()
        wall = clock.wall()
        after = clock.now().timestamp()
        assert before <= wall <= after


class TestSystemClock(ClockContract):
    def make(self) -> Clock:
        return SystemClock()

    def test_reads_the_machine(self):
        assert abs(SystemClock().now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


class TestManualClock(ClockContract):
    def make(self) -> Clock:
        return ManualClock(T0)

    def test_moves_only_when_told(self):
        clock = ManualClock(T0, monotonic_start=5.0)
        assert (clock.now(), clock.monotonic()) == (T0, 5.0)
        clock.advance(90)
        assert (clock.now(), clock.monotonic()) == (T0 + timedelta(seconds=90), 95.0)

    def test_set_moves_the_wall_clock_only(self):
        clock = ManualClock(T0)
        mono = clock.monotonic()
        clock.set(T0 - timedelta(days=1))
        assert clock.now() == T0 - timedelta(days=1)
        assert clock.monotonic() == mono

    @pytest.mark.parametrize("bad", [lambda c: c.advance(-1), lambda c: c.set(datetime(2026, 9, 1))])
    def test_refuses_what_a_clock_cannot_do(self, bad):
        with pytest.raises(ValueError):
            bad(ManualClock(T0))

    def test_starts_aware_only(self):
        with pytest.raises(ValueError):
            ManualClock(datetime(2026, 9, 1))


def test_production_faults_do_nothing_at_listed_points():
    faults = Faults()
    assert [faults.reached(point) for point in POINTS] == [None] * len(POINTS)
    assert vars(faults) == {}  # nothing kept: the production port has no state to grow


@pytest.mark.parametrize("faults", [Faults(), CountingFaults(), StopAt(1)])
def test_an_unlisted_point_is_a_programming_error(faults):
    with pytest.raises(UnknownFaultPoint):
        faults.reached("somewhere.else")


def test_counting_by_point_and_in_all():
    faults = CountingFaults()
    for point in ["log.saved", "log.saved", "readmodel.committed"]:
        faults.reached(point)
    assert faults.counts == {"log.saved": 2, "readmodel.committed": 1}
    assert faults.total == 3


@pytest.mark.parametrize(
    ("nth", "only", "stops_at"),
    [
        (1, None, 0),
        (3, None, 2),
        (1, frozenset({"readmodel.committed"}), 1),
        (2, frozenset({"log.saved"}), 3),
        (9, None, None),
    ],
)
def test_stop_at_the_nth_point(nth, only, stops_at):
    run = ["log.saved", "readmodel.committed", "staging.written", "log.saved"]
    stopped: list[int] = []
    faults = StopAt(nth, only, stop=lambda: stopped.append(faults.total - 1))
    for point in run:
        faults.reached(point)
    assert stopped == ([] if stops_at is None else [stops_at])


def test_stop_at_refuses_what_cannot_be_reached():
    with pytest.raises(ValueError):
        StopAt(0)
    with pytest.raises(UnknownFaultPoint):
        StopAt(1, frozenset({"nowhere"}))
