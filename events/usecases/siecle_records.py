"""What a SIECLE export changes, decided before anything is written
(formats §2; domain-rules §4, §5, §11): each record's digest is compared
with the SIECLE read model's (an unchanged record costs a hash, no aggregate
load, no event); only the changed streams are loaded and told the new
values, and they record only what differs. Correlations to accounts are
recorded when they change. A student absent from a full export is
unenrolled, a guardian withdrawn; a record this export rejected is not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from adapters.errors import Rejection
from adapters.siecle import ElevesExport, ResponsablesExport
from events.siecle.guardian import Guardian
from events.siecle.ids import guardian_id, student_id
from events.siecle.intake import SiecleImport
from events.siecle.student import Student
from events.siecle_rules import (
    Correlation,
    KnownRecord,
    account_levels,
    digest,
    guardian_values,
    links_by_student,
    plan_snapshot,
    student_values,
)
from events.usecases.ports import EventLog
from events.usecases.siecle_correlation import CorrelationQueries, guardian_correlations, student_correlations
from events.usecases.siecle_suspend import suspensions
from events.usecases.siecle_swaps import guardian_swaps


@dataclass(frozen=True)
class RecordedLink:
    """A correlation recorded for a SIECLE record: its account, or why none ("" when linked)."""

    account_id: str
    rule: str
    reason: str


class RecordQueries(CorrelationQueries, Protocol):
    """What the SIECLE read model knows of an establishment's records (projections/siecle_queries.py)."""

    def index(self, uai: str, kind: str) -> dict[str, KnownRecord]:
        """key → what the read model holds of the establishment's records of a kind:
        student | guardian | links (a student's link set)."""

    def links(self, uai: str, kind: str) -> dict[str, RecordedLink]:
        """key → the correlation recorded for each record of a kind: student | guardian."""


class RecordWork(Protocol):
    @property
    def log(self) -> EventLog: ...
    @property
    def siecle_queries(self) -> RecordQueries: ...
    @property
    def pepper(self) -> bytes: ...  # the store's keyed-hash secret: records' digests


@dataclass
class Changes:
    """What an import changes, decided before anything is written."""

    groups: Iterator[tuple[Any]]  # lazily loaded aggregates
    rejections: list[Rejection]


def _differs(c: Correlation, now: RecordedLink | None) -> bool:
    return now != RecordedLink(c.account_id, c.rule, "" if c.resolved else c.reason)


def student_changes(
    imp: SiecleImport,
    export: ElevesExport,
    uow: RecordWork,
    at: datetime,
    today: date,
    counts: Counter[str],
    resume: bool,
    threshold: float | None = None,
    suspend: bool = False,
) -> Changes:
    """What a student export changes; ``threshold`` (policy
    ``overwrite_name_similarity``) judges each changed identity (§5)."""
    uai, iid, file, q = imp.uai, str(imp.id), imp.file, uow.siecle_queries
    values = {s.eleve_id: student_values(s) for s in export.students}
    lines = {s.eleve_id: s.line for s in export.students}
    digests = {eid: digest(uow.pepper, v) for eid, v in values.items()}
    plan = plan_snapshot(q.index(uai, "student"), digests, {r.record_id for r in export.rejections if r.record_id})
    correlations = student_correlations(uow, uai, {eid: v["ine"] for eid, v in values.items()})
    linked_now = q.links(uai, "student")
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

    def groups() -> Iterator[tuple[Any]]:
        for eid in plan.added:
            agg = uow.log.find(student_id(uai, eid)) if resume else None
            if agg is None:
                agg = Student.enrol(uai, eid, values[eid], digests[eid], iid, file, lines[eid], at, today)
            else:
                agg.record(values[eid], digests[eid], iid, file, lines[eid], at, today, threshold)
            correlate(agg, eid)
            yield (agg,)
        for eid in plan.changed:
            agg = uow.log.get(student_id(uai, eid))
            agg.record(values[eid], digests[eid], iid, file, lines[eid], at, today, threshold)
            suspended = list(suspensions(agg, uow.log, at)) if suspend else []
            correlate(agg, eid)
            yield (agg,)
            yield from suspended
        for eid in relink:
            agg = uow.log.get(student_id(uai, eid))
            correlate(agg, eid)
            yield (agg,)
        for eid in plan.absent:
            agg = uow.log.get(student_id(uai, eid))
            agg.unenrol(iid, at)
            yield (agg,)

    return Changes(groups(), list(export.rejections))


def _unknown_student(file: str, line: int, eleve_id: str) -> Rejection:
    return Rejection(
        "unknown_student",
        file,
        line,
        eleve_id,
        "ELEVE_ID",
        "links of a student that no applied student export of this establishment carries; import the student "
        "export first",
    )


def guardian_changes(
    imp: SiecleImport,
    export: ResponsablesExport,
    uow: RecordWork,
    at: datetime,
    counts: Counter[str],
    resume: bool,
    threshold: float | None = None,
    suspend: bool = False,
) -> Changes:
    """What a guardian export changes; ``threshold`` judges each changed
    identity (§5), two guardians of one student exchanging identities being
    one swap recorded on the student (events/usecases/siecle_swaps.py)."""
    uai, iid, file, q = imp.uai, str(imp.id), imp.file, uow.siecle_queries
    rejections = list(export.rejections)
    addresses = {a.address_id: a for a in export.addresses}
    values = {g.personne_id: guardian_values(g, addresses.get(g.address_id)) for g in export.guardians}
    lines = {g.personne_id: g.line for g in export.guardians}
    digests = {pid: digest(uow.pepper, v) for pid, v in values.items()}
    set_aside = {r.record_id for r in rejections if r.record_id}
    plan = plan_snapshot(q.index(uai, "guardian"), digests, set_aside)

    # Links, per student; a student SIECLE never enrolled here has no stream to hold them.
    students = q.index(uai, "student")
    link_lines = {(lk.eleve_id, lk.personne_id): lk.line for lk in export.links}
    wanted = links_by_student(export.links)
    for eid in sorted(set(wanted) - set(students)):
        rejections.append(_unknown_student(file, min(link_lines[(eid, pid)] for pid in wanted[eid]), eid))
        del wanted[eid]
    link_digests = {eid: digest(uow.pepper, links, "siecle-links") for eid, links in wanted.items()}
    link_plan = plan_snapshot(q.index(uai, "links"), link_digests)
    keep = frozenset(set_aside)

    # Correlation of the persons who get an account (level 1 or 2 somewhere).
    per_person: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for eid, links in wanted.items():
        for pid, v in links.items():
            per_person[pid][eid] = v
    with_account = {pid for pid in values if account_levels(per_person.get(pid, {}))}
    correlations = guardian_correlations(
        uow,
        uai,
        {pid: values[pid] for pid in with_account},
        {pid: sorted(e for e, v in per_person[pid].items() if v["level"] != 3) for pid in with_account},
    )
    linked_now = q.links(uai, "guardian")
    swaps = guardian_swaps(uow.log, uai, plan.changed, values, wanted, threshold)
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

    def groups() -> Iterator[tuple[Any]]:
        for pid in plan.added:
            agg = uow.log.find(guardian_id(uai, pid)) if resume else None
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
                agg.record(values[pid], digests[pid], iid, file, lines[pid], at, threshold)
            suspended = list(suspensions(agg, uow.log, at)) if suspend else []
            correlate(agg, pid)
            yield (agg,)
            yield from suspended
        for pid in plan.changed:
            agg = swaps.loaded.pop(pid, None) or uow.log.get(guardian_id(uai, pid))
            if pid in swaps.partner:
                other, eid = swaps.partner[pid]
                agg.swap(values[pid], digests[pid], other, eid, iid, file, lines[pid], at)
            else:
                agg.record(values[pid], digests[pid], iid, file, lines[pid], at, threshold)
            suspended = list(suspensions(agg, uow.log, at)) if suspend else []
            correlate(agg, pid)
            yield (agg,)
            yield from suspended
        for pid in relink:
            agg = uow.log.get(guardian_id(uai, pid))
            correlate(agg, pid)
            yield (agg,)
        for pid in plan.absent:
            agg = uow.log.get(guardian_id(uai, pid))
            agg.withdraw(iid, at)
            yield (agg,)
        relinked = {*link_plan.added, *link_plan.changed, *link_plan.absent}
        for eid in sorted(relinked | set(swaps.by_student)):
            agg = uow.log.get(student_id(uai, eid))
            if eid in relinked:
                agg.record_links(wanted.get(eid, {}), link_digests.get(eid, ""), iid, at, keep)
            for swap in swaps.by_student.get(eid, []):
                agg.note_swap([swap.first, swap.second], iid, file, min(lines[swap.first], lines[swap.second]), at)
            yield (agg,)

    return Changes(groups(), sorted(rejections, key=lambda r: (r.line, r.record_id, r.field, r.reason)))
