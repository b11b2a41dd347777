"""A held AAF delivery and the deltas behind it (domain-rules §12): the
operator releases a held delivery (applied as staged) or rejects it (nothing
of it applied); a delta of its scope that came meanwhile waits, its records
kept in the staging area, and is decided in the order it came once nothing
holds it any more.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from adapters.aaf.files import DeliveryFiles, PartFile, RecordedDelivery
from adapters.errors import DeliveryRejected
from events.delivery import Delivery
from events.usecases.aaf_apply import start_apply
from events.usecases.aaf_ports import IngestWork
from events.usecases.aaf_stage import scan_and_decide
from events.usecases.brake_check import scope_of, scopes_meet
from events.usecases.result import Result


def release(delivery: Delivery, operator: str, uow: IngestWork, now: datetime | None = None) -> Result:
    """Apply a held delivery as staged: the operator lifted the hold."""
    delivery.release(operator, uow.effective_now(now))
    uow.log.save(delivery)
    result = start_apply(delivery, uow, None)
    uow.projection.catch_up(uow.log)
    result.followed = resume_waiting(uow)
    return result


def reject(delivery: Delivery, operator: str, uow: IngestWork, now: datetime | None = None) -> list[Result]:
    """Refuse a held (or waiting) delivery: nothing of it is applied. Returns
    what became of the deltas that waited behind it."""
    delivery.reject(
        "operator_rejected", "rejected by an operator after a hold", uow.effective_now(now), operator=operator
    )
    uow.log.save(delivery)
    uow.staging.clear(str(delivery.id))
    uow.staging.unpark(str(delivery.id))
    uow.projection.catch_up(uow.log)
    return resume_waiting(uow)


def blocking_delivery(uow: IngestWork, did: str, prefix: str) -> str | None:
    """The held delivery a delta of ``prefix``'s scope must wait behind
    (domain-rules §12): a held delivery of the scope, or the one the
    earlier waiting deltas of the scope wait for (they keep their order)."""
    scope = scope_of(prefix)
    for other in uow.ingest_queries.blocking(did):
        if scopes_meet(scope, scope_of(other.prefix)):
            if other.status == "held" or other.behind is None:
                return other.delivery_id
            return other.behind
    return None


def wait(files: DeliveryFiles, delivery: Delivery, behind: str, uow: IngestWork) -> Result:
    """Keep the delta's records and record that it waits: nothing applied."""
    did, at = str(delivery.id), delivery.received_at
    try:
        n = uow.staging.park(
            did, (r for c in files.categories() for part in files.parts_of(c) for r in files.records(part))
        )
    except DeliveryRejected as exc:
        uow.staging.unpark(did)
        delivery.reject(exc.reason, exc.message, at, file=exc.file, line=exc.line)
        uow.log.save(delivery)
        uow.projection.catch_up(uow.log)
        return Result("aaf", "rejected", delivery_id=did, reason=exc.reason, message=str(exc))
    delivery.wait_behind(behind, at)
    uow.log.save(delivery)
    uow.projection.catch_up(uow.log)
    return Result(
        "aaf",
        "waiting",
        delivery_id=did,
        reason="behind_held_delivery",
        message=f"held delivery {behind} blocks the deltas of its scope: this one ({n} records kept) is "
        f"applied in order once it is released or rejected (`entsync deliveries show {behind}`)",
        counts={"records": n},
    )


def resume_waiting(uow: IngestWork) -> list[Result]:
    """Decide, in the order they came, the deltas no held delivery blocks
    any more (after a release or a rejection)."""
    results = []
    uow.projection.catch_up(uow.log)
    for did in uow.ingest_queries.waiting():
        delivery = uow.log.delivery(did)
        assert delivery is not None  # the read model lists the deliveries the log holds
        if blocking_delivery(uow, did, delivery.prefix) is not None:
            continue  # still behind a held delivery (perhaps one that waited before it)
        result = scan_and_decide(_parked(delivery, uow), delivery, uow)
        uow.staging.unpark(did)
        results.append(result)
        uow.projection.catch_up(uow.log)
    return results


def _parked(delivery: Delivery, uow: IngestWork) -> RecordedDelivery:
    """The waiting delta as it was read, from the records kept for it."""
    did = str(delivery.id)
    by_part: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in delivery.files:
        for r in uow.staging.parked(did, f["name"]):
            by_part[f["name"]].append(
                {
                    "line": r.line,
                    "op": r.op,
                    "category": r.category,
                    "id": r.id,
                    "attrs": r.attrs,
                    "unsupported": r.unsupported,
                }
            )
    return RecordedDelivery(
        source=delivery.source,
        container="parked",
        kind=delivery.kind,
        date=delivery.date,
        prefix=delivery.prefix,
        parts=[
            PartFile(f["name"], f["category"], f["part"], f["name"], f["sha256"], f["size"]) for f in delivery.files
        ],
        by_part=dict(by_part),
    )
