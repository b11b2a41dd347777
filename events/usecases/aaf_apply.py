"""Phase 2 of an AAF ingest: the staged rows become events, in batches
(domain-rules §4, §5, §11). Its effects become visible when ``Applied`` is
recorded. The apply is resumable: the log position it began after is kept
with the staged rows, and a crash is resumed by ingesting the same delivery
again, which skips the streams the interrupted run already recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.persistence import StoredEvent

from adapters.aaf.records import PERSONS
from events.account import Account, account_id
from events.delivery import Delivery
from events.generations import current
from events.new_accounts import NewAccounts
from events.rules import creation_due, removal_with_notice
from events.structure import SourceRecord, record_id
from events.usecases.aaf_ports import IngestWork, StagedRow
from events.usecases.aaf_scan import ARRIVAL, Scan
from events.usecases.aaf_swaps import guardian_swaps
from events.usecases.result import Result

# Streams recorded per transaction.
BATCH = 1000


def start_apply(delivery: Delivery, uow: IngestWork, found: Scan | None) -> Result:
    """Record that the apply begins (the structures and categories the delivery
    covers), note where in the log, and apply. ``found``: what phase 1 of this
    run found, None for a delivery released after a hold."""
    did = str(delivery.id)
    delivery.start_apply(
        sorted(found.delivered_structures) if found else [],
        sorted({f["category"] for f in delivery.files}),
        delivery.received_at,
    )
    uow.staging.set_phase(did, "applying", 0, delivery.source)
    recordings = uow.log.save(delivery)
    uow.staging.set_phase(did, "applying", recordings[-1].notification.id, delivery.source)
    result = apply(delivery, uow)
    if found:
        result.counts = {**dict(found.counts), **result.counts}
        result.rejections = found.rejections
        result.set_aside = found.set_aside
    return result


def apply(delivery: Delivery, uow: IngestWork) -> Result:
    """Phase 2: staged rows → events, in batches; resumable."""
    did = str(delivery.id)
    state = uow.staging.state(did)
    done: set[UUID] = set()
    if state is not None and state.apply_from:
        for _, ev in uow.log.iter_events(after=state.apply_from):
            if getattr(ev, "delivery_id", None) == did:
                done.add(ev.originator_id)
    counts: Counter[str] = Counter()
    if not done and not delivery.swapped:  # found once, before any record, kept for a resumed apply
        for swap in guardian_swaps(uow, did, uow.policy.overwrite_name_similarity):
            delivery.note_swap(list(swap.jointures), swap.child, swap.file, swap.line, delivery.received_at)
        if delivery.swapped:
            uow.log.save(delivery)  # visible with Applied, as the records are
    if delivery.swapped:
        counts["guardians_swapped"] = len(delivery.swapped) // 2
    swapped = set(delivery.swapped)
    uow.log.save_in_batches(_Streams(delivery, uow, counts, swapped).changed(done), uow.batch or BATCH)
    delivery.applied({"staged": uow.staging.count(did), **dict(counts)}, delivery.received_at)
    uow.log.save(delivery)
    uow.staging.clear(did)
    return Result("aaf", "applied", delivery_id=did, counts=dict(counts))


class _Streams:
    """The stream each staged row changes, with its new events."""

    def __init__(self, delivery: Delivery, uow: IngestWork, counts: Counter[str], swapped: set[str]) -> None:
        self.did, self.at, self.swapped = str(delivery.id), delivery.received_at, swapped
        self.uow, self.policy, self.counts = uow, uow.policy, counts
        tz = ZoneInfo(self.policy.timezone)
        local_day = self.at.astimezone(tz).date()
        # Departed and recorded on the same day: the notice only matters close to Toussaint.
        due_day, self.provisional, _ = removal_with_notice(
            local_day, local_day, self.policy.calendar(), self.policy.removal_notice_days
        )
        self.removal_due = datetime.combine(due_day, time(0), tz)
        self.creation_due = creation_due(self.at, self.policy.creation_delay)
        self.new_accounts = {
            cat: NewAccounts(uow.log.mapper, cat, self.did, self.at, self.creation_due) for cat in PERSONS
        }
        # record id → field → reason (domain-rules §12)
        self.set_aside: dict[str, dict[str, str]] = getattr(delivery, "set_aside", {})

    def changed(self, done: set[UUID]) -> Iterator[tuple[Account | SourceRecord | StoredEvent]]:
        """One group per staged row whose stream is not in ``done``: an
        aggregate with its new events, or a new account's first event encoded."""
        counts = self.counts
        for row in self.uow.staging.rows(self.did):
            cat, jointure, op = row.category, row.jointure, row.op
            is_person = cat in PERSONS
            agg_id = account_id(jointure) if is_person else record_id(cat, jointure)
            counts[f"events_{cat}"] += 1  # counted for skipped rows too: a resume reports the same totals
            if op == ARRIVAL:  # a new stream like an add; Applied says how it came
                counts["arrived_by_modify"] += 1
                op = "add"
            aside = self.set_aside.get(jointure, {}) if is_person and op in ("add", "upsert") else {}
            if aside:
                counts["fields_set_aside"] += len(aside)
            if op != "add" and is_person:
                # A later delivery of a jointure changes its current generation (events/generations.py).
                account = current(self.uow.log, jointure)
                if account.id not in done:
                    yield (self._existing(row, op, account, aside),)
                continue
            if agg_id in done:
                continue
            new = self.new_accounts.get(cat)
            if op == "add" and new is not None and new.available and not aside:
                # A new stream, no load, no aggregate: its first event encoded directly.
                yield (new.stored_event(jointure, row.attrs_json, row.digest, row.file, row.line, agg_id),)
            elif op == "add":  # unknown to the read model: a new stream, no load
                yield (self._new(row, json.loads(row.attrs_json), aside),)
            else:
                yield (self._existing(row, op, self.uow.log.get(agg_id), aside),)

    def _new(self, row: StagedRow, attrs: dict[str, list[str]], aside: dict[str, str]) -> Account | SourceRecord:
        if row.category in PERSONS:
            account = Account(
                jointure=row.jointure,
                category=row.category,
                attrs=attrs,
                digest=row.digest,
                delivery_id=self.did,
                file=row.file,
                line=row.line,
                at=self.at,
                creation_due=self.creation_due,
            )
            account.set_aside_fields(aside, self.did, row.file, row.line, self.at)
            return account
        return SourceRecord(
            jointure=row.jointure,
            category=row.category,
            attrs=attrs,
            digest=row.digest,
            delivery_id=self.did,
            file=row.file,
            line=row.line,
            at=self.at,
        )

    def _existing(
        self, row: StagedRow, op: str, agg: Account | SourceRecord, aside: dict[str, str]
    ) -> Account | SourceRecord:
        policy, did, at = self.policy, self.did, self.at
        if op == "upsert":
            attrs: dict[str, list[str]] = json.loads(row.attrs_json)
            delay, similarity = policy.creation_delay, policy.overwrite_name_similarity
            if row.jointure in self.swapped:
                similarity = 0.0  # a swap, recorded once on the delivery: no suspected overwrite for either
            if row.category in PERSONS:
                assert isinstance(agg, Account)  # a person's stream is an account's
                suspend = policy.suspend_on_overwrite
                agg.record(attrs, row.digest, did, row.file, row.line, at, delay, similarity, aside, suspend)
            else:
                agg.record(attrs, row.digest, did, row.file, row.line, at, delay, similarity)
        elif op == "duplicate":
            duplicate_of: str = json.loads(row.attrs_json)["duplicate_of"]
            assert isinstance(agg, Account)  # only persons are duplicates (aaf_stage.corrected_duplicates)
            agg.deactivate_duplicate(duplicate_of, did, at, at + timedelta(days=policy.duplicate_deletion_days))
        else:
            reason = "deleted_by_delta" if op == "delete" else "absent_from_complete"
            agg.leave(reason, did, at, self.removal_due, self.provisional)
        return agg
