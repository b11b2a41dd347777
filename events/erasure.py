"""A person's personal data erased (domain-rules §12, retention; issue 17):
the keys that sealed them destroyed, the fact recorded. One stream per
account generation. The fact names streams and dates, never the person:
it is published on the outbound topic so that downstream services erase
what they hold of the same account."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE


def erasure_id(account_id: str) -> UUID:
    return uuid5(NAMESPACE, f"erasure:{account_id}")


class Erasure(Aggregate):
    TOPIC = "entsync:Erasure.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Erasure.Event.v1"

    class PersonErased(Event, Aggregate.Created):
        """The keys of ``subjects`` (stream ids: the account generation, its
        login's reservation, the SIECLE records and merges that were its) were
        destroyed at ``at``; ``keys``: how many. ``removed_at``: the removal
        the retention period ran from; ``retention_days``: that period."""

        TOPIC = "entsync:Erasure.PersonErased.v1"
        account_id: str
        jointure: str
        subjects: list[str]
        keys: int
        removed_at: datetime
        retention_days: int
        at: datetime

    @staticmethod
    def create_id(account_id: str, **_: object) -> UUID:
        return erasure_id(account_id)

    @event(PersonErased)
    def __init__(
        self,
        account_id: str,
        jointure: str,
        subjects: list[str],
        keys: int,
        removed_at: datetime,
        retention_days: int,
        at: datetime,
    ) -> None:
        self.account_id = account_id
        self.subjects = list(subjects)
        self.erased_at = at


def details_erasure_id(stream_id: str) -> UUID:
    return uuid5(NAMESPACE, f"details-erasure:{stream_id}")


class DetailsErasure(Aggregate):
    """The details of one delivery or import erased: the messages and lists
    that name several persons (events/personal_fields.py, MULTI), sealed
    under the delivery's or import's own key. One stream per delivery or
    import; the fact names the stream and dates, never a person."""

    TOPIC = "entsync:DetailsErasure.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:DetailsErasure.Event.v1"

    class DetailsErased(Event, Aggregate.Created):
        """The keys of ``stream_id`` (a delivery, a SIECLE import or a
        timetable import: ``kind`` aaf, siecle or timetable) were destroyed
        at ``at``; ``keys``: how many. ``received_at``: when it was received,
        the start of the ``retention_days`` period."""

        TOPIC = "entsync:DetailsErasure.DetailsErased.v1"
        stream_id: str
        kind: str
        received_at: datetime
        keys: int
        retention_days: int
        at: datetime

    @staticmethod
    def create_id(stream_id: str, **_: object) -> UUID:
        return details_erasure_id(stream_id)

    @event(DetailsErased)
    def __init__(
        self, stream_id: str, kind: str, received_at: datetime, keys: int, retention_days: int, at: datetime
    ) -> None:
        self.stream_id = stream_id
        self.kind = kind
        self.erased_at = at
