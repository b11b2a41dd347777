"""The distributed mode (issue 4): AAF deliveries through Kafka.

``publish`` (on the host that receives deliveries) sends a delivery to the
deliveries topic: a ``begin`` marker on every partition (the delivery's
manifest: files, parts, checksums), then every record keyed by
``category:jointure`` so that one person's records stay ordered in one
partition, then an ``end`` marker on every partition with the number of
records sent to it.

``DeliveryConsumer`` (one per daemon, all daemons in one consumer group)
stores what it consumes in the shared store, in one transaction with the
consumed offsets: a message delivered again changes nothing, and a daemon
that takes over a partition resumes from the store's position, whatever
Kafka's committed offset says. When every partition's ``end`` marker and all
its records are stored, one daemon (an advisory lock on PostgreSQL) rebuilds
the delivery from the store and ingests it with the usual rules
(``events.usecases.intake.dispatch``, to the AAF ingest): coverage, brakes and
departures need the whole delivery; the ids are those of the same files
ingested directly.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from adapters.aaf.files import PartFile, RecordedDelivery, discover
from daemon.bootstrap import Context
from daemon.kafka.port import Consumer, Producer
from events.delivery import delivery_id
from events.usecases.intake import dispatch
from events.usecases.result import Result
from projections.kafka_inbound import InboundMessage


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------------------------- publishing
def publish(path: str, producer: Producer, topic: str, timeout: float = 60) -> dict[str, Any]:
    """Send the AAF delivery at ``path``; returns what was sent. Raises
    DeliveryRejected when it cannot be read (nothing, or an ``abort`` marker,
    is sent then)."""
    files = discover(path)
    partitions = producer.partitions(topic)
    fingerprint = files.fingerprint
    manifest = {
        "source": files.source,
        "kind": files.kind,
        "date": files.date,
        "prefix": files.prefix,
        "parts": [
            {
                "name": p.name,
                "category": p.category,
                "part": p.part,
                "member": p.member,
                "sha256": p.sha256,
                "size": p.size,
            }
            for p in files.parts
        ],
    }
    marker_key = f"delivery:{fingerprint}".encode()
    for p in partitions:
        producer.send(
            topic,
            key=marker_key,
            partition=p,
            value=_json(
                {"type": "begin", "delivery": fingerprint, "manifest": manifest, "partitions": len(partitions)}
            ),
        )
    futures = []
    seq = 0
    try:
        for category in files.categories():
            for part in files.parts_of(category):
                for raw in files.records(part):
                    futures.append(
                        producer.send(
                            topic,
                            key=f"{category}:{raw.id}".encode(),
                            value=_json(
                                {
                                    "type": "record",
                                    "delivery": fingerprint,
                                    "seq": seq,
                                    "part": part.name,
                                    "line": raw.line,
                                    "op": raw.op,
                                    "category": raw.category,
                                    "id": raw.id,
                                    "attrs": raw.attrs,
                                    "unsupported": list(raw.unsupported),
                                }
                            ),
                        )
                    )
                    seq += 1
        producer.flush(timeout=timeout)
        sent = Counter(f.result(timeout=timeout).partition for f in futures)
    except Exception:
        for p in partitions:  # the consumers drop what they stored of it
            producer.send(topic, key=marker_key, partition=p, value=_json({"type": "abort", "delivery": fingerprint}))
        producer.flush(timeout=timeout)
        raise
    for p in partitions:
        producer.send(
            topic,
            key=marker_key,
            partition=p,
            value=_json({"type": "end", "delivery": fingerprint, "records": sent[p], "total": seq}),
        )
    producer.flush(timeout=timeout)
    return {"delivery_id": str(delivery_id(fingerprint)), "records": seq, "partitions": len(partitions)}


# ---------------------------------------------------------------------------------------------- consuming
class DeliveryConsumer:
    """One daemon's consumer of the deliveries topic (see the module's doc).
    What it consumes is kept through the context's ``kafka_inbound``
    (projections/kafka_inbound.py), whose tables the composition root
    creates with the store's schema: constructing it has no side effect."""

    def __init__(self, ctx: Context, consumer: Consumer):
        self.ctx, self.consumer, self.topic = ctx, consumer, consumer.topic
        self.inbound = ctx.kafka_inbound
        self._assigned: frozenset[int] = frozenset()
        self.stored = 0  # messages stored by the last poll

    def position(self, partition: int) -> int | None:
        return self.inbound.position(self.topic, partition)

    def _seek_new_partitions(self) -> None:
        assigned = self.consumer.assignment()
        for p in sorted(assigned - self._assigned):
            stored = self.position(p)
            if stored is not None:  # resume from the store, not from Kafka's committed offset
                self.consumer.seek(p, stored + 1)
        self._assigned = assigned

    def poll(self, timeout_ms: int = 1000, now: datetime | None = None) -> list[Result]:
        """Consume what is there, store it, ingest the deliveries it completes.
        Kafka's offsets are committed after the store's commit (the commit
        point ``kafka.stored`` lies between the two): a member that dies
        between them leaves Kafka's offsets behind, and the member that takes
        its partitions over starts from the store's position instead."""
        self._seek_new_partitions()
        messages: list[InboundMessage] = []
        ends: set[str] = set()
        polled: dict[int, int] = {}
        stored: dict[int, int | None] = {}
        for m in self.consumer.poll(timeout_ms / 1000):
            polled[m.partition] = m.offset + 1
            if m.partition not in stored:
                stored[m.partition] = self.position(m.partition)
            at = stored[m.partition]
            if at is not None and m.offset <= at:
                continue  # already in the store: a redelivery changes nothing
            body = json.loads(m.value)
            messages.append(
                InboundMessage(
                    m.partition, m.offset, body["delivery"], body["type"], body.get("seq", -1), m.value.decode()
                )
            )
            if body["type"] in ("end", "abort"):
                ends.add(body["delivery"])
        self.stored = len(messages)
        if messages:
            self.inbound.store(self.topic, messages)  # one transaction with the store's positions
            self.ctx.faults.reached("kafka.stored")
            self.consumer.commit(polled)  # Kafka's offsets only help a new consumer start near the store's
        results = []
        for fingerprint in sorted(ends | self.pending()):
            result = self.complete(fingerprint, now)
            if result is not None:
                results.append(result)
        return results

    def backlog(self) -> int:
        """Messages of the topic not in the store yet, on every partition,
        whoever holds it: what the group still has to read. The store's
        position is the truth (a member that died after its store commit and
        before Kafka's left its messages stored)."""
        left = 0
        for p, end in sorted(self.consumer.end_offsets().items()):
            stored = self.position(p)
            left += max(0, end - (stored + 1 if stored is not None else 0))
        return left

    def pending(self) -> set[str]:
        """Deliveries whose end markers are stored, not yet ingested (a peer
        that died while ingesting one leaves it here for the others)."""
        return self.inbound.ended(self.topic)

    def complete(self, fingerprint: str, now: datetime | None = None) -> Result | None:
        """Ingest the delivery if all of it is stored and no other daemon is at it."""
        with self.inbound.claim(fingerprint) as mine:
            if not mine:
                return None
            markers = self.inbound.markers(self.topic, fingerprint)
            if any(m.kind == "abort" for m in markers):
                self._forget(fingerprint)
                return None
            begin = next((json.loads(m.payload) for m in markers if m.kind == "begin"), None)
            ends = {m.partition: json.loads(m.payload)["records"] for m in markers if m.kind == "end"}
            if begin is None or len(ends) < begin["partitions"]:
                return None
            stored = self.inbound.record_counts(self.topic, fingerprint)
            if any(stored.get(p, 0) != n for p, n in ends.items()):
                return None
            by_part: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for payload in self.inbound.records(self.topic, fingerprint):
                r = json.loads(payload)
                by_part[r["part"]].append(r)
            m = begin["manifest"]
            files = RecordedDelivery(
                source=m["source"],
                container="kafka",
                kind=m["kind"],
                date=m["date"],
                prefix=m["prefix"],
                parts=[PartFile(**p) for p in m["parts"]],
                by_part=by_part,
            )
            assert files.fingerprint == fingerprint, "the manifest does not give the delivery's fingerprint"
            result = dispatch(files, self.ctx, now)
            if result.status != "received":
                self._forget(fingerprint)
            return result

    def _forget(self, fingerprint: str) -> None:
        self.inbound.forget(self.topic, fingerprint)  # the positions stay: they are the store's


__all__ = ["publish", "DeliveryConsumer"]
