"""Domain events published to Kafka for downstream ENT services (issue 4).

Events go out in the log's notification order, and only once they are
visible (domain-rules §11, atomic visibility: nothing of a delivery or a
SIECLE import before its ``Applied``). Each message is keyed by the stream
id, so one account's events stay ordered in one partition, and carries the
event's id and version, so that a consumer can deduplicate: the producer is
idempotent, and the position is recorded after the broker has acknowledged a
batch, so a crash between the two sends that batch again (at least once,
never lost, never reordered within a stream).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from daemon.bootstrap import Context
from daemon.kafka.port import Producer
from events.delivery import Delivery
from events.siecle.intake import SiecleImport
from projections import facts
from projections.schema import iso

BARRIERS = (Delivery.ApplyStarted.TOPIC, SiecleImport.ApplyStarted.TOPIC)
SCHEMA = "entsync.event.v1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, (UUID, date)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def message(position: int, fact: Any) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of one event."""
    fields = {k: v for k, v in vars(fact).items() if k not in ("topic", "originator_id", "originator_version")}
    stream = str(fact.originator_id)
    body = {
        "schema": SCHEMA,
        "id": stream,
        "version": fact.originator_version,
        "topic": fact.topic,
        "position": position,
        "event": fields,
    }
    value = json.dumps(body, default=_plain, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    headers = [
        ("entsync-event-id", f"{stream}:{fact.originator_version}".encode()),
        ("entsync-topic", fact.topic.encode()),
    ]
    return stream.encode(), value, headers


class Outbound:
    """Publishes the visible events after the recorded position to ``topic``."""

    def __init__(self, ctx: Context, producer: Producer, topic: str):
        self.ctx, self.producer, self.topic = ctx, producer, topic
        self.name = f"outbound:{topic}"

    def position(self) -> int:
        return self.ctx.outbound_positions.position(self.name)

    def publish(self, batch: int = 1000, timeout: float = 30) -> int:
        """Send everything visible and not yet sent; returns how many events."""
        sent = 0
        for chunk in facts.visible_chunks(self.ctx.log, self.position(), batch, BARRIERS):
            futures = [
                self.producer.send(self.topic, value, key=key, headers=headers)
                for key, value, headers in (message(nid, fact) for nid, fact in chunk)
            ]
            self.producer.flush(timeout=timeout)
            for f in futures:
                f.result(timeout=timeout)  # raises if the broker refused one: the position stays
            self.ctx.outbound_positions.record(self.name, chunk[-1][0])
            sent += len(chunk)
        return sent


__all__ = ["Outbound", "message", "BARRIERS"]
