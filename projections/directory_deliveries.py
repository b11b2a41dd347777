"""The directory projection's folding of the AAF deliveries (projections/
directory.py): their status, counts and details, the records they rejected
and the fields they set aside."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import derive
from events.delivery import Delivery
from projections.directory_batch import Batch
from projections.schema import iso


def received(b: Batch, ev: Delivery.Received) -> None:
    did = str(ev.originator_id)
    b.put(
        "deliveries",
        did,
        {
            "delivery_id": did,
            "fingerprint": ev.fingerprint,
            "source": ev.source,
            "kind": ev.kind,
            "date": ev.date,
            "prefix": ev.prefix,
            "status": "received",
            "received_at": iso(ev.at),
            "finished_at": None,
            "reason": "",
            "details": "{}",
            "rejected_records": 0,
            "counts": "{}",
        },
    )


def _delivery(b: Batch, ev: Any) -> dict:
    row = b.load("deliveries", str(ev.originator_id))
    if row is None:
        raise LookupError(f"event for unknown delivery {ev.originator_id}")
    return row


def record_rejected(b: Batch, ev: Delivery.RecordRejected) -> None:
    row = _delivery(b, ev)
    row["rejected_records"] += 1
    b.rejections.append(
        (
            row["delivery_id"],
            row["rejected_records"],
            ev.reason,
            ev.file,
            ev.line,
            ev.record_id,
            ev.field,
            ev.message,
        )
    )


def records_rejected(b: Batch, ev: Any) -> None:
    row = _delivery(b, ev)
    for reason, file, line, record_id, field, message in ev.rejections:
        row["rejected_records"] += 1
        b.rejections.append(
            (row["delivery_id"], row["rejected_records"], reason, file, line, record_id, field, message)
        )


def field_set_aside(b: Batch, ev: Any) -> None:
    did = _delivery(b, ev)["delivery_id"]
    b.put(
        "delivery_set_asides",
        (did, ev.record_id, ev.field),
        {
            "delivery_id": did,
            "record_id": ev.record_id,
            "field": ev.field,
            "reason": ev.reason,
            "file": ev.file,
            "line": ev.line,
            "message": ev.message,
        },
    )


def held(b: Batch, ev: Delivery.Held) -> None:
    _delivery(b, ev).update(status="held", reason=ev.reason, details=derive.dumps(ev.details))


def waiting(b: Batch, ev: Delivery.Waiting) -> None:
    _delivery(b, ev).update(
        status="waiting", reason="behind_held_delivery", details=derive.dumps({"behind": ev.behind})
    )


def set_status(status: str) -> Callable[[Batch, Any], None]:
    def handler(b: Batch, ev: Any) -> None:
        _delivery(b, ev)["status"] = status

    return handler


def rejected(b: Batch, ev: Delivery.Rejected) -> None:
    _delivery(b, ev).update(
        status="rejected",
        reason=ev.reason,
        finished_at=iso(ev.at),
        details=derive.dumps({"message": ev.message, "file": ev.file, "line": ev.line, "operator": ev.operator}),
    )


def applied(b: Batch, ev: Delivery.Applied) -> None:
    _delivery(b, ev).update(status="applied", finished_at=iso(ev.at), counts=derive.dumps(ev.counts))
