"""The Kafka port over a real broker, with the kafka-python client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from daemon.kafka.port import Consumer, Message, Producer, Sent


def rebalance(ms: int | None) -> dict[str, int]:
    """Consumer options for a group member's session timeout and max poll
    interval (a broker makes joiners wait for it: keep it small in tests)."""
    return (
        {}
        if not ms
        else {"session_timeout_ms": ms, "max_poll_interval_ms": ms, "heartbeat_interval_ms": max(100, ms // 5)}
    )


class KafkaPythonConsumer(Consumer):
    """A ``KafkaConsumer`` in ``group`` subscribed to ``topic``: offsets are
    committed only when told, and a group without any starts at the earliest
    message. ``options`` go to the client (``rebalance(ms)``, timeouts)."""

    def __init__(self, bootstrap: str, topic: str, group: str, **options: Any):
        from kafka import KafkaConsumer

        self._topic = topic
        self._client = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **options,
        )
        self._client.subscribe([topic])

    @property
    def topic(self) -> str:
        return self._topic

    def _tp(self, partition: int) -> Any:  # kafka.TopicPartition (kafka-python ships no types)
        from kafka import TopicPartition

        return TopicPartition(self._topic, partition)

    def poll(self, timeout: float) -> list[Message]:
        batches = self._client.poll(timeout_ms=int(timeout * 1000))
        return [
            Message(tp.topic, tp.partition, r.offset, r.key, r.value, tuple(r.headers or ()))
            for tp, records in sorted(batches.items())
            for r in records
        ]

    def assignment(self) -> frozenset[int]:
        return frozenset(tp.partition for tp in self._client.assignment() if tp.topic == self._topic)

    def seek(self, partition: int, offset: int) -> None:
        self._client.seek(self._tp(partition), offset)  # ValueError when not assigned

    def commit(self, offsets: Mapping[int, int]) -> None:
        from kafka.structs import OffsetAndMetadata

        self._client.commit({self._tp(p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()})

    def committed(self, partition: int) -> int | None:
        offset = self._client.committed(self._tp(partition))
        return None if offset is None else int(offset)

    def end_offsets(self) -> dict[int, int]:
        tps = [self._tp(p) for p in sorted(self._client.partitions_for_topic(self._topic) or ())]
        if not tps:
            return {}
        return {tp.partition: int(o) for tp, o in self._client.end_offsets(tps).items()}

    def close(self) -> None:
        self._client.close(autocommit=False)


class KafkaPythonProducer(Producer):
    """An idempotent ``KafkaProducer`` (acks from every in-sync replica);
    ``options`` go to the client (timeouts)."""

    def __init__(self, bootstrap: str, **options: Any):
        from kafka import KafkaProducer

        self._client = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", **options)

    def partitions(self, topic: str) -> list[int]:
        return sorted(self._client.partitions_for(topic))

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
        sending = self._client.send(topic, value=value, key=key, headers=list(headers) or None, partition=partition)
        sending.add_callback(lambda md: done.set_result(Sent(md.topic, md.partition, md.offset)))
        sending.add_errback(done.set_exception)
        return done

    def flush(self, timeout: float | None = None) -> None:
        self._client.flush(timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        self._client.close(timeout=timeout)


__all__ = ["KafkaPythonConsumer", "KafkaPythonProducer", "rebalance"]
