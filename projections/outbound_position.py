"""How far the domain events have been published to Kafka (daemon/kafka/outbound.py):
one position in the log per outbound topic, kept in the ``tracking`` table
beside the read models' positions under a name of its own
(``outbound:TOPIC``), and moved only after the broker acknowledged a batch.

``OutboundPositions`` is the port; ``SqlOutboundPositions`` keeps it in the
store and ``MemoryOutboundPositions`` in memory for the ``memory:`` twin.
Both pass tests/store_ports_contract.py."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from projections.db import Database
from projections.schema import TRACKING


class OutboundPositions(ABC):
    @abstractmethod
    def position(self, name: str) -> int:
        """The log position published up to under ``name``; 0 before the first."""

    @abstractmethod
    def record(self, name: str, position: int) -> None:
        """Published up to ``position``, durably when it returns."""


class SqlOutboundPositions(OutboundPositions):
    def __init__(self, db: Database):
        self.db = db

    def position(self, name: str) -> int:
        return int(self.db.scalar(f"SELECT position FROM {TRACKING} WHERE name = ?", (name,)) or 0)

    def record(self, name: str, position: int) -> None:
        with self.db.transaction():
            self.db.execute(
                f"INSERT INTO {TRACKING} (name, position) VALUES (?, ?) "
                f"ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (name, position),
            )


class MemoryOutboundPositions(OutboundPositions):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._positions: dict[str, int] = {}

    def position(self, name: str) -> int:
        with self._lock:
            return self._positions.get(name, 0)

    def record(self, name: str, position: int) -> None:
        with self._lock:
            self._positions[name] = position


__all__ = ["OutboundPositions", "SqlOutboundPositions", "MemoryOutboundPositions"]
