"""Ingesting a SIECLE (BEE) export: the service that joins the adapter, the
event log and the read models (formats §2; domain-rules §4, §5, §11).

An export is a snapshot of one establishment. The file is refused whole,
nothing applied, when it is unreadable or malformed (the adapter's reason
codes), byte-identical to an applied import (``duplicate_file``) or older
than the last applied export of that UAI and kind (``older_export``: applying
it would record the reverse of the changes since). Otherwise each record's
digest is compared with the SIECLE read model's (an unchanged record costs a
hash, no aggregate load, no event); only the changed streams are loaded and
told the new values, and they record only what differs. Correlations to AAF
accounts (directory read model) are recorded when they change. Facts become
visible in the SIECLE read model once the import's ``Applied`` is recorded; an
interrupted import is finished by ingesting the same file again.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from adapters.errors import DeliveryRejected, Rejection, SetAside
from adapters.siecle import ElevesExport, ResponsablesExport, read_export
from adapters.sniff import kind_of
from daemon import precedence
from daemon.bootstrap import Context
from events import brakes
from events.brakes import Departure
from events.rules import normalised_identity
from events.siecle import Guardian, SiecleImport, Student, guardian_id, student_id
from events.siecle_rules import (
    Candidate,
    Correlation,
    account_levels,
    correlate_guardian,
    correlate_student,
    digest,
    guardian_names,
    guardian_values,
    links_by_student,
    plan_snapshot,
    student_values,
)
from events.usecases.brake_check import describe_brake, details, population_sizes
from projections import siecle as view

BATCH = 500
KINDS = {"BEE_ELEVES": "eleves", "BEE_RESPONSABLES": "responsables"}
# Accounts a SIECLE record is never linked to: gone for good, or a corrected duplicate.
UNLINKABLE_STATES = ("removed", "deactivated")


class ImportInterrupted(ValueError):
    """Another SIECLE import was interrupted while applying: finish it first."""


@dataclass
class SiecleResult:
    import_id: str
    status: str  # applied | rejected
    reason: str = ""
    message: str = ""
    uai: str = ""
    kind: str = ""
    counts: dict = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)  # fields of kept records (domain-rules §12)

    @property
    def exit_code(self) -> int:
        """As the AAF ingest: 0 applied, 2 rejected, 3 applied with some records rejected."""
        if self.status == "applied":
            return 3 if self.rejections else 0
        return 2


def file_sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def ingest_siecle(path: str | Path, ctx: Context, now: datetime | None = None) -> SiecleResult:
    """Ingest the SIECLE export at ``path`` (``.xml`` or a zip of one XML).
    Once applied, what SIECLE decides for the accounts is recorded too (the
    48 h clock, leaving dates: daemon/precedence.py)."""
    result = _ingest_siecle(path, ctx, now)
    if result.status == "applied":
        precedence.apply(ctx, ctx.effective_now(now))
    return result


def _ingest_siecle(path: str | Path, ctx: Context, now: datetime | None) -> SiecleResult:
    path = Path(path)
    ctx.projection.catch_up(ctx.log)
    ctx.siecle.catch_up(ctx.log)
    try:
        sha, size = file_sha256(path) if path.is_file() else ("", 0)
    except OSError:
        sha, size = "", 0
    prior = ctx.db.query_dicts(
        "SELECT import_id, status, uai, kind, school_year, exported_on, exported_at, "
        "received_at FROM siecle_imports WHERE sha256 = ? ORDER BY receipt",
        (sha,),
    )
    # An import whose Applied is missing shows as received (the read model
    # stops before its ApplyStarted): finish it before anything else.
    for row in ctx.db.query_dicts("SELECT import_id, sha256, file FROM siecle_imports WHERE status = 'received'"):
        imp = ctx.log.get(UUID(row["import_id"]))
        if imp.status != "applying":
            continue
        if row["sha256"] != sha:
            raise ImportInterrupted(
                f"SIECLE import {row['import_id']} ({row['file']}) was interrupted while "
                "applying; ingest that file again to finish it before anything else"
            )
        return _apply(imp, read_export(path), ctx, resume=True)
    at = ctx.effective_now(now)
    received = dict(sha256=sha, receipt=len(prior), source=str(path), file=path.name, size=size, at=at)
    applied = next((p for p in prior if p["status"] == "applied"), None)
    if applied is not None:
        imp = SiecleImport(
            **received,
            uai=applied["uai"],
            kind=applied["kind"],
            school_year=applied["school_year"],
            exported_on=applied["exported_on"],
            exported_at=applied["exported_at"],
        )
        return _rejected(
            imp,
            ctx,
            "duplicate_file",
            f"byte-identical to import {applied['import_id']} received {applied['received_at']}; nothing applied",
            duplicate_of=applied["import_id"],
        )
    try:
        export = read_export(path)
    except DeliveryRejected as exc:
        sniffed = kind_of(path)
        imp = SiecleImport(
            **received,
            uai="",
            kind=sniffed.removeprefix("siecle-") if sniffed.startswith("siecle-") else "",
            school_year=0,
            exported_on="",
            exported_at="",
        )
        return _rejected(imp, ctx, exc.reason, exc.message, exc.file or path.name, exc.line)
    h = export.header
    kind = KINDS[h.root]
    imp = SiecleImport(
        **received,
        uai=h.uai,
        kind=kind,
        school_year=h.school_year,
        exported_on=h.exported_on.isoformat(),
        exported_at=h.exported_at.isoformat() if h.exported_at else "",
    )
    newer = _newer_applied(
        ctx, h.uai, kind, h.exported_on.isoformat(), h.exported_at.isoformat() if h.exported_at else ""
    )
    if newer is not None:
        return _rejected(
            imp,
            ctx,
            "older_export",
            f"exported before import {newer} of the same establishment and kind, already applied; "
            "applying it would undo later changes",
            path.name,
        )
    if isinstance(export, ElevesExport):
        held = leaving_brake(ctx, h.uai, export, at)
        if held is not None:
            return _held(imp, ctx, held, path)
    return _apply(imp, export, ctx, resume=False)


# ---------------------------------------------------------------------- brake

HELD_REASON = "mass_departure"


def leaving_brake(ctx: Context, uai: str, export: ElevesExport, at: datetime) -> dict | None:
    """The brake on leaving dates (domain-rules §12): the students whose
    leaving date this export newly sets (or moves) and whose account is
    pending or active are the departures, per population of the
    establishment's structure; final-year students leaving at the end of a
    school year are expected and not counted. Returns the ``Held`` details
    when the brake is exceeded, else None."""
    p = ctx.policy
    recorded = dict(ctx.db.query("SELECT eleve_id, COALESCE(left_on, '') FROM siecle_students WHERE uai = ?", (uai,)))
    changed = {
        s.eleve_id: s
        for s in export.students
        if s.left_on is not None and s.left_on.isoformat() != recorded.get(s.eleve_id, "")
    }
    if not changed:
        return None
    correlations = student_correlations(ctx, uai, {eid: s.ine for eid, s in changed.items()})
    linked = {eid: c.account_id for eid, c in correlations.items() if c.resolved}
    if not linked:
        return None
    structure = next((sj for sj, u in ctx.db.query("SELECT jointure, uai FROM structures") if u == uai), uai)
    states = {}
    for chunk in _chunks(sorted(set(linked.values()))):
        for aid, jointure, profile, state in ctx.db.query(
            f"SELECT account_id, jointure, profile, state FROM accounts "
            f"WHERE account_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            states[aid] = (jointure, profile, state)
    found = []
    for eid, aid in sorted(linked.items()):
        if aid not in states:
            continue
        jointure, profile, state = states[aid]
        s = changed[eid]
        d = Departure(aid, jointure, profile, state, frozenset({structure}), "siecle_leaving_date")
        expected = (
            brakes.NOT_AN_ACCOUNT
            if state not in brakes.COUNTED_STATES
            else (
                brakes.EXPECTED_FINAL_YEAR
                if brakes.leaves_at_year_end(s.left_on, p.school_year_start)
                and brakes.is_final_year(s.mef or "", "", p.final_year_mef_prefixes, p.final_year_label_pattern)
                else ""
            )
        )  # the export carries the MEF code, not its label
        found.append(Departure(aid, jointure, profile, state, d.structures, d.reason, expected))
    assessment = brakes.assess(found, population_sizes(ctx, {structure}), p.brake_limits())
    if not assessment.held:
        return None
    return {**details(ctx, assessment, found, False), "siecle": {"uai": uai, "leaving_dates_set": len(changed)}}


def _held(imp: SiecleImport, ctx: Context, held: dict, path: Path) -> SiecleResult:
    message = (
        f"held: leaving dates would make {describe_brake(held)} depart; nothing applied. "
        f"`entsync siecle show {imp.id}` lists who; `entsync siecle release|reject {imp.id}` decides"
    )
    ctx.staging.keep_file(str(imp.id), path.name, path.read_bytes())
    imp.hold(HELD_REASON, message, held, imp.received_at)
    ctx.log.save(imp)
    ctx.siecle.catch_up(ctx.log)
    return SiecleResult(
        str(imp.id),
        "held",
        HELD_REASON,
        message,
        imp.uai,
        imp.kind,
        counts={
            "leaving_dates_set": held["siecle"]["leaving_dates_set"],
            "departures": len(held["departures"]),
            "counted": sum(1 for d in held["departures"] if not d["expected"]),
        },
    )


def held_import(ctx: Context, ref: str) -> SiecleImport:
    """The SIECLE import named by its id or an unambiguous prefix."""
    ids = [i for (i,) in ctx.db.query("SELECT import_id FROM siecle_imports WHERE import_id LIKE ?", (f"{ref}%",))]
    if len(ids) != 1:
        raise LookupError(f"no SIECLE import {ref!r}" if not ids else f"{ref!r} names {len(ids)} SIECLE imports")
    return ctx.log.get(UUID(ids[0]))


def release_siecle(ctx: Context, ref: str, operator: str, now: datetime | None = None) -> SiecleResult:
    """Apply a held export as it was received (its kept bytes), at the time of
    the release. A newer export of the establishment applied meanwhile makes
    it older: it is then rejected (``older_export``), not applied."""
    ctx.siecle.catch_up(ctx.log)
    imp = held_import(ctx, ref)
    if imp.status != "held":
        raise ValueError(f"SIECLE import {imp.id} is {imp.status}; only a held import can be released")
    at = ctx.effective_now(now)
    kept = ctx.staging.kept_file(str(imp.id))
    if kept is None:
        raise LookupError(
            f"the file of held SIECLE import {imp.id} is no longer kept; reject it and ingest the file again"
        )
    name, content = kept
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        try:
            export = read_export(path)
        except DeliveryRejected as exc:  # the kept bytes were read once: only a damaged store gets here
            raise ValueError(
                f"the kept file of SIECLE import {imp.id} cannot be read again ({exc.reason}); "
                "reject it and ingest the file again"
            ) from None
    h = export.header
    imp.release(operator, at)
    newer = _newer_applied(
        ctx, imp.uai, imp.kind, h.exported_on.isoformat(), h.exported_at.isoformat() if h.exported_at else ""
    )
    if newer is not None:
        imp.reject(
            "older_export",
            f"released by {operator}, but import {newer} of the same establishment and "
            "kind, exported later, was applied meanwhile; nothing applied",
            at,
            file=name,
        )
        ctx.log.save(imp)
        ctx.staging.drop_file(str(imp.id))
        ctx.siecle.catch_up(ctx.log)
        return SiecleResult(str(imp.id), "rejected", "older_export", imp_message(imp), imp.uai, imp.kind)
    ctx.log.save(imp)
    result = _apply(imp, export, ctx, resume=False, at=at)
    ctx.staging.drop_file(str(imp.id))
    precedence.apply(ctx, at)
    return result


def reject_siecle(ctx: Context, ref: str, operator: str, now: datetime | None = None) -> SiecleResult:
    ctx.siecle.catch_up(ctx.log)
    imp = held_import(ctx, ref)
    if imp.status != "held":
        raise ValueError(f"SIECLE import {imp.id} is {imp.status}; only a held import can be rejected")
    at = ctx.effective_now(now)
    imp.reject("operator_rejected", f"rejected by {operator} after a hold; nothing applied", at, file=imp.file)
    ctx.log.save(imp)
    ctx.staging.drop_file(str(imp.id))
    ctx.siecle.catch_up(ctx.log)
    return SiecleResult(str(imp.id), "rejected", "operator_rejected", imp_message(imp), imp.uai, imp.kind)


def imp_message(imp: SiecleImport) -> str:
    return f"{imp.reason}: SIECLE import {imp.id} ({imp.file})"


def _stamp(exported_on: str, exported_at: str) -> str:
    return exported_at or f"{exported_on}T00:00:00"


def _newer_applied(ctx: Context, uai: str, kind: str, exported_on: str, exported_at: str) -> str | None:
    """An applied import of the same UAI and kind exported after this one."""
    here = _stamp(exported_on, exported_at)
    for row in ctx.db.query_dicts(
        "SELECT import_id, exported_on, exported_at FROM siecle_imports "
        "WHERE uai = ? AND kind = ? AND status = 'applied' ORDER BY import_id",
        (uai, kind),
    ):
        if _stamp(row["exported_on"], row["exported_at"]) > here:
            return row["import_id"]
    return None


def _rejected(
    imp: SiecleImport, ctx: Context, reason: str, message: str, file: str = "", line: int = 0, duplicate_of: str = ""
) -> SiecleResult:
    imp.reject(reason, message, imp.received_at, file=file, line=line, duplicate_of=duplicate_of)
    ctx.log.save(imp)
    ctx.siecle.catch_up(ctx.log)
    where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
    return SiecleResult(str(imp.id), "rejected", reason, f"{reason}: {where}{message}", imp.uai, imp.kind)


# ---------------------------------------------------------------------- apply


@dataclass
class _Work:
    """What an import changes, decided before anything is written."""

    groups: Iterator  # of (aggregate,) tuples, lazily loaded
    rejections: list[Rejection]
    counts: Counter


def _apply(
    imp: SiecleImport, export: ElevesExport | ResponsablesExport, ctx: Context, resume: bool, at: datetime | None = None
) -> SiecleResult:
    """``at``: when the facts are recorded; the receipt, or the release of a held export."""
    at = at or imp.received_at
    today = at.astimezone(ZoneInfo(ctx.policy.timezone)).date()
    counts: Counter = Counter()
    if isinstance(export, ElevesExport):
        work = _eleves(imp, export, ctx, at, today, counts, resume)
    else:
        work = _responsables(imp, export, ctx, at, counts, resume)
    if not resume:
        for r in work.rejections:
            imp.reject_record(r.reason, r.file, r.line, r.record_id, r.field, r.message, at)
        for a in export.set_aside:
            imp.set_aside_field(a.reason, a.file, a.line, a.record_id, a.field, a.message, at)
        imp.start_apply(at)
        ctx.log.save(imp)

    def counted() -> Iterator[tuple]:
        for (agg,) in work.groups:
            for ev in agg.pending_events:
                counts[f"event_{type(ev).__name__}"] += 1
            if agg.pending_events:
                yield (agg,)

    ctx.log.save_in_batches(counted(), ctx.batch or BATCH)
    counts["rejected"] = len(work.rejections)
    if export.set_aside:
        counts["fields_set_aside"] = len(export.set_aside)
    imp.applied(dict(sorted(counts.items())), at)
    ctx.log.save(imp)
    ctx.siecle.catch_up(ctx.log)
    return SiecleResult(
        str(imp.id),
        "applied",
        uai=imp.uai,
        kind=imp.kind,
        counts=dict(sorted(counts.items())),
        rejections=work.rejections,
        set_aside=list(export.set_aside),
    )


def _links_now(ctx: Context, uai: str, kind: str) -> dict[str, tuple[str, str, str]]:
    """key → (account_id, rule, reason) of the correlations already recorded."""
    return {
        key: (account_id, rule, reason)
        for key, account_id, rule, reason in ctx.db.query(
            "SELECT key, account_id, rule, reason FROM siecle_account_links WHERE uai = ? AND kind = ?", (uai, kind)
        )
    }


def _differs(c: Correlation, now: tuple[str, str, str] | None) -> bool:
    return now is None or (c.account_id, c.rule, "" if c.resolved else c.reason) != now


def _eleves(
    imp: SiecleImport, export: ElevesExport, ctx: Context, at: datetime, today: date, counts: Counter, resume: bool
) -> _Work:
    uai, iid, file = imp.uai, str(imp.id), imp.file
    values = {s.eleve_id: student_values(s) for s in export.students}
    lines = {s.eleve_id: s.line for s in export.students}
    digests = {eid: digest(v) for eid, v in values.items()}
    plan = plan_snapshot(
        view.index(ctx.db, uai, "student"), digests, {r.record_id for r in export.rejections if r.record_id}
    )
    correlations = student_correlations(ctx, uai, {eid: v["ine"] for eid, v in values.items()})
    linked_now = _links_now(ctx, uai, "student")
    touched = set(plan.added) | set(plan.changed)
    relink = sorted(eid for eid in values if eid not in touched and _differs(correlations[eid], linked_now.get(eid)))
    counts.update(
        students_added=len(plan.added),
        students_changed=len(plan.changed),
        students_unchanged=plan.unchanged,
        students_absent=len(plan.absent),
        correlations_changed=sum(_differs(correlations[e], linked_now.get(e)) for e in values),
    )

    def correlate(agg: Student, eid: str) -> None:
        c = correlations[eid]
        agg.correlate(c.account_id, c.jointure, c.rule, c.reason, iid, at)

    def groups() -> Iterator[tuple]:
        for eid in plan.added:
            agg = ctx.log.find(student_id(uai, eid)) if resume else None
            if agg is None:
                agg = Student.enrol(uai, eid, values[eid], digests[eid], iid, file, lines[eid], at, today)
            else:
                agg.record(values[eid], digests[eid], iid, file, lines[eid], at, today)
            correlate(agg, eid)
            yield (agg,)
        for eid in plan.changed:
            agg = ctx.log.get(student_id(uai, eid))
            agg.record(values[eid], digests[eid], iid, file, lines[eid], at, today)
            correlate(agg, eid)
            yield (agg,)
        for eid in relink:
            agg = ctx.log.get(student_id(uai, eid))
            correlate(agg, eid)
            yield (agg,)
        for eid in plan.absent:
            agg = ctx.log.get(student_id(uai, eid))
            agg.unenrol(iid, at)
            yield (agg,)

    return _Work(groups(), list(export.rejections), counts)


def _responsables(
    imp: SiecleImport, export: ResponsablesExport, ctx: Context, at: datetime, counts: Counter, resume: bool
) -> _Work:
    uai, iid, file = imp.uai, str(imp.id), imp.file
    rejections = list(export.rejections)
    addresses = {a.address_id: a for a in export.addresses}
    values = {g.personne_id: guardian_values(g, addresses.get(g.address_id)) for g in export.guardians}
    lines = {g.personne_id: g.line for g in export.guardians}
    digests = {pid: digest(v) for pid, v in values.items()}
    set_aside = {r.record_id for r in rejections if r.record_id}
    plan = plan_snapshot(view.index(ctx.db, uai, "guardian"), digests, set_aside)

    # Links, per student; a student SIECLE never enrolled here has no stream to hold them.
    students = view.index(ctx.db, uai, "student")
    link_lines = {(lk.eleve_id, lk.personne_id): lk.line for lk in export.links}
    wanted = links_by_student(export.links)
    for eid in sorted(set(wanted) - set(students)):
        first = min(link_lines[(eid, pid)] for pid in wanted[eid])
        rejections.append(
            Rejection(
                "unknown_student",
                file,
                first,
                eid,
                "ELEVE_ID",
                "links of a student that no applied student export of this establishment "
                "carries; import the student export first",
            )
        )
        del wanted[eid]
    link_digests = {eid: digest(links) for eid, links in wanted.items()}
    link_plan = plan_snapshot(view.index(ctx.db, uai, "links"), link_digests)
    keep = frozenset(set_aside)

    # Correlation of the persons who get an account (level 1 or 2 somewhere).
    per_person: dict[str, dict[str, dict]] = defaultdict(dict)
    for eid, links in wanted.items():
        for pid, v in links.items():
            per_person[pid][eid] = v
    with_account = {pid for pid in values if account_levels(per_person.get(pid, {}))}
    correlations = guardian_correlations(
        ctx,
        uai,
        {pid: values[pid] for pid in with_account},
        {pid: sorted(e for e, v in per_person[pid].items() if v["level"] != 3) for pid in with_account},
    )
    linked_now = _links_now(ctx, uai, "guardian")
    touched = set(plan.added) | set(plan.changed)
    relink = sorted(p for p in with_account if p not in touched and _differs(correlations[p], linked_now.get(p)))
    counts.update(
        guardians_added=len(plan.added),
        guardians_changed=len(plan.changed),
        guardians_unchanged=plan.unchanged,
        guardians_absent=len(plan.absent),
        students_links_changed=len(link_plan.added) + len(link_plan.changed) + len(link_plan.absent),
        correlations_changed=sum(_differs(correlations[p], linked_now.get(p)) for p in with_account),
    )

    def correlate(agg: Guardian, pid: str) -> None:
        if pid in correlations:
            c = correlations[pid]
            agg.correlate(c.account_id, c.jointure, c.rule, c.reason, iid, at)

    def groups() -> Iterator[tuple]:
        for pid in plan.added:
            agg = ctx.log.find(guardian_id(uai, pid)) if resume else None
            if agg is None:
                agg = Guardian(
                    uai=uai,
                    personne_id=pid,
                    attrs=values[pid],
                    digest=digests[pid],
                    import_id=iid,
                    file=file,
                    line=lines[pid],
                    at=at,
                )
            else:
                agg.record(values[pid], digests[pid], iid, file, lines[pid], at)
            correlate(agg, pid)
            yield (agg,)
        for pid in plan.changed:
            agg = ctx.log.get(guardian_id(uai, pid))
            agg.record(values[pid], digests[pid], iid, file, lines[pid], at)
            correlate(agg, pid)
            yield (agg,)
        for pid in relink:
            agg = ctx.log.get(guardian_id(uai, pid))
            correlate(agg, pid)
            yield (agg,)
        for pid in plan.absent:
            agg = ctx.log.get(guardian_id(uai, pid))
            agg.withdraw(iid, at)
            yield (agg,)
        for eid in (*link_plan.added, *link_plan.changed, *link_plan.absent):
            agg = ctx.log.get(student_id(uai, eid))
            agg.record_links(wanted.get(eid, {}), link_digests.get(eid, ""), iid, at, keep)
            yield (agg,)

    return _Work(groups(), sorted(rejections, key=lambda r: (r.line, r.record_id, r.field, r.reason)), counts)


# ---------------------------------------------------------------------- correlation inputs


def _first(attrs: dict, name: str) -> str:
    values = attrs.get(name) or [""]
    return values[0]


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _student_candidate(account_id: str, jointure: str, attrs_json: str, uai_of: dict[str, str]) -> Candidate:
    attrs = json.loads(attrs_json)
    return Candidate(
        account_id=account_id,
        jointure=jointure,
        eleve_id=_first(attrs, "ENTEleveStructRattachId"),
        ine=_first(attrs, "ENTEleveINE"),
        uais=frozenset(uai_of.get(sj, "") for sj in attrs.get("ENTPersonStructRattach", [])),
    )


def student_correlations(ctx: Context, uai: str, ines: dict[str, str]) -> dict[str, Correlation]:
    """ELEVE_ID → correlation (domain-rules §11), from the directory read model:
    first the student accounts of the establishment's structures, then, for
    the records still without account, every student account by INE."""
    db = ctx.db
    uai_of = dict(db.query("SELECT jointure, uai FROM structures"))
    sjs = [sj for sj, u in uai_of.items() if u == uai]
    local: list[Candidate] = []
    for chunk in _chunks(sjs):
        marks = ",".join("?" * len(chunk))
        for aid, jointure, attrs in db.query(
            f"SELECT DISTINCT a.account_id, a.jointure, a.attrs FROM accounts a "
            f"JOIN account_structures s ON s.account_id = a.account_id "
            f"WHERE s.structure IN ({marks}) AND a.category = 'Eleve' "
            f"AND a.state NOT IN ({','.join('?' * len(UNLINKABLE_STATES))})",
            (*chunk, *UNLINKABLE_STATES),
        ):
            local.append(_student_candidate(aid, jointure, attrs, uai_of))
    by_eid, by_ine = defaultdict(list), defaultdict(list)
    for c in local:
        by_eid[c.eleve_id].append(c)
        by_ine[c.ine].append(c)
    out = {eid: correlate_student(uai, eid, ine, by_eid.get(eid, ()), by_ine.get(ine, ())) for eid, ine in ines.items()}
    missing = {eid: ines[eid] for eid, c in out.items() if not c.resolved and c.reason == "no_account" and ines[eid]}
    if missing:
        wanted = set(missing.values())
        anywhere: dict[str, list[Candidate]] = defaultdict(list)
        for aid, jointure, attrs in db.query(
            f"SELECT account_id, jointure, attrs FROM accounts WHERE category = 'Eleve' "
            f"AND state NOT IN ({','.join('?' * len(UNLINKABLE_STATES))})",
            UNLINKABLE_STATES,
        ):
            c = _student_candidate(aid, jointure, attrs, uai_of)
            if c.ine in wanted:
                anywhere[c.ine].append(c)
        for eid, ine in missing.items():
            out[eid] = correlate_student(uai, eid, ine, (), anywhere.get(ine, ()))
    return out


def guardian_correlations(
    ctx: Context, uai: str, persons: dict[str, dict], students_of: dict[str, list[str]]
) -> dict[str, Correlation]:
    """PERSONNE_ID → correlation (domain-rules §11): the PersRelEleve account
    whose jointure is the PERSONNE_ID, else by name among the guardian
    accounts of the person's students' linked accounts."""
    db = ctx.db
    states = ",".join("?" * len(UNLINKABLE_STATES))
    pids = sorted(persons)
    by_jointure: dict[str, Candidate] = {}
    for chunk in _chunks(pids):
        for aid, jointure in db.query(
            f"SELECT account_id, jointure FROM accounts WHERE category = 'PersRelEleve' "
            f"AND jointure IN ({','.join('?' * len(chunk))}) AND state NOT IN ({states})",
            (*chunk, *UNLINKABLE_STATES),
        ):
            by_jointure[jointure] = Candidate(account_id=aid, jointure=jointure)
    rest = [p for p in pids if p not in by_jointure]
    guardians_of: dict[str, list[Candidate]] = defaultdict(list)  # student ELEVE_ID → guardian accounts
    if rest:
        account_of = {
            key: aid
            for key, aid in db.query(
                "SELECT key, account_id FROM siecle_account_links WHERE uai = ? AND kind = 'student' "
                "AND status = 'linked'",
                (uai,),
            )
        }
        eids = sorted({e for p in rest for e in students_of.get(p, []) if e in account_of})
        student_of_account = {account_of[e]: e for e in eids}
        pairs: list[tuple[str, str]] = []
        for chunk in _chunks(sorted(student_of_account)):
            pairs += db.query(
                f"SELECT student_id, guardian_jointure FROM guardian_links "
                f"WHERE student_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        accounts: dict[str, Candidate] = {}
        for chunk in _chunks(sorted({g for _, g in pairs})):
            for aid, jointure, attrs_json in db.query(
                f"SELECT account_id, jointure, attrs FROM accounts WHERE category = 'PersRelEleve' "
                f"AND jointure IN ({','.join('?' * len(chunk))}) AND state NOT IN ({states})",
                (*chunk, *UNLINKABLE_STATES),
            ):
                attrs = json.loads(attrs_json)
                accounts[jointure] = Candidate(
                    account_id=aid,
                    jointure=jointure,
                    name=normalised_identity(_first(attrs, "sn"), _first(attrs, "givenName")),
                )
        for student, g in pairs:
            if g in accounts:
                guardians_of[student_of_account[student]].append(accounts[g])
    return {
        pid: correlate_guardian(
            pid,
            guardian_names(persons[pid]),
            by_jointure.get(pid),
            [c for e in students_of.get(pid, []) for c in guardians_of.get(e, [])],
        )
        for pid in pids
    }


__all__ = [
    "ingest_siecle",
    "release_siecle",
    "reject_siecle",
    "leaving_brake",
    "SiecleResult",
    "student_correlations",
    "guardian_correlations",
]
