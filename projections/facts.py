"""Reading stored events as plain facts for the read model.

The projection needs the fields of each event, not the aggregate machinery:
decoding the stored JSON directly and turning the datetime fields back into
datetimes is several times faster than the mapper, and keys on the stored,
versioned topic. When the log is compressed or encrypted, the mapper is used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Notification

# How an envelope starts in a stored state (the transcoder writes compact JSON;
# the same characters inside a string value would be escaped).
SEALED = b'{"sealed":1,'


class Fact:
    """An event's fields as attributes, plus ``topic``, ``originator_id`` and
    ``originator_version``."""

    def __init__(self, fields: dict[str, Any]):
        self.__dict__.update(fields)


def _fast(note: Notification) -> Fact:
    fields = json.loads(note.state)
    for name, value in fields.items():
        if type(value) is dict and value.get("_type_") == "datetime_iso":
            fields[name] = datetime.fromisoformat(value["_data_"])
    fields["topic"] = note.topic
    fields["originator_id"] = note.originator_id
    fields["originator_version"] = note.originator_version
    return Fact(fields)


def decoder(log) -> Callable[[Notification], Any]:
    """The fastest faithful decoder for this log's stored events. Sealed
    personal fields (events/sealing.py) are opened on the fast path too;
    only the states that hold an envelope are walked."""
    mapper = log.mapper
    if getattr(mapper, "cipher", None) is None and getattr(mapper, "compressor", None) is None:
        sealer = getattr(mapper, "sealer", None)
        if sealer is None:
            return _fast

        def opened(note: Notification) -> Fact:
            fact = _fast(note)
            if SEALED in note.state:
                sealer.open(fact.__dict__)
            return fact

        return opened

    def slow(note: Notification) -> Any:
        event = mapper.to_domain_event(note)
        event.__dict__["topic"] = note.topic
        return event

    return slow


def _decoded(log, position: int, batch: int, topics: list[str] | None) -> Iterator[list[tuple[int, Any]]]:
    """Decoded notifications after ``position``, a batch at a time."""

    def fetch(after: int):
        if topics is None:
            return log.notifications(after, batch)
        return log.recorder.select_notifications(after, batch, topics=topics, inclusive_of_start=False)

    decode = decoder(log)
    while notes := fetch(position):
        yield [(n.id, decode(n)) for n in notes]
        position = notes[-1].id


def visible_chunks(
    log,
    position: int,
    batch: int,
    barrier: str | tuple[str, ...],
    topics: list[str] | None = None,
    until: datetime | None = None,
) -> Iterator[list[tuple[int, Any]]]:
    """(notification id, fact) chunks after ``position``, in log order, that a
    read model may show (domain-rules §11, atomic visibility): stops before the
    ``barrier`` event (an ``ApplyStarted``) of a delivery or import whose
    aggregate is not yet ``applied``, and, with ``until``, before the first fact
    whose effective time is later (``--as-of``). ``topics`` restricts the facts
    read; it must include ``barrier`` (a topic, or several)."""
    barriers = (barrier,) if isinstance(barrier, str) else barrier
    applied: dict[Any, bool] = {}
    for decoded in _decoded(log, position, batch, topics):
        chunk, stop = [], False
        for nid, ev in decoded:
            at = getattr(ev, "at", None)
            if until is not None and at is not None and at > until:
                stop = True
                break
            if ev.topic in barriers:
                aid = ev.originator_id
                if aid not in applied:
                    applied[aid] = log.get(aid).status == "applied"
                if not applied[aid]:
                    stop = True
                    break
            chunk.append((nid, ev))
        if chunk:
            yield chunk
        if stop:
            return
