"""The operator's hold on purges (domain-rules §11, purge safety): while it
is placed, due removals (Toussaint, deleted duplicates, guardians of removed
children) are not recorded; placing and lifting it are facts of the log."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE

PURGE_HOLD_ID = uuid5(NAMESPACE, "purge-hold")


class PurgeHold(Aggregate):
    TOPIC = "entsync:PurgeHold.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:PurgeHold.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:PurgeHold.Created.v1"

    class FirstPlaced(Created):
        TOPIC = "entsync:PurgeHold.FirstPlaced.v1"
        operator: str
        reason: str
        at: datetime

    @staticmethod
    def create_id(**_: object) -> UUID:
        return PURGE_HOLD_ID

    @event(FirstPlaced)
    def __init__(self, operator: str, reason: str, at: datetime) -> None:
        self.held = True

    class Placed(Event):
        TOPIC = "entsync:PurgeHold.Placed.v1"
        operator: str
        reason: str
        at: datetime

    @event(Placed)
    def _placed(self, operator: str, reason: str, at: datetime) -> None:
        self.held = True

    def place(self, operator: str, reason: str, at: datetime) -> None:
        if self.held:
            raise ValueError("removals are already held")
        self._placed(operator, reason, at)

    class Lifted(Event):
        TOPIC = "entsync:PurgeHold.Lifted.v1"
        operator: str
        at: datetime

    @event(Lifted)
    def _lifted(self, operator: str, at: datetime) -> None:
        self.held = False

    def lift(self, operator: str, at: datetime) -> None:
        if not self.held:
            raise ValueError("removals are not held")
        self._lifted(operator, at)
