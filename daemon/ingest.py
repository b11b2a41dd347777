"""Ingesting an AAF delivery: the service that joins the adapter, the event
log and the read model (domain-rules §4, §5, §11; formats §1).

Phase 1 reads every part once, compares each record's digest with the read
model's (an unchanged record costs a hash, no aggregate load, no event),
validates what changed and stages it. Then coverage and the mass-departure
brake decide: reject, hold, or apply. Phase 2 turns the staged rows into
events in batches; its effects become visible when ``Applied`` is recorded.
A crash in phase 1 leaves nothing but the ``Received`` event; a crash in
phase 2 is resumed by ingesting the same delivery again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from adapters.aaf.files import CATEGORIES, DeliveryFiles, PartFile, RecordedDelivery, discover
from adapters.aaf.parser import RawRecord, by_version
from adapters.aaf.records import examine
from adapters.errors import DeliveryRejected, Rejection, SetAside
from adapters.plausibility import reference_day
from adapters.sniff import kind_of
from daemon.bootstrap import Context
from daemon.formats import not_importable
from daemon.scan import record_digest, summaries
from events.account import Account, NewAccounts, account_id
from events.delivery import Delivery, delivery_id
from events.policy import Policy
from events.rules import creation_due, removal_with_notice
from events.structure import SourceRecord, record_id
from events.upgrade import upgrade_id
from events.usecases import precedence, siecle_relink
from events.usecases.brake_check import brake_check, describe_brake, scope_of, scopes_meet
from projections.directory import RULES

PERSONS = ("Eleve", "PersRelEleve", "PersEducNat")
BATCH = 1000
# The staged op of a modifyRequest for a record the directory does not know.
ARRIVAL = "arrival"


class IngestRefused(Exception):
    """The ingest cannot start (another delivery interrupted, time backwards)."""


@dataclass
class IngestResult:
    delivery_id: str
    status: str  # applied | held | waiting | rejected | already-<status>
    reason: str = ""
    message: str = ""
    counts: dict = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    # Fields of kept records set aside for implausible values (domain-rules §12).
    set_aside: list[SetAside] = field(default_factory=list)
    # The deltas that waited behind this delivery, decided once it was released.
    followed: list[IngestResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 applied, 2 rejected, held or waiting, 3 applied with some records rejected."""
        if self.status in ("applied", "already-applied"):
            return 3 if self.rejections and self.status == "applied" else 0
        return 2


# Rejected records written per event (Delivery.RecordsRejected): compact, and
# small enough for a delivery's stream to stay quick to load.
REJECTIONS_PER_EVENT = 500


@dataclass
class _Scan:
    staged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: Counter = field(default_factory=Counter)
    delivered_structures: dict[str, str] = field(default_factory=dict)  # SJ → UAI
    person_category: dict[str, str] = field(default_factory=dict)  # jointure → category, this delivery
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (category, jointure) a delta deletes


class _Index:
    """What the read model knows of each source record: digest and presence."""

    def __init__(self, ctx: Context, categories: list[str]):
        self.rows: dict[str, tuple[str, int]] = {}
        self.person_category: dict[str, str] = {}
        db = ctx.db
        for cat, jointure, digest, present in db.query("SELECT category, jointure, digest, present FROM records"):
            if cat in categories:
                self.rows[f"{cat}:{jointure}"] = (digest, present)
            if cat in PERSONS:
                self.person_category[jointure] = cat

    def get(self, category: str, jointure: str) -> tuple[str, int] | None:
        return self.rows.get(f"{category}:{jointure}")


def ingest(path: str, ctx: Context, now: datetime | None = None, project: bool = True) -> IngestResult:
    """Ingest the AAF delivery at ``path`` (directory, zip or tgz). The facts
    are recorded when this returns; with ``project`` the read model has caught
    up with them and the SIECLE precedence decisions they allow are recorded
    (otherwise the next catch-up and tick, e.g. the daemon's jobs, do it).

    A path that holds no AAF delivery at all (missing, or recognised as
    something else) is answered as the CLI and the inbox answer it
    (daemon/formats.py): rejected, with no delivery id, nothing recorded."""
    try:
        files = discover(path)
    except DeliveryRejected as exc:
        result = _reject_unreadable(path, exc, ctx, now)
        if not result.delivery_id:
            return result
    else:
        result = _ingest(files, ctx, now, str(path))
    return _finish(result, ctx, now, project)


def ingest_delivery(
    files: DeliveryFiles, ctx: Context, now: datetime | None = None, project: bool = True
) -> IngestResult:
    """Ingest a delivery whose parts come from elsewhere than files on disk
    (``files.records(part)``, e.g. received from Kafka); same rules, same ids."""
    return _finish(_ingest(files, ctx, now, files.source), ctx, now, project)


def _finish(result: IngestResult, ctx: Context, now: datetime | None, project: bool) -> IngestResult:
    if project:
        ctx.projection.catch_up(ctx.log)
        if result.status in ("applied", "already-applied"):
            # New accounts may be the ones SIECLE records were waiting for
            # (domain-rules §11); a relink a crash interrupted is run now.
            at = ctx.effective_now(now)
            siecle_relink.follow_up(ctx, at)
            precedence.apply(ctx, at)
    return result


def reread_fingerprint(fingerprint: str) -> str:
    """The fingerprint of the re-read of a delivery by this release's rules
    (daemon/upgrade.py): one re-read per delivery and rules generation."""
    return hashlib.sha256(f"reread:rules-{RULES}\0{fingerprint}".encode()).hexdigest()


def _reread_due(ctx: Context, did: str) -> bool:
    """Whether the upgrade to this release's rules listed this applied delivery to read again."""
    upgrade = ctx.log.find(upgrade_id(RULES))
    return upgrade is not None and any(r["delivery_id"] == did for r in upgrade.reread)


def _ingest(files: DeliveryFiles, ctx: Context, now: datetime | None, source: str) -> IngestResult:
    did = delivery_id(files.fingerprint)
    existing = ctx.log.find(did)
    check_interrupted(ctx, str(did))
    kind, fingerprint = files.kind, files.fingerprint
    if existing is not None and existing.status == "applied" and _reread_due(ctx, str(did)):
        # Read again by this release's rules: what an earlier release rejected (daemon/upgrade.py).
        kind, fingerprint = "reread", reread_fingerprint(files.fingerprint)
        did = delivery_id(fingerprint)
        existing = ctx.log.find(did)
        check_interrupted(ctx, str(did))
    if existing is not None:
        if existing.status == "applying":
            return _apply(existing, ctx)
        if existing.status == "waiting":
            return IngestResult(
                str(did),
                "waiting",
                "behind_held_delivery",
                f"this delivery already waits behind held delivery {existing.waiting_behind}; nothing recorded",
            )
        if existing.status != "received":  # received = interrupted in phase 1: scan again
            if existing.status in ("applied", "rejected"):
                ctx.staging.clear(str(did))  # a crash may have left it after the last event
                ctx.projection.catch_up(ctx.log)
            reason = getattr(existing, "reject_reason", "") if existing.status == "rejected" else existing.hold_reason
            return IngestResult(
                str(did),
                f"already-{existing.status}",
                reason,
                f"this delivery was already ingested ({existing.status}); nothing recorded",
            )
        delivery = existing
    else:
        at = ctx.effective_now(now)
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
        ctx.log.save(delivery)
    if kind == "delta":
        ctx.projection.catch_up(ctx.log)
        behind = blocking_delivery(ctx, str(did), files.prefix)
        if behind is not None:
            return _wait(files, delivery, behind, ctx)
    return _scan_and_decide(files, delivery, ctx)


def blocking_delivery(ctx: Context, did: str, prefix: str) -> str | None:
    """The held delivery a delta of ``prefix``'s scope must wait behind
    (domain-rules §12): a held delivery of the scope, or the one the
    earlier waiting deltas of the scope wait for (they keep their order)."""
    scope = scope_of(prefix)
    for other, other_prefix, status, details in ctx.db.query(
        "SELECT delivery_id, prefix, status, details FROM deliveries WHERE status IN ('held', 'waiting') "
        "AND delivery_id <> ? ORDER BY received_at, delivery_id",
        (did,),
    ):
        if scopes_meet(scope, scope_of(other_prefix)):
            return other if status == "held" else json.loads(details).get("behind", other)
    return None


def _wait(files: DeliveryFiles, delivery: Delivery, behind: str, ctx: Context) -> IngestResult:
    """Keep the delta's records and record that it waits: nothing applied."""
    did, at = str(delivery.id), delivery.received_at
    try:
        n = ctx.staging.park(
            did, (r for c in files.categories() for part in files.parts_of(c) for r in files.records(part))
        )
    except DeliveryRejected as exc:
        ctx.staging.unpark(did)
        delivery.reject(exc.reason, exc.message, at, file=exc.file, line=exc.line)
        ctx.log.save(delivery)
        ctx.projection.catch_up(ctx.log)
        return IngestResult(did, "rejected", exc.reason, str(exc))
    delivery.wait_behind(behind, at)
    ctx.log.save(delivery)
    ctx.projection.catch_up(ctx.log)
    return IngestResult(
        did,
        "waiting",
        "behind_held_delivery",
        f"held delivery {behind} blocks the deltas of its scope: this one ({n} records kept) is "
        f"applied in order once it is released or rejected (`entsync deliveries show {behind}`)",
        {"records": n},
    )


def resume_waiting(ctx: Context) -> list[IngestResult]:
    """Decide, in the order they came, the deltas no held delivery blocks
    any more (after a release or a rejection)."""
    results = []
    ctx.projection.catch_up(ctx.log)
    for (did,) in ctx.db.query(
        "SELECT delivery_id FROM deliveries WHERE status = 'waiting' ORDER BY received_at, delivery_id"
    ):
        delivery = ctx.log.delivery(did)
        if blocking_delivery(ctx, did, delivery.prefix) is not None:
            continue  # still behind a held delivery (perhaps one that waited before it)
        by_part: dict[str, list[dict]] = defaultdict(list)
        for f in delivery.files:
            for line, op, cat, rid, attrs, unsupported in ctx.staging.parked(did, f["name"]):
                by_part[f["name"]].append(
                    {"line": line, "op": op, "category": cat, "id": rid, "attrs": attrs, "unsupported": unsupported}
                )
        files = RecordedDelivery(
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
        result = _scan_and_decide(files, delivery, ctx)
        ctx.staging.unpark(did)
        results.append(result)
        ctx.projection.catch_up(ctx.log)
    return results


def check_interrupted(ctx: Context, current: str) -> None:
    """Refuse to start while another delivery's apply phase is unfinished."""
    for other, source in ctx.staging.interrupted():
        if other == current:
            continue
        status = getattr(ctx.log.delivery(other), "status", None)
        if status == "applying":
            raise IngestRefused(
                f"delivery {other} ({source}) was interrupted while applying; "
                f"ingest it again to finish it before anything else"
            )
        ctx.staging.clear(other)  # finished or never started: leftover working rows


def _reject_unreadable(path: str, exc: DeliveryRejected, ctx: Context, now: datetime | None) -> IngestResult:
    """A delivery that cannot be listed is recorded as rejected — when it is
    an AAF delivery, even a broken one. What is no AAF delivery at all gets
    the shared answer and nothing is recorded: a bogus delivery would stay
    for ever and move the store's clock (issue 9)."""
    kind = kind_of(path)
    if kind != "aaf":
        refused = not_importable(path, kind)
        return IngestResult("", "rejected", refused.reason, refused.line())
    fingerprint = hashlib.sha256(f"unreadable\0{path}\0{exc.reason}".encode()).hexdigest()
    did = delivery_id(fingerprint)
    if ctx.log.find(did) is not None:
        return IngestResult(str(did), "already-rejected", exc.reason, str(exc))
    at = ctx.effective_now(now)
    delivery = Delivery(fingerprint=fingerprint, source=str(path), kind="unknown", date="", prefix="", files=[], at=at)
    delivery.reject(exc.reason, exc.message, at, file=exc.file, line=exc.line)
    ctx.log.save(delivery)
    ctx.projection.catch_up(ctx.log)
    return IngestResult(str(did), "rejected", exc.reason, str(exc))


def _scan_and_decide(files: DeliveryFiles, delivery: Delivery, ctx: Context) -> IngestResult:
    did, at = str(delivery.id), delivery.received_at
    ctx.projection.catch_up(ctx.log)
    ctx.staging.clear(did)
    reread = delivery.kind == "reread"
    try:
        scan = _scan(files, did, ctx, birth_reference(files.date, at, ctx.policy.timezone), reread)
        if reread:  # its departures were decided when it was first applied (daemon/upgrade.py)
            departures = []
        elif files.kind == "complete":
            departures = _departures(files, scan, ctx)
        else:  # a delta removes by deleteRequest only (formats §1)
            departures = list(scan.deleted)
    except DeliveryRejected as exc:
        ctx.staging.clear(did)
        delivery.reject(exc.reason, exc.message, at, file=exc.file, line=exc.line)
        ctx.log.save(delivery)
        ctx.projection.catch_up(ctx.log)
        return IngestResult(did, "rejected", exc.reason, str(exc))
    for start in range(0, len(scan.rejections), REJECTIONS_PER_EVENT):
        delivery.reject_records(
            [
                [r.reason, r.file, r.line, r.record_id, r.field, r.message]
                for r in scan.rejections[start : start + REJECTIONS_PER_EVENT]
            ],
            at,
        )
    for s in scan.set_aside:
        delivery.set_aside_field(s.reason, s.file, s.line, s.record_id, s.field, s.message, at)
    if files.kind == "complete" and not reread:
        duplicates = _corrected_duplicates(departures, ctx)
        ctx.staging.add(
            did,
            [
                (
                    scan.staged + i,
                    cat,
                    j,
                    "duplicate" if j in duplicates else "absent",
                    {"duplicate_of": duplicates[j]} if j in duplicates else None,
                    "",
                    "",
                    0,
                )
                for i, (cat, j) in enumerate(departures)
            ],
        )
        scan.counts["duplicates_deactivated"] = len(duplicates)
        scan.counts["departed"] = len(departures)
    else:
        duplicates = {}
    missing = files.missing_parts()
    reason = "absent_from_complete" if files.kind == "complete" else "deleted_by_delta"
    held = (
        None
        if missing
        else brake_check(
            ctx,
            [(c, j, "duplicate" if j in duplicates else reason) for c, j in departures if c in PERSONS],
            at,
            files.prefix,
        )
    )
    if missing:
        delivery.hold("missing_part", {"missing": {c: [f"{n:04d}" for n in parts] for c, parts in missing.items()}}, at)
    elif held:
        delivery.hold("mass_departure", held, at)
    if missing or held:
        ctx.log.save(delivery)
        ctx.projection.catch_up(ctx.log)
        msg = (
            f"parts missing: {', '.join(f'{c} {sorted(p)}' for c, p in missing.items())}"
            if missing
            else "mass departure over the brake in " + describe_brake(held)
        )
        return IngestResult(
            did,
            "held",
            delivery.hold_reason,
            msg + f"; see who would depart with `entsync deliveries show {did}`, then release or reject it",
            dict(scan.counts),
            scan.rejections,
            scan.set_aside,
        )
    return _start_apply(delivery, ctx, scan)


def birth_reference(file_date: str, at: datetime, tz: str) -> date:
    """The day a birth date of this delivery may not be after (domain-rules
    §12): the delivery's date (its file names), never later than the
    effective day of the ingest."""
    try:
        exported = datetime.strptime(file_date, "%Y%m%d").date() if file_date else None
    except ValueError:
        exported = None
    return reference_day(exported, at.astimezone(ZoneInfo(tz)).date())


def _scan(files: DeliveryFiles, did: str, ctx: Context, reference: date, reread: bool = False) -> _Scan:
    """Read every part (in parallel when worth it) and replay the summaries in
    delivery order: order-dependent decisions are taken here, once. A
    ``reread`` applies only the records the directory does not hold."""
    scan = _Scan()
    index = _Index(ctx, files.categories())
    pending: list[tuple] = []
    parts = [part for category in files.categories() for part in files.parts_of(category)]
    done_bytes, total_bytes = 0, sum(p.size for p in parts) or 1
    for part, summary in summaries(files, parts, index.rows, ctx.workers, reference):
        seen = scan.seen[part.category]
        if summary.repeats or not seen.isdisjoint(summary.unchanged):
            records = summary.in_order()  # a jointure seen twice: file order decides which one is kept
        else:
            # The bulk of a re-delivery: unchanged, known, not seen before.
            seen.update(summary.unchanged)
            scan.counts["unchanged"] += len(summary.unchanged)
            scan.delivered_structures.update(summary.structures)
            records = summary.others
        for record in records:
            if reread and (record[0] in ("u", "d") or index.get(part.category, record[1]) is not None):
                scan.counts["reread_known"] += 1  # held already: its later facts stand
                continue
            _merge(record, part.category, part.name, index, scan, pending, ctx, reference)
            if len(pending) >= 2000:
                ctx.staging.add(did, pending)
                pending = []
        done_bytes += part.size
        if ctx.progress:
            ctx.progress(part.name, done_bytes, total_bytes)
        limit = ctx.policy.max_rejected_records
        if limit and scan.counts["rejected"] > limit and not reread:  # rejected whole: the rest is not read
            raise too_many_rejected(scan, ctx.policy, finished=part is parts[-1])
    ctx.staging.add(did, pending)
    # A re-read (daemon/upgrade.py) applies what an applied delivery already had: no cap.
    refused = None if reread else too_many_rejected(scan, ctx.policy, finished=True)
    if refused is not None:
        raise refused
    return scan


def too_many_rejected(scan: _Scan, policy: Policy, finished: bool) -> DeliveryRejected | None:
    """The delivery rejected whole when more of its records are rejected than
    the policy allows (issue 18, point 6): a count (``max_rejected_records``)
    or, once the delivery is read, a share (``max_rejected_share``, above
    ``rejected_share_minimum`` rejected records). Names the reasons, and the
    first rejected record's file and line."""
    rejected = scan.counts["rejected"]
    read = rejected + sum(scan.counts[k] for k in ("unchanged", "added", "changed", "deleted", "reread_known"))
    share = rejected / read if read else 0.0
    over_count = bool(policy.max_rejected_records) and rejected > policy.max_rejected_records
    over_share = finished and rejected > policy.rejected_share_minimum and share > policy.max_rejected_share
    if not (over_count or over_share):
        return None
    reasons = Counter(r.reason for r in scan.rejections).most_common(3)
    first = scan.rejections[0] if scan.rejections else None
    limit = (
        f"more than max_rejected_records ({policy.max_rejected_records})"
        if over_count
        else f"more than max_rejected_share ({policy.max_rejected_share:.0%})"
    )
    read_text = f"of {read} records read" + ("" if finished else " so far")
    return DeliveryRejected(
        "too_many_rejected_records",
        f"{rejected} records rejected {read_text} ({', '.join(f'{r} {n}' for r, n in reasons)}): {limit}; "
        "nothing of this delivery is applied — a delivery this broken is not partly applied"
        + (f"; the first is record {first.record_id or '?'}" if first else ""),
        first.file if first else "",
        first.line if first else 0,
    )


def _merge(
    summary, category: str, file: str, index: _Index, scan: _Scan, pending: list, ctx: Context, reference: date
) -> None:
    tag, jointure, line, payload = summary
    seen = scan.seen[category]
    if jointure and jointure in seen:
        scan.rejections.append(
            Rejection(
                "duplicate_record",
                file,
                line,
                jointure,
                "identifier/id",
                "the same record appears twice in this delivery",
            )
        )
        scan.counts["rejected"] += 1
        return
    if category in PERSONS:
        owner = index.person_category.get(jointure) or scan.person_category.setdefault(jointure, category)
        if owner != category:
            scan.rejections.append(
                Rejection(
                    "category_conflict",
                    file,
                    line,
                    jointure,
                    "identifier/id",
                    f"this jointure belongs to a {owner} record",
                )
            )
            scan.counts["rejected"] += 1
            return
    seen.add(jointure)
    if tag == "u":
        scan.counts["unchanged"] += 1
        if payload is not None:
            scan.delivered_structures[jointure] = payload
        return
    if tag == "c":
        op, attrs_json, digest, problems, uai, aside = payload
        if problems:
            scan.rejections.extend(problems)
            scan.counts["rejected"] += 1
            return
        _set_aside(scan, aside)
        if uai is not None:
            scan.delivered_structures[jointure] = uai
        pending.append((scan.staged, category, jointure, op, attrs_json, digest, file, line))
        scan.staged += 1
        scan.counts["added" if op == "add" else "changed"] += 1
        return
    known = index.get(category, jointure)
    if tag == "d":
        if known is None:
            scan.rejections.append(
                Rejection(
                    "unknown_record",
                    file,
                    line,
                    jointure,
                    "identifier/id",
                    "delete of a record this directory does not know",
                )
            )
            scan.counts["rejected"] += 1
        elif known[1]:
            pending.append((scan.staged, category, jointure, "delete", None, "", file, line))
            scan.staged += 1
            scan.counts["deleted"] += 1
            if category in PERSONS:
                scan.deleted.append((category, jointure))
        return
    raw = payload  # a modify: the replaced attributes merged over the stored ones
    if known is None:
        # A delivery was missed: the modify carries the whole record, so it is
        # an arrival, validated as an add (formats §1, domain-rules §12).
        attrs = dict(raw.attrs)
        by_version("add", category, attrs, raw.version)  # what its version carries, as for an addRequest
        whole = RawRecord(raw.file, raw.line, "add", raw.category, raw.id, attrs, raw.unsupported)
        if _stage(whole, attrs, ARRIVAL, record_digest(attrs), scan, pending, reference, "added"):
            scan.counts["arrived_by_modify"] += 1
        return
    stream = ctx.log.get(account_id(jointure) if category in PERSONS else record_id(category, jointure))
    attrs = {**stream.attrs, **raw.attrs}
    digest = record_digest(attrs)
    uai = (attrs.get("ENTStructureUAI") or [""])[0]
    if known[0] == digest and known[1]:
        scan.counts["unchanged"] += 1
        if category == "EtabEducNat":
            scan.delivered_structures[jointure] = uai
        return
    _stage(raw, attrs, "upsert", digest, scan, pending, reference, "changed")


def _stage(
    raw: RawRecord, attrs: dict, op: str, digest: str, scan: _Scan, pending: list, reference: date, counted: str
) -> bool:
    """Validate a record whose whole attribute map is ``attrs`` and stage it
    as ``op``; False when it is rejected (recorded in ``scan``)."""
    problems, aside = examine(raw, attrs, reference)
    if problems:
        scan.rejections.extend(problems)
        scan.counts["rejected"] += 1
        return False
    _set_aside(scan, aside)
    if raw.category == "EtabEducNat":
        scan.delivered_structures[raw.id] = (attrs.get("ENTStructureUAI") or [""])[0]
    pending.append((scan.staged, raw.category, raw.id, op, attrs, digest, raw.file, raw.line))
    scan.staged += 1
    scan.counts[counted] += 1
    return True


def _set_aside(scan: _Scan, aside: list[SetAside]) -> None:
    if aside:
        scan.set_aside.extend(aside)
        scan.counts["fields_set_aside"] += len(aside)


def _departures(files: DeliveryFiles, scan: _Scan, ctx: Context):
    """Records a complete delivery covers and does not carry (domain-rules §11):
    (category, jointure) in a deterministic order."""
    missing = files.missing_parts()
    covered_cats = [c for c in files.categories() if c not in missing]
    db = ctx.db
    structures = {j: (uai, present) for j, uai, present in db.query("SELECT jointure, uai, present FROM structures")}
    academie_wide = files.uai is None
    if academie_wide:
        covered = set(scan.delivered_structures)
        if "EtabEducNat" in covered_cats:
            covered |= {j for j, (_, present) in structures.items() if present}
    else:
        covered = {j for j, (uai, _) in structures.items() if uai == files.uai}
        covered |= {j for j, uai in scan.delivered_structures.items() if uai == files.uai}
    out: list[tuple[str, str]] = []
    for cat in ("EtabEducNat", "MatiereEducNat", "MefEducNat"):
        if cat in covered_cats and academie_wide:
            for (jointure,) in db.query(
                "SELECT jointure FROM records WHERE category = ? AND present = 1 ORDER BY jointure", (cat,)
            ):
                if jointure not in scan.seen[cat]:
                    out.append((cat, jointure))
    absent: list[tuple[str, str]] = []
    for cat in PERSONS:
        if cat in covered_cats:
            seen = scan.seen[cat]
            absent.extend(
                (cat, j)
                for (j,) in db.query(
                    "SELECT jointure FROM records WHERE category = ? AND present = 1 ORDER BY jointure", (cat,)
                )
                if j not in seen
            )
    if not absent:
        return out
    # Only the absent persons' structures are needed.
    belongs: dict[str, set[str]] = defaultdict(set)
    names = [j for _, j in absent]
    for i in range(0, len(names), 500):
        chunk = names[i : i + 500]
        for jointure, structure in db.query(
            "SELECT a.jointure, s.structure FROM account_structures s JOIN accounts a ON a.account_id = s.account_id "
            f"WHERE a.jointure IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            belongs[jointure].add(structure)
    for cat, jointure in absent:
        mine = belongs.get(jointure, set())
        if academie_wide or (mine and mine <= covered):
            out.append((cat, jointure))
    return out


def _corrected_duplicates(departures: list[tuple[str, str]], ctx: Context) -> dict[str, str]:
    """Departing persons whose identity stays with another present account
    (domain-rules §11): jointure → the jointure that stays."""
    leaving = {j for cat, j in departures if cat in PERSONS}
    if not leaving:
        return {}
    staying: dict[str, str] = {}
    identity_of: dict[str, str] = {}
    for jointure, identity in ctx.db.query(
        "SELECT jointure, identity FROM accounts WHERE identity <> '' AND state IN ('pending', 'active') "
        "ORDER BY jointure"
    ):
        if jointure in leaving:
            identity_of[jointure] = identity
        else:
            staying.setdefault(identity, jointure)
    return {j: staying[i] for j, i in identity_of.items() if i in staying}


def _start_apply(delivery: Delivery, ctx: Context, scan: _Scan | None) -> IngestResult:
    did = str(delivery.id)
    delivery.start_apply(
        sorted(scan.delivered_structures) if scan else [],
        sorted({f["category"] for f in delivery.files}),
        delivery.received_at,
    )
    ctx.staging.set_phase(did, "applying", 0, delivery.source)
    recordings = ctx.log.save(delivery)
    ctx.staging.set_phase(did, "applying", recordings[-1].notification.id, delivery.source)
    result = _apply(delivery, ctx)
    if scan:
        result.counts = {**dict(scan.counts), **result.counts}
        result.rejections = scan.rejections
        result.set_aside = scan.set_aside
    return result


def release(delivery: Delivery, operator: str, ctx: Context, now: datetime | None = None) -> IngestResult:
    """Apply a held delivery as staged: the operator lifted the hold."""
    delivery.release(operator, ctx.effective_now(now))
    ctx.log.save(delivery)
    result = _start_apply(delivery, ctx, None)
    ctx.projection.catch_up(ctx.log)
    result.followed = resume_waiting(ctx)
    return result


def reject(delivery: Delivery, operator: str, ctx: Context, now: datetime | None = None) -> list[IngestResult]:
    """Refuse a held (or waiting) delivery: nothing of it is applied. Returns
    what became of the deltas that waited behind it."""
    delivery.reject(
        "operator_rejected", "rejected by an operator after a hold", ctx.effective_now(now), operator=operator
    )
    ctx.log.save(delivery)
    ctx.staging.clear(str(delivery.id))
    ctx.staging.unpark(str(delivery.id))
    ctx.projection.catch_up(ctx.log)
    return resume_waiting(ctx)


def _apply(delivery: Delivery, ctx: Context) -> IngestResult:
    """Phase 2: staged rows → events, in batches; resumable."""
    did, at = str(delivery.id), delivery.received_at
    state = ctx.staging.state(did)
    done: set = set()
    if state is not None and state[1]:
        for _, ev in ctx.log.iter_events(after=state[1]):
            if getattr(ev, "delivery_id", None) == did:
                done.add(ev.originator_id)
    calendar = ctx.policy.calendar()
    tz = ZoneInfo(ctx.policy.timezone)
    local_day = at.astimezone(tz).date()
    # Departed and recorded on the same day: the notice only matters close to Toussaint.
    due_day, provisional, _ = removal_with_notice(local_day, local_day, calendar, ctx.policy.removal_notice_days)
    due_at = datetime.combine(due_day, time(0), tz)
    counts: Counter = Counter()

    due = creation_due(at, ctx.policy.creation_delay)
    new_accounts = {cat: NewAccounts(ctx.log.mapper, cat, did, at, due) for cat in PERSONS}
    set_aside = getattr(delivery, "set_aside", {})  # record id → field → reason (domain-rules §12)

    def changed_streams():
        for _, cat, jointure, op, attrs, digest, file, line in ctx.staging.rows(did, decode=False):
            is_person = cat in PERSONS
            agg_id = account_id(jointure) if is_person else record_id(cat, jointure)
            counts[f"events_{cat}"] += 1  # counted for skipped rows too: a resume reports the same totals
            if op == ARRIVAL:  # a new stream like an add; Applied says how it came
                counts["arrived_by_modify"] += 1
                op = "add"
            aside = set_aside.get(jointure, {}) if is_person and op in ("add", "upsert") else {}
            if aside:
                counts["fields_set_aside"] += len(aside)
            if agg_id in done:
                continue
            if op == "add" and is_person and new_accounts[cat].available and not aside:
                # A new stream, no load, no aggregate: its first event encoded directly.
                yield (new_accounts[cat].stored_event(jointure, attrs, digest, file, line, agg_id),)
                continue
            attrs = json.loads(attrs)
            if op == "add":  # unknown to the read model: a new stream, no load
                if is_person:
                    agg = Account(
                        jointure=jointure,
                        category=cat,
                        attrs=attrs,
                        digest=digest,
                        delivery_id=did,
                        file=file,
                        line=line,
                        at=at,
                        creation_due=due,
                    )
                    agg.set_aside_fields(aside, did, file, line, at)
                else:
                    agg = SourceRecord(
                        jointure=jointure,
                        category=cat,
                        attrs=attrs,
                        digest=digest,
                        delivery_id=did,
                        file=file,
                        line=line,
                        at=at,
                    )
            else:
                agg = ctx.log.get(agg_id)
                if op == "upsert" and is_person:
                    agg.record(
                        attrs,
                        digest,
                        did,
                        file,
                        line,
                        at,
                        ctx.policy.creation_delay,
                        ctx.policy.overwrite_name_similarity,
                        set_aside=aside,
                    )
                elif op == "upsert":
                    agg.record(
                        attrs,
                        digest,
                        did,
                        file,
                        line,
                        at,
                        ctx.policy.creation_delay,
                        ctx.policy.overwrite_name_similarity,
                    )
                elif op == "duplicate":
                    agg.deactivate_duplicate(
                        attrs["duplicate_of"], did, at, at + timedelta(days=ctx.policy.duplicate_deletion_days)
                    )
                else:
                    reason = "deleted_by_delta" if op == "delete" else "absent_from_complete"
                    agg.leave(reason, did, at, due_at, provisional)
            yield (agg,)

    ctx.log.save_in_batches(changed_streams(), ctx.batch or BATCH)
    delivery.applied({"staged": ctx.staging.count(did), **dict(counts)}, at)
    ctx.log.save(delivery)
    ctx.staging.clear(did)
    return IngestResult(did, "applied", counts=dict(counts))


__all__ = ["ingest", "ingest_delivery", "release", "IngestResult", "IngestRefused", "record_digest", "CATEGORIES"]
