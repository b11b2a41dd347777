"""The Kafka port in memory: a ``LocalBroker`` with its consumers and
producers, for tests that need no server (it passes the same contract test
as the kafka-python backend, tests/kafka_contract.py).

The group protocol is the simplest that honours the port: the earliest
member of a group still open holds all the topic's partitions; when it
closes, the next one takes them over at the group's committed offsets.
Nothing waits: a poll returns what is there, at once.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Future

from daemon.kafka.port import Consumer, Message, Producer, Sent


class LocalBroker:
    """Topics (lists of partitions, lists of messages) and the groups'
    members and committed offsets. A topic is created with
    ``create_topic``, or on the first send to it with ``default_partitions``."""

    def __init__(self, default_partitions: int = 1, max_poll_records: int = 500):
        self.default_partitions, self.max_poll_records = default_partitions, max_poll_records
        self.lock = threading.RLock()
        self.topics: dict[str, list[list[Message]]] = {}
        self.members: dict[str, list[LocalConsumer]] = {}  # group → open members, in joining order
        self.offsets: dict[tuple[str, str, int], int] = {}  # (group, topic, partition) → committed offset

    def create_topic(self, topic: str, partitions: int) -> None:
        with self.lock:
            if topic in self.topics:
                raise ValueError(f"topic {topic!r} exists")
            self.topics[topic] = [[] for _ in range(partitions)]

    def consumer(self, topic: str, group: str) -> LocalConsumer:
        return LocalConsumer(self, topic, group)

    def producer(self) -> LocalProducer:
        return LocalProducer(self)

    def _partitions(self, topic: str, create: bool = False) -> list[list[Message]]:
        if topic not in self.topics and create:
            self.topics[topic] = [[] for _ in range(self.default_partitions)]
        return self.topics.get(topic, [])

    def _holder(self, group: str, topic: str) -> LocalConsumer | None:
        return next((m for m in self.members.get(group, []) if m.topic == topic), None)


class LocalConsumer(Consumer):
    def __init__(self, broker: LocalBroker, topic: str, group: str):
        self.broker, self.group, self._topic = broker, group, topic
        self._positions: dict[int, int] = {}  # of the partitions held, once taken over
        self._closed = False
        with broker.lock:
            broker.members.setdefault(group, []).append(self)

    @property
    def topic(self) -> str:
        return self._topic

    def _held(self) -> frozenset[int]:
        """The partitions held now; those newly held start at the committed offset."""
        b = self.broker
        if self._closed or b._holder(self.group, self._topic) is not self:
            self._positions.clear()
            return frozenset()
        for p in range(len(b._partitions(self._topic))):
            if p not in self._positions:
                self._positions[p] = b.offsets.get((self.group, self._topic, p), 0)
        return frozenset(self._positions)

    def poll(self, timeout: float) -> list[Message]:
        b = self.broker
        with b.lock:
            out: list[Message] = []
            for p in sorted(self._held()):
                log = b.topics[self._topic][p]
                batch = log[self._positions[p] : self._positions[p] + b.max_poll_records - len(out)]
                self._positions[p] += len(batch)
                out.extend(batch)
            return out

    def assignment(self) -> frozenset[int]:
        with self.broker.lock:
            return self._held()

    def seek(self, partition: int, offset: int) -> None:
        if offset < 0:
            raise ValueError("an offset is >= 0")
        with self.broker.lock:
            if partition not in self._held():
                raise ValueError(f"partition {partition} of {self._topic} is not held by this member")
            self._positions[partition] = offset

    def commit(self, offsets: Mapping[int, int]) -> None:
        with self.broker.lock:
            held = self._held()
            foreign = sorted(set(offsets) - held)
            if foreign:
                raise RuntimeError(f"partitions {foreign} of {self._topic} are not held by this member")
            for p, o in offsets.items():
                self.broker.offsets[(self.group, self._topic, p)] = o

    def committed(self, partition: int) -> int | None:
        with self.broker.lock:
            return self.broker.offsets.get((self.group, self._topic, partition))

    def end_offsets(self) -> dict[int, int]:
        with self.broker.lock:
            return {p: len(log) for p, log in enumerate(self.broker._partitions(self._topic))}

    def close(self) -> None:
        with self.broker.lock:
            if not self._closed:
                self._closed = True
                self._positions.clear()
                self.broker.members[self.group].remove(self)


class LocalProducer(Producer):
    def __init__(self, broker: LocalBroker):
        self.broker = broker
        self._round = 0  # where the next message without a key goes

    def partitions(self, topic: str) -> list[int]:
        with self.broker.lock:
            return list(range(len(self.broker._partitions(topic, create=True))))

    def send(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
        partition: int | None = None,
    ) -> Future[Sent]:
        done: Future[Sent] = Future()
        with self.broker.lock:
            logs = self.broker._partitions(topic, create=True)
            if partition is None:
                if key is None:
                    partition, self._round = self._round % len(logs), self._round + 1
                else:
                    partition = zlib.crc32(key) % len(logs)
            if not 0 <= partition < len(logs):
                done.set_exception(ValueError(f"{topic} has no partition {partition}"))
                return done
            log = logs[partition]
            log.append(Message(topic, partition, len(log), key, value, tuple(headers)))
            done.set_result(Sent(topic, partition, len(log) - 1))
        return done

    def flush(self, timeout: float | None = None) -> None:
        """Every send is acknowledged when it returns: nothing to wait for."""

    def close(self, timeout: float | None = None) -> None:
        """Nothing to release."""


__all__ = ["LocalBroker", "LocalConsumer", "LocalProducer"]
