"""Structures (EtabEducNat) and nomenclatures (subjects, MEF) as the AAF
delivers them: one stream per record, keyed by its jointure."""

from __future__ import annotations

from datetime import datetime, timedelta
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
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    @staticmethod
    def create_id(jointure: str, category: str, **_: object) -> UUID:
        return record_id(category, jointure)

    @event(Appeared)
    def __init__(
        self,
        jointure: str,
        category: str,
        attrs: dict[str, list[str]],
        digest: str,
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        self.jointure = jointure
        self.category = category
        self.attrs = attrs
        self.digest = digest
        self.present = True

    class Changed(Event):
        TOPIC = "entsync:SourceRecord.Changed.v1"
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    @event(Changed)
    def _changed(
        self, attrs: dict[str, list[str]], digest: str, delivery_id: str, file: str, line: int, at: datetime
    ) -> None:
        self.attrs = attrs
        self.digest = digest
        self.present = True

    def record(
        self,
        attrs: dict[str, list[str]],
        digest: str,
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
        creation_delay: timedelta | None = None,
        overwrite_threshold: float = 0.0,
    ) -> None:
        self._changed(attrs, digest, delivery_id, file, line, at)

    class Closed(Event):
        """Absent from a complete delivery, or deleted by a delta."""

        TOPIC = "entsync:SourceRecord.Closed.v1"
        reason: str
        delivery_id: str
        at: datetime

    @event(Closed)
    def _closed(self, reason: str, delivery_id: str, at: datetime) -> None:
        self.present = False

    def leave(
        self,
        reason: str,
        delivery_id: str,
        at: datetime,
        removal_due: datetime | None = None,
        provisional: bool = False,
    ) -> None:
        self._closed(reason, delivery_id, at)


def group_source_id(uai: str) -> UUID:
    return uuid5(NAMESPACE, f"group-source:{uai}")


GROUP_SOURCES = ("siecle", "timetable", "manual")


class GroupSource(Aggregate):
    """Where an establishment's groups get their members (domain-rules §2,
    000 §C.2): option 1 SIECLE (the student record, through the AAF), option 2
    the timetable, option 3 manual assignment in the ENT. An operator's choice;
    without one, SIECLE."""

    TOPIC = "entsync:GroupSource.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:GroupSource.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:GroupSource.Created.v1"

    class FirstChosen(Created):
        """The establishment's first explicit choice."""

        TOPIC = "entsync:GroupSource.FirstChosen.v1"
        uai: str
        source: str
        operator: str
        at: datetime

    class Chosen(Event):
        TOPIC = "entsync:GroupSource.Chosen.v1"
        source: str
        operator: str
        at: datetime

    @staticmethod
    def create_id(uai: str, **_: object) -> UUID:
        return group_source_id(uai)

    @event(FirstChosen)
    def __init__(self, uai: str, source: str, operator: str, at: datetime) -> None:
        _check(source)
        self.uai = uai
        self.source = source

    @event(Chosen)
    def _chosen(self, source: str, operator: str, at: datetime) -> None:
        self.source = source

    def choose(self, source: str, operator: str, at: datetime) -> None:
        _check(source)
        if source != self.source:
            self._chosen(source, operator, at)


def _check(source: str) -> None:
    if source not in GROUP_SOURCES:
        raise ValueError(f"group source must be one of {', '.join(GROUP_SOURCES)}, not {source!r}")
