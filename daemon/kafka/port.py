"""The Kafka port: what the daemon asks of a consumer and of a producer.

Two implementations stand behind it and pass one contract test
(tests/kafka_contract.py): ``daemon.kafka.kafka_python`` over a real broker
and ``daemon.kafka.local.LocalBroker`` in memory. The docstrings below are
the semantics the daemon relies on; an implementation that honours them is
interchangeable with the others.

Offsets follow Kafka's convention: a message's offset is its place in its
partition, counted from 0; a *committed* offset, an *end* offset and a
*seek* name the offset of the next message to read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Message:
    """One message as polled: where it is, and what was sent."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers = field(default=())


@dataclass(frozen=True)
class Sent:
    """Where the broker put a message it acknowledged."""

    topic: str
    partition: int
    offset: int


class Consumer(ABC):
    """A member of one consumer group, subscribed to one topic.

    The members of a group share the topic's partitions: each partition is
    held by at most one member at a time (``assignment``), and a member that
    closes leaves its partitions to the others, who resume each at the
    group's committed offset (or at the start of the partition when nothing
    was committed). Nothing is committed unless ``commit`` says so: the
    daemon commits an offset only after what it polled is recorded in its
    store (at least once: a member that dies between the two leaves the
    messages to be delivered again, never lost).
    """

    @property
    @abstractmethod
    def topic(self) -> str:
        """The topic subscribed to."""

    @abstractmethod
    def poll(self, timeout: float) -> list[Message]:
        """The next messages of the partitions held, in offset order within
        each partition, waiting up to ``timeout`` seconds when none is there
        (an empty list then). Each partition's position moves past what is
        returned; joining the group and taking over partitions happen here."""

    @abstractmethod
    def assignment(self) -> frozenset[int]:
        """The partitions of the topic this member holds now (empty before
        the first poll has joined the group, or while another member holds
        them all)."""

    @abstractmethod
    def seek(self, partition: int, offset: int) -> None:
        """The next poll reads ``partition`` from ``offset``. Raises
        ValueError when the partition is not held now."""

    @abstractmethod
    def commit(self, offsets: Mapping[int, int]) -> None:
        """Record, for the group, the offset of the next message to read in
        each partition given (partition → offset), before returning: a member
        that takes a partition over later starts there. Raises when the broker
        refuses (the partition is no longer this member's, say)."""

    @abstractmethod
    def committed(self, partition: int) -> int | None:
        """The group's committed offset for ``partition``, or None when the
        group never committed one."""

    @abstractmethod
    def end_offsets(self) -> dict[int, int]:
        """Every partition of the topic, whoever holds it → the offset the
        next message sent to it will take (so the number of messages it has
        had). Empty when the topic does not exist."""

    @abstractmethod
    def close(self) -> None:
        """Leave the group without committing anything; the partitions held
        go to the other members. Closing twice does nothing."""


class Producer(ABC):
    """Sends messages to topics; each ``send`` is acknowledged through its
    future once the broker has the message."""

    @abstractmethod
    def partitions(self, topic: str) -> list[int]:
        """The topic's partitions, in order."""

    @abstractmethod
    def send(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
        partition: int | None = None,
    ) -> Future[Sent]:
        """Send one message to ``partition``, or, when None, to the partition
        its key chooses (one key, one partition: messages with the same key
        stay in order). The future holds where the message went, or the
        error that refused it."""

    @abstractmethod
    def flush(self, timeout: float | None = None) -> None:
        """Wait until every message sent so far is acknowledged or refused."""

    @abstractmethod
    def close(self, timeout: float | None = None) -> None:
        """Flush and release the connection."""


__all__ = ["Consumer", "Producer", "Message", "Sent", "Headers"]
