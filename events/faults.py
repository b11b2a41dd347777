"""The Faults port: the commit points where a process may die (issue 11).

Every place that makes a write durable — an event saved, a read-model batch
committed, a staging row written, a relink begun after its delivery, a Kafka
message stored before its offset is committed — tells the port it has been
reached. In production the port does nothing. Crash-resume tests pass a port
that stops the process at the N-th point reached (``StopAt``), and one that
counts them (``CountingFaults``) to know how many points a run has. This
replaces every test hook in production code: tests inject faults through
the composition root, never by patching a class.

The names of the points are listed in ``POINTS``; reaching a point not
listed is a programming error, so that the list stays the whole truth.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable

POINTS: dict[str, str] = {
    "log.saved": "events committed to the event store",
    "readmodel.committed": "a batch of events folded into the read model and its tracking position",
    "staging.written": "rows of a delivery in progress written to the staging area",
    "staging.phase": "a delivery's staging phase changed",
    "staging.cleared": "a delivery's staging area cleared",
    "staging.parked": "the records of a delivery waiting behind a held one parked, or dropped once it is applied",
    "staging.file_kept": "a held SIECLE export kept, or dropped once it is released or rejected",
    "staging.followed": "the steps that follow applied deliveries (the SIECLE relink) marked done",
    "relink.starting": "the SIECLE relink after an applied AAF delivery is about to run",
    "keys.destroyed": "a person's keys destroyed, their erasure not yet recorded",
    "details.destroyed": "a delivery's or import's keys destroyed, the erasure of its details not yet recorded",
    "kafka.stored": "a delivery announced on Kafka recorded, its offset not yet committed",
    "upgrade.sealed": "a batch of stored events sealed in place, with the upgrade's position",
}


class UnknownFaultPoint(ValueError):
    pass


class Faults:
    """The production port: reaching a point does nothing."""

    def reached(self, point: str) -> None:
        if point not in POINTS:
            raise UnknownFaultPoint(f"{point!r} is not a listed commit point (events/faults.py POINTS)")


class CountingFaults(Faults):
    """Counts every point reached, by name (``counts``) and in all (``total``)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reached(self, point: str) -> None:
        super().reached(point)
        self.counts[point] += 1


def kill_self() -> None:
    """Die as a power cut would: no cleanup, no exit handler."""
    os.kill(os.getpid(), signal.SIGKILL)


class StopAt(CountingFaults):
    """Stops the process at the ``nth`` point reached (counting only the
    points named in ``only``, when given)."""

    def __init__(self, nth: int, only: frozenset[str] | None = None, stop: Callable[[], None] = kill_self) -> None:
        super().__init__()
        if nth < 1:
            raise ValueError("StopAt counts from 1")
        unknown = set(only or ()) - set(POINTS)
        if unknown:
            raise UnknownFaultPoint(f"not listed commit points: {sorted(unknown)}")
        self.nth, self.only, self.stop = nth, only, stop
        self.seen = 0

    def reached(self, point: str) -> None:
        super().reached(point)
        if self.only is None or point in self.only:
            self.seen += 1
            if self.seen == self.nth:
                self.stop()
