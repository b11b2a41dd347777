"""Phase 1 of an AAF ingest: read every part once and stage what changed
(domain-rules §4, §5, §11, §12; formats §1).

Each record's digest is compared with the read model's (an unchanged record
costs a hash, no aggregate load, no event); what changed is validated and
staged. The parts are read by the part readers (in parallel when worth it);
their summaries are replayed here in delivery order, so that the decisions
that depend on the order of the whole delivery are taken once: a record seen
twice, a jointure in two categories, a modify merged with the stored
attributes. Too many rejected records reject the delivery whole.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from adapters.aaf.files import DeliveryFiles
from adapters.aaf.parser import RawRecord, by_version
from adapters.aaf.records import PERSONS, examine
from adapters.aaf.summary import Changed, Deleted, Digest, Modified, Summary, Unchanged, record_digest
from adapters.errors import DeliveryRejected, Rejection, SetAside
from adapters.plausibility import reference_day
from events.generations import current
from events.personal import keyed
from events.policy import Policy
from events.structure import record_id
from events.usecases.aaf_ports import IngestLog, IngestWork, RecordIndex, StagedRow

# The staged op of a modifyRequest for a record the directory does not know.
ARRIVAL = "arrival"
# Staged rows written per staging transaction while the parts are read.
STAGE_BATCH = 2000


@dataclass
class Scan:
    """What phase 1 found so far."""

    staged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: Counter[str] = field(default_factory=Counter)
    delivered_structures: dict[str, str] = field(default_factory=dict)  # SJ → UAI
    person_category: dict[str, str] = field(default_factory=dict)  # jointure → category, this delivery
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (category, jointure) a delta deletes
    pending: list[StagedRow] = field(default_factory=list)  # staged rows not written yet
    digest: Digest = field(default=lambda _: _no_digest())  # the ingest's, keyed: record_digester

    def reject(self, *problems: Rejection) -> None:
        self.rejections.extend(problems)
        self.counts["rejected"] += 1

    def keep_aside(self, aside: list[SetAside]) -> None:
        if aside:
            self.set_aside.extend(aside)
            self.counts["fields_set_aside"] += len(aside)

    def stage(self, category: str, jointure: str, op: str, attrs_json: str, digest: str, file: str, line: int) -> None:
        self.pending.append(StagedRow(self.staged, category, jointure, op, attrs_json, digest, file, line))
        self.staged += 1


def _no_digest() -> str:
    raise RuntimeError("a scan hashes records with the store's pepper: Scan(digest=record_digester(pepper))")


def record_digester(pepper: bytes) -> Digest:
    """The digest of a record's canonical text: keyed with the store's pepper
    (a record holds names and a birth date). A partial of a module function,
    so that the worker processes that read the parts can be given it."""
    return partial(keyed, pepper, "aaf-record")


def birth_reference(file_date: str, at: datetime, tz: str) -> date:
    """The day a birth date of this delivery may not be after (domain-rules
    §12): the delivery's date (its file names), never later than the
    effective day of the ingest."""
    try:
        exported = datetime.strptime(file_date, "%Y%m%d").date() if file_date else None
    except ValueError:
        exported = None
    return reference_day(exported, at.astimezone(ZoneInfo(tz)).date())


def scan(files: DeliveryFiles, did: str, uow: IngestWork, reference: date, reread: bool = False) -> Scan:
    """Read every part (in parallel when worth it) and replay the summaries in
    delivery order: order-dependent decisions are taken here, once. A
    ``reread`` applies only the records the directory does not hold."""
    found = Scan(digest=record_digester(uow.pepper))
    index = uow.ingest_queries.record_index(files.categories())
    parts = [part for category in files.categories() for part in files.parts_of(category)]
    done_bytes, total_bytes = 0, sum(p.size for p in parts) or 1
    for part, summary in uow.part_reader.summaries(files, parts, index.known, found.digest, reference):
        seen = found.seen[part.category]
        records: list[Summary]
        if summary.repeats or not seen.isdisjoint(summary.unchanged):
            records = summary.in_order()  # a jointure seen twice: file order decides which one is kept
        else:
            # The bulk of a re-delivery: unchanged, known, not seen before.
            seen.update(summary.unchanged)
            found.counts["unchanged"] += len(summary.unchanged)
            found.delivered_structures.update(summary.structures)
            records = summary.others
        for record in records:
            if reread and (
                isinstance(record, Unchanged | Deleted) or index.get(part.category, record.jointure) is not None
            ):
                found.counts["reread_known"] += 1  # held already: its later facts stand
                continue
            merge(record, part.category, part.name, index, found, uow.log, reference)
            if len(found.pending) >= STAGE_BATCH:
                uow.staging.add(did, found.pending)
                found.pending = []
        done_bytes += part.size
        if uow.progress:
            uow.progress(part.name, done_bytes, total_bytes)
        limit = uow.policy.max_rejected_records
        if limit and found.counts["rejected"] > limit and not reread:  # rejected whole: the rest is not read
            over = too_many_rejected(found, uow.policy, finished=part is parts[-1])
            assert over is not None  # over max_rejected_records: refused whatever the share
            raise over
    uow.staging.add(did, found.pending)
    found.pending = []
    # A re-read (events/usecases/upgrade.py) applies what an applied delivery already had: no cap.
    refused = None if reread else too_many_rejected(found, uow.policy, finished=True)
    if refused is not None:
        raise refused
    return found


def too_many_rejected(found: Scan, policy: Policy, finished: bool) -> DeliveryRejected | None:
    """The delivery rejected whole when more of its records are rejected than
    the policy allows (issue 18, point 6): a count (``max_rejected_records``)
    or, once the delivery is read, a share (``max_rejected_share``, above
    ``rejected_share_minimum`` rejected records). Names the reasons, and the
    first rejected record's file and line."""
    counts = found.counts
    rejected = counts["rejected"]
    read = rejected + sum(counts[k] for k in ("unchanged", "added", "changed", "deleted", "reread_known"))
    share = rejected / read if read else 0.0
    over_count = bool(policy.max_rejected_records) and rejected > policy.max_rejected_records
    over_share = finished and rejected > policy.rejected_share_minimum and share > policy.max_rejected_share
    if not (over_count or over_share):
        return None
    reasons = Counter(r.reason for r in found.rejections).most_common(3)
    first = found.rejections[0] if found.rejections else None
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


def _admitted(record: Summary, category: str, file: str, index: RecordIndex, found: Scan) -> bool:
    """False for a record seen already in this delivery, or whose jointure
    belongs to another category of person (rejected, recorded in ``found``)."""
    jointure, line = record.jointure, record.line
    if jointure and jointure in found.seen[category]:
        found.reject(
            Rejection(
                "duplicate_record",
                file,
                line,
                jointure,
                "identifier/id",
                "the same record appears twice in this delivery",
            )
        )
        return False
    if category in PERSONS:
        owner = index.person_category.get(jointure) or found.person_category.setdefault(jointure, category)
        if owner != category:
            found.reject(
                Rejection(
                    "category_conflict",
                    file,
                    line,
                    jointure,
                    "identifier/id",
                    f"this jointure belongs to a {owner} record",
                )
            )
            return False
    return True


def merge(
    record: Summary, category: str, file: str, index: RecordIndex, found: Scan, log: IngestLog, reference: date
) -> None:
    """One record of the delivery, in delivery order: counted, staged or rejected."""
    if not _admitted(record, category, file, index, found):
        return
    jointure, line = record.jointure, record.line
    found.seen[category].add(jointure)
    match record:
        case Unchanged(uai=uai):
            found.counts["unchanged"] += 1
            if uai is not None:
                found.delivered_structures[jointure] = uai
        case Changed():
            if record.problems:
                found.reject(*record.problems)
                return
            found.keep_aside(record.aside)
            if record.uai is not None:
                found.delivered_structures[jointure] = record.uai
            found.stage(category, jointure, record.op, record.attrs_json, record.digest, file, line)
            found.counts["added" if record.op == "add" else "changed"] += 1
        case Deleted():
            known = index.get(category, jointure)
            if known is None:
                found.reject(
                    Rejection(
                        "unknown_record",
                        file,
                        line,
                        jointure,
                        "identifier/id",
                        "delete of a record this directory does not know",
                    )
                )
            elif known.present:
                found.stage(category, jointure, "delete", "null", "", file, line)
                found.counts["deleted"] += 1
                if category in PERSONS:
                    found.deleted.append((category, jointure))
        case Modified(raw=raw):
            _merge_modify(raw, category, index, found, log, reference)


def _merge_modify(
    raw: RawRecord, category: str, index: RecordIndex, found: Scan, log: IngestLog, reference: date
) -> None:
    """A modify: the replaced attributes merged over the stored ones."""
    jointure = raw.id
    known = index.get(category, jointure)
    if known is None:
        # A delivery was missed: the modify carries the whole record, so it is
        # an arrival, validated as an add (formats §1, domain-rules §12).
        attrs = dict(raw.attrs)
        by_version("add", category, attrs, raw.version)  # what its version carries, as for an addRequest
        whole = RawRecord(raw.file, raw.line, "add", raw.category, raw.id, attrs, raw.unsupported)
        if _stage(whole, attrs, ARRIVAL, record_digest(attrs, found.digest), found, reference, "added"):
            found.counts["arrived_by_modify"] += 1
        return
    stream = current(log, jointure) if category in PERSONS else log.get(record_id(category, jointure))
    attrs = {**stream.attrs, **raw.attrs}
    digest = record_digest(attrs, found.digest)
    if known.digest == digest and known.present:
        found.counts["unchanged"] += 1
        if category == "EtabEducNat":
            found.delivered_structures[jointure] = (attrs.get("ENTStructureUAI") or [""])[0]
        return
    _stage(raw, attrs, "upsert", digest, found, reference, "changed")


def _stage(
    raw: RawRecord, attrs: dict[str, list[str]], op: str, digest: str, found: Scan, reference: date, counted: str
) -> bool:
    """Validate a record whose whole attribute map is ``attrs`` and stage it
    as ``op``; False when it is rejected (recorded in ``found``)."""
    problems, aside = examine(raw, attrs, reference)
    if problems:
        found.reject(*problems)
        return False
    found.keep_aside(aside)
    if raw.category == "EtabEducNat":
        found.delivered_structures[raw.id] = (attrs.get("ENTStructureUAI") or [""])[0]
    found.stage(raw.category, raw.id, op, json.dumps(attrs, ensure_ascii=False), digest, raw.file, raw.line)
    found.counts[counted] += 1
    return True
