"""Phase 1 of an AAF ingest decided (domain-rules §11, §12): once every part
is read and staged (events/usecases/aaf_scan.py), the records a complete
delivery covers and does not carry depart, a departing duplicate is
deactivated, and coverage and the mass-departure brake decide: reject, hold
or apply (events/usecases/aaf_apply.py). A crash in phase 1 leaves nothing
but the ``Received`` event: the delivery is read again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence, Set

from adapters.aaf.files import DeliveryFiles
from adapters.aaf.records import PERSONS
from adapters.errors import DeliveryRejected
from events.delivery import Delivery
from events.usecases.aaf_apply import start_apply
from events.usecases.aaf_ports import Identity, IngestQueries, IngestWork, MergedPair, StagedRow
from events.usecases.aaf_scan import Scan, birth_reference, scan
from events.usecases.brake_check import brake_check, describe_brake
from events.usecases.result import Result

# Rejected records written per event (Delivery.RecordsRejected): compact, and
# small enough for a delivery's stream to stay quick to load.
REJECTIONS_PER_EVENT = 500
# The structure-like categories an académie-wide complete delivery covers whole.
NOMENCLATURES = ("EtabEducNat", "MatiereEducNat", "MefEducNat")


def scan_and_decide(files: DeliveryFiles, delivery: Delivery, uow: IngestWork) -> Result:
    """Read and stage the delivery, then reject, hold or apply it."""
    did, at = str(delivery.id), delivery.received_at
    uow.projection.catch_up(uow.log)
    uow.staging.clear(did)
    reread = delivery.kind == "reread"
    try:
        found = scan(files, did, uow, birth_reference(files.date, at, uow.policy.timezone), reread)
        if reread:  # its departures were decided when it was first applied (events/usecases/upgrade.py)
            departures = []
        elif files.kind == "complete":
            departures = complete_departures(files, found, uow.ingest_queries)
        else:  # a delta removes by deleteRequest only (formats §1)
            departures = list(found.deleted)
    except DeliveryRejected as exc:
        uow.staging.clear(did)
        delivery.reject(exc.reason, exc.message, at, file=exc.file, line=exc.line)
        uow.log.save(delivery)
        uow.projection.catch_up(uow.log)
        return Result("aaf", "rejected", delivery_id=did, reason=exc.reason, message=str(exc))
    for start in range(0, len(found.rejections), REJECTIONS_PER_EVENT):
        delivery.reject_records(
            [
                [r.reason, r.file, r.line, r.record_id, r.field, r.message]
                for r in found.rejections[start : start + REJECTIONS_PER_EVENT]
            ],
            at,
        )
    for s in found.set_aside:
        delivery.set_aside_field(s.reason, s.file, s.line, s.record_id, s.field, s.message, at)
    duplicates: dict[str, str] = {}
    if files.kind == "complete" and not reread:
        duplicates = corrected_duplicates(departures, uow.ingest_queries)
        uow.staging.add(did, _departure_rows(found.staged, departures, duplicates))
        found.counts["duplicates_deactivated"] = len(duplicates)
        found.counts["departed"] = len(departures)
    missing = files.missing_parts()
    reason = "absent_from_complete" if files.kind == "complete" else "deleted_by_delta"
    held = (
        None
        if missing
        else brake_check(
            uow,
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
        uow.log.save(delivery)
        uow.projection.catch_up(uow.log)
        msg = (
            f"parts missing: {', '.join(f'{c} {sorted(p)}' for c, p in missing.items())}"
            if missing
            else "mass departure over the brake in " + describe_brake(held or {})
        )
        return Result(
            "aaf",
            "held",
            delivery_id=did,
            reason=delivery.hold_reason,
            message=msg + f"; see who would depart with `entsync deliveries show {did}`, then release or reject it",
            counts=dict(found.counts),
            rejections=found.rejections,
            set_aside=found.set_aside,
        )
    return start_apply(delivery, uow, found)


def _departure_rows(first: int, departures: list[tuple[str, str]], duplicates: Mapping[str, str]) -> list[StagedRow]:
    """The staged rows of the departures, after the delivery's own."""
    return [
        StagedRow(
            first + i,
            cat,
            j,
            "duplicate" if j in duplicates else "absent",
            json.dumps({"duplicate_of": duplicates[j]} if j in duplicates else None, ensure_ascii=False),
            "",
            "",
            0,
        )
        for i, (cat, j) in enumerate(departures)
    ]


def complete_departures(files: DeliveryFiles, found: Scan, queries: IngestQueries) -> list[tuple[str, str]]:
    """Records a complete delivery covers and does not carry (domain-rules §11):
    (category, jointure) in a deterministic order."""
    missing = files.missing_parts()
    covered_cats = [c for c in files.categories() if c not in missing]
    structures = {s.jointure: s for s in queries.structures()}
    academie_wide = files.uai is None
    if academie_wide:
        covered = set(found.delivered_structures)
        if "EtabEducNat" in covered_cats:
            covered |= {j for j, s in structures.items() if s.present}
    else:
        covered = {j for j, s in structures.items() if s.uai == files.uai}
        covered |= {j for j, uai in found.delivered_structures.items() if uai == files.uai}
    out: list[tuple[str, str]] = []
    for cat in NOMENCLATURES:
        if cat in covered_cats and academie_wide:
            out.extend((cat, j) for j in queries.present(cat) if j not in found.seen[cat])
    absent: list[tuple[str, str]] = []
    for cat in PERSONS:
        if cat in covered_cats:
            seen = found.seen[cat]
            absent.extend((cat, j) for j in queries.present(cat) if j not in seen)
    if not absent:
        return out
    belongs = queries.structures_of([j for _, j in absent])  # only the absent persons' structures are needed
    for cat, jointure in absent:
        mine = belongs.get(jointure, set())
        if academie_wide or (mine and mine <= covered):
            out.append((cat, jointure))
    return out


def corrected_duplicates(departures: list[tuple[str, str]], queries: IngestQueries) -> dict[str, str]:
    """Departing persons whose identity stays with another present account
    (domain-rules §11): jointure → the jointure that stays."""
    leaving = {j for cat, j in departures if cat in PERSONS}
    if not leaving:
        return {}
    return duplicates_among(leaving, queries.identities(), queries.merged())


def duplicates_among(leaving: Set[str], identities: Sequence[Identity], merged: Sequence[MergedPair]) -> dict[str, str]:
    """The leaving jointures whose identity stays with another account, each
    with the first (by jointure) that stays.

    Accounts merged together (issue 14) are one person by an operator's
    decision, not duplicates of each other: a side that leaves while the
    other stays departs as any absent person does (departing, removed at
    Toussaint, the fold still showing the survivor), never deactivated
    because of its other side — which a deactivation would also mark as
    "has a duplicate". A third account of the same identity still makes it
    a corrected duplicate.

    Only within one establishment (issue 15): a pupil who changed school
    under a new jointure leaves one UAI while the account of the same
    identity is in another — a transfer, which departs (and is removed at
    Toussaint) like any departure. Accounts whose establishments are not
    known (no structure) are compared as before."""
    person = {p.absorbed: p.survivor for p in merged}  # jointure → the survivor it is shown in
    staying: dict[str, list[Identity]] = {}
    identity_of: dict[str, Identity] = {}
    for row in identities:
        if row.jointure in leaving:
            identity_of[row.jointure] = row
        else:
            staying.setdefault(row.identity, []).append(row)
    out: dict[str, str] = {}
    for j, me in identity_of.items():
        others = [
            s.jointure
            for s in staying.get(me.identity, [])
            if person.get(s.jointure, s.jointure) != person.get(j, j)
            and (not me.uais or not s.uais or me.uais & s.uais)
        ]
        if others:
            out[j] = others[0]
    return out
