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
