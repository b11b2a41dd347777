"""The distributed ingest's working storage (daemon/kafka/ingest.py): what the
daemons consumed from a deliveries topic, until the delivery it belongs to is
ingested, and the store's position in each partition, recorded in the same
transaction as what was consumed — the store's position, not Kafka's
committed offset, is where a daemon taking a partition over resumes.

Not derived from the log: neither rebuilt nor dumped with the read model.
``KafkaInbound`` is the port; ``SqlKafkaInbound`` keeps it in the store's
tables (created by the composition root, ``create_tables``, under the schema
lock, so that building a consumer changes nothing) and ``MemoryKafkaInbound``
in memory for the ``memory:`` twin. Both pass tests/store_ports_contract.py."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from projections.db import Database

# Table names and columns are those of the stores already in use: do not change them.
DDL = {
    # What the daemons consumed, until the delivery is applied.
    "kafka_inbound": """topic TEXT NOT NULL, kpartition INTEGER NOT NULL, koffset BIGINT NOT NULL,
        delivery TEXT NOT NULL, kind TEXT NOT NULL, seq BIGINT NOT NULL, payload TEXT NOT NULL,
        PRIMARY KEY (topic, kpartition, koffset)""",
    # The store's position in each partition: recorded with what was consumed.
    "kafka_offsets": "topic TEXT NOT NULL, kpartition INTEGER NOT NULL, koffset BIGINT NOT NULL, "
    "PRIMARY KEY (topic, kpartition)",
}

MARKERS = ("begin", "end", "abort")


def create_tables(db: Database) -> None:
    with db.transaction():
        for name, cols in DDL.items():
            db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")


@dataclass(frozen=True)
class InboundMessage:
    """One message consumed: where it was in its partition, the delivery it
    belongs to, its kind (``begin``, ``record``, ``end``, ``abort``), a
    record's place in the delivery (-1 for a marker) and its JSON text."""

    partition: int
    offset: int
    delivery: str
    kind: str
    seq: int
    payload: str


@dataclass(frozen=True)
class Marker:
    """A delivery's ``begin``, ``end`` or ``abort`` marker as stored."""

    partition: int
    kind: str
    payload: str


class KafkaInbound(ABC):
    """The store's side of the deliveries consumer, per topic."""

    @abstractmethod
    def position(self, topic: str, partition: int) -> int | None:
        """The offset of the last message of ``partition`` stored, or None
        when nothing of it was ever stored."""

    @abstractmethod
    def store(self, topic: str, messages: Sequence[InboundMessage]) -> None:
        """Keep ``messages`` and move each partition's position to the offset
        of its last message given, all in one transaction. A message already
        kept (same partition and offset) stays as it was."""

    @abstractmethod
    def ended(self, topic: str) -> set[str]:
        """The deliveries with at least one ``end`` marker kept."""

    @abstractmethod
    def markers(self, topic: str, delivery: str) -> list[Marker]:
        """The delivery's markers kept, by partition and offset."""

    @abstractmethod
    def record_counts(self, topic: str, delivery: str) -> dict[int, int]:
        """Partition → how many of the delivery's records are kept from it
        (a partition with none is absent)."""

    @abstractmethod
    def records(self, topic: str, delivery: str) -> list[str]:
        """The payloads of the delivery's records, in their order in the delivery."""

    @abstractmethod
    def forget(self, topic: str, delivery: str) -> None:
        """Drop every message of the delivery, in one transaction; the
        positions stay (they are where the store has read to)."""

    @abstractmethod
    def claim(self, delivery: str) -> AbstractContextManager[bool]:
        """True to the one holder of the delivery while the block runs, when
        ``exclusive``; granted to every claimant otherwise."""

    @property
    @abstractmethod
    def exclusive(self) -> bool:
        """Whether a claim held refuses the next one (across processes on
        PostgreSQL; SQLite serialises its writers and grants every claim)."""


class SqlKafkaInbound(KafkaInbound):
    def __init__(self, db: Database):
        self.db = db

    def position(self, topic: str, partition: int) -> int | None:
        value = self.db.scalar(
            "SELECT koffset FROM kafka_offsets WHERE topic = ? AND kpartition = ?", (topic, partition)
        )
        return None if value is None else int(value)

    def store(self, topic: str, messages: Sequence[InboundMessage]) -> None:
        positions = {m.partition: m.offset for m in messages}
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO kafka_inbound VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, kpartition, koffset) DO NOTHING",
                [(topic, m.partition, m.offset, m.delivery, m.kind, m.seq, m.payload) for m in messages],
            )
            self.db.executemany(
                "INSERT INTO kafka_offsets VALUES (?, ?, ?) ON CONFLICT (topic, kpartition) "
                "DO UPDATE SET koffset = excluded.koffset",
                [(topic, p, o) for p, o in sorted(positions.items())],
            )

    def ended(self, topic: str) -> set[str]:
        rows = self.db.query("SELECT DISTINCT delivery FROM kafka_inbound WHERE topic = ? AND kind = 'end'", (topic,))
        return {str(d) for (d,) in rows}

    def markers(self, topic: str, delivery: str) -> list[Marker]:
        rows = self.db.query(
            "SELECT kpartition, kind, payload FROM kafka_inbound WHERE topic = ? AND delivery = ? "
            "AND kind IN ('begin', 'end', 'abort') ORDER BY kpartition, koffset",
            (topic, delivery),
        )
        return [Marker(int(p), str(kind), str(payload)) for p, kind, payload in rows]

    def record_counts(self, topic: str, delivery: str) -> dict[int, int]:
        rows = self.db.query(
            "SELECT kpartition, COUNT(*) FROM kafka_inbound WHERE topic = ? AND delivery = ? "
            "AND kind = 'record' GROUP BY kpartition",
            (topic, delivery),
        )
        return {int(p): int(n) for p, n in rows}

    def records(self, topic: str, delivery: str) -> list[str]:
        rows = self.db.query(
            "SELECT payload FROM kafka_inbound WHERE topic = ? AND delivery = ? AND kind = 'record' ORDER BY seq",
            (topic, delivery),
        )
        return [str(p) for (p,) in rows]

    def forget(self, topic: str, delivery: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM kafka_inbound WHERE topic = ? AND delivery = ?", (topic, delivery))

    def claim(self, delivery: str) -> AbstractContextManager[bool]:
        return self.db.try_lock(f"delivery:{delivery}")  # the name earlier releases took: they keep excluding

    @property
    def exclusive(self) -> bool:
        return self.db.dialect == "postgres"


class MemoryKafkaInbound(KafkaInbound):
    """The twin: one process's memory, claims exclusive between its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, dict[tuple[int, int], InboundMessage]] = {}  # topic → (partition, offset) → message
        self._positions: dict[tuple[str, int], int] = {}
        self._claimed: set[str] = set()

    def position(self, topic: str, partition: int) -> int | None:
        with self._lock:
            return self._positions.get((topic, partition))

    def store(self, topic: str, messages: Sequence[InboundMessage]) -> None:
        with self._lock:
            kept = self._kept.setdefault(topic, {})
            for m in messages:
                kept.setdefault((m.partition, m.offset), m)
                self._positions[(topic, m.partition)] = m.offset

    def _of(self, topic: str, delivery: str) -> list[InboundMessage]:
        with self._lock:
            found = [m for m in self._kept.get(topic, {}).values() if m.delivery == delivery]
        return sorted(found, key=lambda m: (m.partition, m.offset))

    def ended(self, topic: str) -> set[str]:
        with self._lock:
            return {m.delivery for m in self._kept.get(topic, {}).values() if m.kind == "end"}

    def markers(self, topic: str, delivery: str) -> list[Marker]:
        return [Marker(m.partition, m.kind, m.payload) for m in self._of(topic, delivery) if m.kind in MARKERS]

    def record_counts(self, topic: str, delivery: str) -> dict[int, int]:
        return dict(Counter(m.partition for m in self._of(topic, delivery) if m.kind == "record"))

    def records(self, topic: str, delivery: str) -> list[str]:
        found = [m for m in self._of(topic, delivery) if m.kind == "record"]
        return [m.payload for m in sorted(found, key=lambda m: m.seq)]

    def forget(self, topic: str, delivery: str) -> None:
        with self._lock:
            kept = self._kept.get(topic, {})
            for key in [k for k, m in kept.items() if m.delivery == delivery]:
                del kept[key]

    @contextmanager
    def _claim(self, delivery: str) -> Iterator[bool]:
        with self._lock:
            mine = delivery not in self._claimed
            self._claimed.add(delivery)
        try:
            yield mine
        finally:
            if mine:
                with self._lock:
                    self._claimed.discard(delivery)

    def claim(self, delivery: str) -> AbstractContextManager[bool]:
        return self._claim(delivery)

    @property
    def exclusive(self) -> bool:
        return True


__all__ = [
    "KafkaInbound",
    "SqlKafkaInbound",
    "MemoryKafkaInbound",
    "InboundMessage",
    "Marker",
    "create_tables",
]
