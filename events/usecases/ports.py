"""The ports every use case shares: the event log, a read model to catch up,
and the follow-ups of applied deliveries. Structural types: the composition
root's context satisfies them, and so does the in-memory twin."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


class EventLog(Protocol):
    """The event store as the use cases see it (events/application.py)."""

    def find(self, aggregate_id: UUID) -> Any | None:
        """The aggregate, or None when it was never recorded."""

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate; raises when it was never recorded."""

    def save(self, *aggregates: Any) -> Any:
        """Record the aggregates' pending events in one transaction."""

    def save_in_batches(self, groups: Iterable[Sequence[Any]], size: int) -> None:
        """Record about ``size`` items a transaction; a group never splits."""

    def last_effective_time(self) -> datetime | None:
        """The effective time of the last recorded fact."""


class ReadModel(Protocol):
    def catch_up(self, log: Any) -> int:
        """Fold every recorded event not folded yet; returns how many."""


class FollowUps(Protocol):
    """Steps that follow an applied delivery (an outbox keyed on the fact)."""

    def not_followed(self, step: str) -> list[str]:
        """Applied deliveries whose ``step`` has not run, oldest first."""

    def followed(self, step: str, delivery_ids: list[str], at: str) -> None:
        """Mark ``step`` done for the deliveries."""
