"""What kind of store this is, declared once when it is created (domain-rules
§12, time guard): a *simulation* (tests, demos, replays, the rentrée
walkthrough) may be driven to any effective time; a production store refuses a
``--now`` beyond the wall clock unless the operator forces it.

A store created before this fact existed has none: it is a production store.

The declaration carries ``declared_at`` (wall-clock time), not ``at``: it is
not an effective time and must not move the store's clock (a simulation is
often replayed at dates before the day it was created)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE

STORE_ID = uuid5(NAMESPACE, "store")


class Store(Aggregate):
    TOPIC = "entsync:Store.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Store.Event.v1"

    class Declared(Event, Aggregate.Created):
        TOPIC = "entsync:Store.Declared.v1"
        simulation: bool
        declared_at: datetime
        release: str

    @staticmethod
    def create_id(**_: object) -> UUID:
        return STORE_ID

    @event(Declared)
    def __init__(self, simulation: bool, declared_at: datetime, release: str) -> None:
        self.simulation = simulation
        self.declared_at = declared_at
        self.release = release
        self.forced = 0
        self.last_forced: datetime | None = None

    class ClockForced(Event):
        """An operator moved a production store's effective time beyond the
        wall clock with ``--force``. ``at`` is that effective time."""

        TOPIC = "entsync:Store.ClockForced.v1"
        at: datetime
        wall_clock: datetime
        command: str

    @event(ClockForced)
    def _forced(self, at: datetime, wall_clock: datetime, command: str) -> None:
        self.forced += 1
        self.last_forced = at

    def force_clock(self, at: datetime, wall_clock: datetime, command: str) -> None:
        self._forced(at, wall_clock, command)
