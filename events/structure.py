"""Structures (EtabEducNat) and nomenclatures (subjects, MEF) as the AAF
delivers them: one stream per record, keyed by its jointure."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE


def record_id(category: str, jointure: str) -> UUID:
    """Deterministic stream id of a structure or nomenclature record."""
    return uuid5(NAMESPACE, f"aaf-{category}:{jointure}")


class SourceRecord(Aggregate):
    """A structure, subject or MEF: what the AAF says, and whether it is still there."""

    TOPIC = "entsync:SourceRecord.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:SourceRecord.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:SourceRecord.Created.v1"

    class Appeared(Created):
        TOPIC = "entsync:SourceRecord.Appeared.v1"
        jointure: str
        category: str
        attrs: dict
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    @staticmethod
    def create_id(jointure: str, category: str, **_: object) -> UUID:
        return record_id(category, jointure)

    @event(Appeared)
    def __init__(self, jointure: str, category: str, attrs: dict, digest: str,
                 delivery_id: str, file: str, line: int, at: datetime):
        self.jointure = jointure
        self.category = category
        self.attrs = attrs
        self.digest = digest
        self.present = True

    class Changed(Event):
        TOPIC = "entsync:SourceRecord.Changed.v1"
        attrs: dict
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    @event(Changed)
    def _changed(self, attrs: dict, digest: str, delivery_id: str, file: str, line: int, at: datetime):
        self.attrs = attrs
        self.digest = digest
        self.present = True

    def record(self, attrs: dict, digest: str, delivery_id: str, file: str, line: int,
               at: datetime, creation_delay=None, overwrite_threshold: float = 0.0) -> None:
        self._changed(attrs, digest, delivery_id, file, line, at)

    class Closed(Event):
        """Absent from a complete delivery, or deleted by a delta."""

        TOPIC = "entsync:SourceRecord.Closed.v1"
        reason: str
        delivery_id: str
        at: datetime

    @event(Closed)
    def _closed(self, reason: str, delivery_id: str, at: datetime):
        self.present = False

    def leave(self, reason: str, delivery_id: str, at: datetime, removal_due=None, provisional=False) -> None:
        self._closed(reason, delivery_id, at)
