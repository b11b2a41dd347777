"""Ingesting an AAF delivery (domain-rules §4, §5, §11, §12; formats §1): the
entry of the use case, and what it decides before reading a record.

A delivery is recognised by its fingerprint: one already decided is
answered as it was (``already-<status>``), one interrupted is finished, a
delta behind a held delivery of its scope waits (events/usecases/
aaf_operator.py), and the others are read, staged and decided
(events/usecases/aaf_stage.py) then applied (events/usecases/aaf_apply.py).
Nothing starts while another delivery's apply phase is unfinished. A path
that holds no AAF delivery at all is answered as the CLI and the inbox
answer it (events/usecases/formats.py): rejected, nothing recorded.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from adapters.aaf.files import DeliveryFiles, discover
from adapters.errors import DeliveryRejected
from adapters.sniff import kind_of
from events.delivery import Delivery, delivery_id
from events.upgrade import RULES, Upgrade, upgrade_id
from events.usecases import precedence, siecle_relink
from events.usecases.aaf_apply import apply
from events.usecases.aaf_operator import blocking_delivery, wait
from events.usecases.aaf_ports import IngestWork
from events.usecases.aaf_stage import scan_and_decide
from events.usecases.formats import not_importable
from events.usecases.result import Result


class IngestRefused(Exception):
    """The ingest cannot start (another delivery interrupted, time backwards)."""


def ingest(path: str, uow: IngestWork, now: datetime | None = None, project: bool = True) -> Result:
    """Ingest the AAF delivery at ``path`` (directory, zip or tgz). The facts
    are recorded when this returns; with ``project`` the read model has caught
    up with them and the SIECLE precedence decisions they allow are recorded
    (otherwise the next catch-up and tick, e.g. the daemon's jobs, do it).

    A path that holds no AAF delivery at all (missing, or recognised as
    something else) is answered as the CLI and the inbox answer it
    (events/usecases/formats.py): rejected, with no delivery id, nothing recorded."""
    try:
        files = discover(path)
    except DeliveryRejected as exc:
        result = _reject_unreadable(path, exc, uow, now)
        if not result.delivery_id:
            return result
    else:
        result = _ingest(files, uow, now, str(path))
    return _finish(result, uow, now, project)


def ingest_delivery(files: DeliveryFiles, uow: IngestWork, now: datetime | None = None, project: bool = True) -> Result:
    """Ingest a delivery whose parts come from elsewhere than files on disk
    (``files.records(part)``, e.g. received from Kafka); same rules, same ids."""
    return _finish(_ingest(files, uow, now, files.source), uow, now, project)


def _finish(result: Result, uow: IngestWork, now: datetime | None, project: bool) -> Result:
    if project:
        uow.projection.catch_up(uow.log)
        if result.status in ("applied", "already-applied"):
            # New accounts may be the ones SIECLE records were waiting for
            # (domain-rules §11); a relink a crash interrupted is run now.
            at = uow.effective_now(now)
            siecle_relink.follow_up(uow, at)
            precedence.apply(uow, at)
    return result


def reread_fingerprint(fingerprint: str, rules: int = RULES) -> str:
    """The fingerprint of the re-read of a delivery by the rules generation
    whose upgrade listed it (events/usecases/upgrade.py): one re-read per
    delivery and rules generation."""
    return hashlib.sha256(f"reread:rules-{rules}\0{fingerprint}".encode()).hexdigest()


def _reread_due(uow: IngestWork, did: str) -> int | None:
    """The rules generation whose upgrade listed this applied delivery to read
    again (the newest; an upgrade from a later generation lists none), or None."""
    for rules in range(RULES, 1, -1):
        upgrade: Upgrade | None = uow.log.find(upgrade_id(rules))
        if upgrade is not None and any(r["delivery_id"] == did for r in upgrade.reread):
            return rules
    return None


def _ingest(files: DeliveryFiles, uow: IngestWork, now: datetime | None, source: str) -> Result:
    did = delivery_id(files.fingerprint)
    existing: Delivery | None = uow.log.find(did)
    check_interrupted(uow, str(did))
    kind, fingerprint = files.kind, files.fingerprint
    if existing is not None and existing.status == "applied" and (listed := _reread_due(uow, str(did))):
        # Read again by this release's rules: what an earlier release rejected (events/usecases/upgrade.py).
        kind, fingerprint = "reread", reread_fingerprint(files.fingerprint, listed)
        did = delivery_id(fingerprint)
        existing = uow.log.find(did)
        check_interrupted(uow, str(did))
    if existing is not None:
        if existing.status == "applying":
            return apply(existing, uow)
        if existing.status == "waiting":
            return Result(
                "aaf",
                "waiting",
                delivery_id=str(did),
                reason="behind_held_delivery",
                message=f"this delivery already waits behind held delivery {existing.waiting_behind}; nothing recorded",
            )
        if existing.status != "received":  # received = interrupted in phase 1: scan again
            if existing.status in ("applied", "rejected"):
                uow.staging.clear(str(did))  # a crash may have left it after the last event
                uow.projection.catch_up(uow.log)
            reason = getattr(existing, "reject_reason", "") if existing.status == "rejected" else existing.hold_reason
            return Result(
                "aaf",
                f"already-{existing.status}",
                delivery_id=str(did),
                reason=reason,
                message=f"this delivery was already ingested ({existing.status}); nothing recorded",
            )
        delivery = existing
    else:
        at = uow.effective_now(now)
        delivery = Delivery(
            fingerprint=fingerprint,
            source=source,
            kind=kind,
            date=files.date,
            prefix=files.prefix,
            files=[
                {"name": p.name, "category": p.category, "part": p.part, "sha256": p.sha256, "size": p.size}
                for p in files.parts
            ],
            at=at,
        )
        uow.log.save(delivery)
    if kind == "delta":
        uow.projection.catch_up(uow.log)
        behind = blocking_delivery(uow, str(did), files.prefix)
        if behind is not None:
            return wait(files, delivery, behind, uow)
    return scan_and_decide(files, delivery, uow)


def check_interrupted(uow: IngestWork, current: str) -> None:
    """Refuse to start while another delivery's apply phase is unfinished."""
    for other in uow.staging.interrupted():
        if other.delivery_id == current:
            continue
        status = getattr(uow.log.delivery(other.delivery_id), "status", None)
        if status == "applying":
            raise IngestRefused(
                f"delivery {other.delivery_id} ({other.source}) was interrupted while applying; "
                f"ingest it again to finish it before anything else"
            )
        uow.staging.clear(other.delivery_id)  # finished or never started: leftover working rows


def _reject_unreadable(path: str, exc: DeliveryRejected, uow: IngestWork, now: datetime | None) -> Result:
    """A delivery that cannot be listed is recorded as rejected — when it is
    an AAF delivery, even a broken one. What is no AAF delivery at all gets
    the shared answer and nothing is recorded: a bogus delivery would stay
    for ever and move the store's clock (issue 9)."""
    kind = kind_of(path)
    if kind != "aaf":
        refused = not_importable(path, kind)
        return Result("aaf", "rejected", reason=refused.reason, message=refused.line())
    fingerprint = hashlib.sha256(f"unreadable\0{path}\0{exc.reason}".encode()).hexdigest()
    did = delivery_id(fingerprint)
    if uow.log.find(did) is not None:
        return Result("aaf", "already-rejected", delivery_id=str(did), reason=exc.reason, message=str(exc))
    at = uow.effective_now(now)
    delivery = Delivery(fingerprint=fingerprint, source=str(path), kind="unknown", date="", prefix="", files=[], at=at)
    delivery.reject(exc.reason, exc.message, at, file=exc.file, line=exc.line)
    uow.log.save(delivery)
    uow.projection.catch_up(uow.log)
    return Result("aaf", "rejected", delivery_id=str(did), reason=exc.reason, message=str(exc))
