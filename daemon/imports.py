"""The timetable import pipeline (domain-rules §7): the service that joins the
STS-web and timetable adapters, the directory read model (for matching),
the event log and the imports read model.

``receive`` reads a file, matches it and decides: rejected (with a stable
reason), awaiting an operator (first import of the school year), or applied.
``validate`` applies an import awaiting validation; ``retry`` decides again
on an import rejected for its thresholds, with named thresholds lifted for
that one import. Each command records its facts in one save and brings the
imports read model up to date.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from uuid import UUID

from lxml import etree

from adapters.errors import DeliveryRejected
from adapters.sniff import kind_of
from adapters.sts.parser import read_sts
from adapters.sts.records import StsExport
from adapters.timetable.parser import read_edt
from adapters.xmlfile import first_events
from daemon.bootstrap import Context
from events.imports import TimetableImport, import_id
from projections import import_queries as q
from projections.derive import first
from projections.rules import uai_is_valid
from projections.timetable import (
    LockedThreshold, Snapshot, bilan, changes_counts, decide, refusal, school_year_of, snapshot_from_dict,
    snapshot_to_dict,
)
from projections.timetable_match import DirectoryView, Matched, Person, match_edt, match_sts, person_identity

KINDS = ("sts", "edt-sts", "timetable-edt")  # what adapters/sniff.py recognises as this pipeline's input
CHUNK = 500


class ImportRefused(ValueError):
    """The command cannot run (unreadable path, unknown import id)."""


@dataclass
class ImportResult:
    import_id: str
    status: str  # applied | awaiting_validation | rejected | already-<status>
    uai: str = ""
    file: str = ""
    reason: str = ""
    message: str = ""
    counts: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 applied; 2 rejected or waiting for an operator (nothing applied yet)."""
        return 0 if self.status in ("applied", "already-applied") else 2

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# ---------------------------------------------------------------------------- receive

def receive(path: str | Path, ctx: Context, now: datetime | None = None) -> ImportResult:
    """Receive the STS-web or timetable export at ``path`` (domain-rules §7)."""
    path = Path(path)
    sha256, size = _digest(path)
    at = ctx.effective_now(now)
    kind = kind_of(path)
    source = "sts" if kind in ("sts", "edt-sts") else "edt"
    export, failure = None, None
    try:
        if kind == "timetable-edt":
            export = read_edt(path)
        elif kind in ("sts", "edt-sts"):
            export = read_sts(path)  # refuses EDT_STS with its explanation
        else:
            raise DeliveryRejected("unknown_format", "neither an Index Education timetable export "
                                   "(ExportEmploiDuTemps, clear XML) nor an STS-web export (STS_EDT)", path.name)
    except DeliveryRejected as exc:
        failure = exc
    uai = export.header.uai if export is not None else _sniff_uai(path)
    iid = import_id(uai, sha256, at)
    existing = ctx.log.find(iid)
    if existing is not None:
        ctx.imports.catch_up(ctx.log)
        return ImportResult(str(iid), f"already-{existing.status}", uai, path.name, existing.reason,
                            "this file was already received at this time; nothing recorded")
    ctx.projection.catch_up(ctx.log)
    ctx.imports.catch_up(ctx.log)

    if export is None:
        imp = _received(ctx, uai, source, path, sha256, size, 0, None, [], at)
        details = {"file": failure.file, "line": failure.line}
        imp.reject(failure.reason, failure.message, details, [], at)
        return _save(ctx, imp, failure.message, details)

    school_year = export.header.school_year if isinstance(export, StsExport) else school_year_of(export.header.starts_on)
    view = directory_view(ctx, uai, _identities(export))
    matched = match_sts(export, view) if isinstance(export, StsExport) else match_edt(export, view)
    imp = _received(ctx, uai, source, path, sha256, size, school_year, matched, list(export.rejections), at)
    # The 15-July rule is the timetable's (its parser refuses a late end): an
    # STS-web DATE_FIN is the administrative year's end (31 August), not a
    # timetable's, and is not checked.
    stop = refusal(uai=uai, uai_known=view.known, copies=q.earlier_copies(ctx.db, uai, sha256),
                   school_year=school_year, ends_on=None if isinstance(export, StsExport) else export.header.ends_on,
                   record_rejections=list(export.rejections))
    if stop is not None:
        imp.reject(stop.reason, stop.message, stop.details, [], at)
        return _save(ctx, imp, stop.message, stop.details)
    return _decide(ctx, imp, at)


def _received(ctx: Context, uai: str, source: str, path: Path, sha256: str, size: int, school_year: int,
              matched: Matched | None, rejections: list, at: datetime) -> TimetableImport:
    return TimetableImport(
        uai=uai, source=source, file=path.name, sha256=sha256, size=size, school_year=school_year,
        snapshot=snapshot_to_dict(matched.snapshot) if matched else {},
        matches=[m.as_dict() for m in matched.matches] if matched else [],
        summary={k: list(v) for k, v in matched.summary.items()} if matched else {},
        record_rejections=[dict(r.__dict__) for r in rejections], at=at)


def _decide(ctx: Context, imp: TimetableImport, at: datetime) -> ImportResult:
    """First import of the year → awaiting validation; else compare with the
    last applied timetable and apply, or reject over the thresholds."""
    after = snapshot_from_dict(imp.snapshot) or Snapshot()
    first_of_year = q.applied_count(ctx.db, imp.uai, imp.source, imp.school_year) == 0
    before = q.current_timetable(ctx.db, imp.uai, imp.source, imp.school_year)
    decision = decide(before, after, first_of_year, ctx.policy.timetable_thresholds, frozenset(imp.lifted))
    summary = {k: tuple(v) for k, v in imp.summary.items()}
    report = [[name, lines] for name, lines in bilan(decision.changes, summary, decision.over).items()]
    counts = changes_counts(decision.changes)
    if decision.outcome == "awaiting_validation":
        imp.await_validation(report, at)
        return _save(ctx, imp, "first import of the school year: check the matches (entsync imports show "
                     f"{imp.id}) and validate it (entsync imports validate {imp.id})", {}, counts)
    if decision.outcome == "rejected":
        names = ", ".join(sorted(decision.over))
        message = (f"over the change thresholds: {names}; nothing applied (lift with entsync imports retry "
                   f"{imp.id} --lift NAME, except structures_deleted_with_sessions)")
        details = {"thresholds": decision.over, "counts": counts}
        imp.reject("threshold_exceeded", message, details, report, at)
        return _save(ctx, imp, message, details, counts)
    imp.apply(counts, report, at)
    return _save(ctx, imp, "", {}, counts)


def _save(ctx: Context, imp: TimetableImport, message: str, details: dict, counts: dict | None = None) -> ImportResult:
    ctx.log.save(imp)
    ctx.imports.catch_up(ctx.log)
    return ImportResult(str(imp.id), imp.status, imp.uai, imp.file, imp.reason, message, counts or {}, details)


# ---------------------------------------------------------------------------- operator commands

def load(ctx: Context, key: str) -> TimetableImport:
    """The import with this id (or unambiguous id prefix)."""
    ctx.imports.catch_up(ctx.log)
    found = q.find(ctx.db, key)
    imp = ctx.log.find(UUID(found)) if found else None
    if imp is None:
        raise LookupError(f"no timetable import {key!r}")
    return imp


def validate(key: str, operator: str, ctx: Context, now: datetime | None = None) -> ImportResult:
    """An operator validates the first import of a school year: it is applied,
    compared with the last applied timetable of that year if any (domain-rules §7)."""
    imp = load(ctx, key)
    at = ctx.effective_now(now)
    imp.validate(operator, at)
    after = snapshot_from_dict(imp.snapshot) or Snapshot()
    before = q.current_timetable(ctx.db, imp.uai, imp.source, imp.school_year)
    decision = decide(before, after, False, {})
    counts = changes_counts(decision.changes)
    report = bilan(decision.changes, {k: tuple(v) for k, v in imp.summary.items()})
    imp.apply(counts, [[name, lines] for name, lines in report.items()], at)
    return _save(ctx, imp, "", {}, counts)


def retry(key: str, lift: list[str], operator: str, ctx: Context, now: datetime | None = None) -> ImportResult:
    """Decide again on an import rejected for its thresholds, with ``lift``
    lifted for this import only. The structure-protection threshold can never
    be lifted (001 §3.4: "sauf le dernier de la liste")."""
    thresholds = ctx.policy.timetable_thresholds
    unknown = sorted(set(lift) - set(thresholds))
    if unknown:
        raise ValueError(f"unknown threshold {', '.join(unknown)}; known: {', '.join(thresholds)}")
    locked = sorted(n for n in set(lift) if not thresholds[n].liftable)
    if locked:
        raise LockedThreshold(f"threshold {', '.join(locked)} protects the structure of the cahier de textes and "
                              "can never be lifted (domain-rules §7); correct the timetable and send it again")
    imp = load(ctx, key)
    at = ctx.effective_now(now)
    if lift:
        imp.lift(sorted(set(lift)), operator, at)
    imp.retry(operator, at)
    return _decide(ctx, imp, at)


# ---------------------------------------------------------------------------- reading

def directory_view(ctx: Context, uai: str, identities: set[str]) -> DirectoryView:
    """What matching needs of the directory read model for one establishment:
    its classes and groups, the accounts attached to it, and the accounts
    elsewhere that carry one of ``identities`` (a teacher attached to another
    establishment). Removed and withdrawn accounts are left out."""
    db = ctx.db
    structures = db.query("SELECT jointure, classes, groups FROM structures WHERE uai = ?", (uai,))
    if not uai or not structures:
        return DirectoryView(uai, False)
    sjs = [s for s, _, _ in structures]
    classes = {c for _, cs, _ in structures for c in json.loads(cs)}
    groups = {g for _, _, gs in structures for g in json.loads(gs)}
    marks = ",".join("?" * len(sjs))
    for kind, code in db.query(f"SELECT DISTINCT kind, code FROM memberships WHERE structure IN ({marks})", sjs):
        (classes if kind == "class" else groups).add(code)
    live = "a.state NOT IN ('removed', 'withdrawn')"
    people: dict[str, Person] = {}
    for row in db.query(f"SELECT DISTINCT a.jointure, a.profile, a.identity, a.attrs FROM accounts a JOIN "
                        f"account_structures s ON s.account_id = a.account_id WHERE s.structure IN ({marks}) "
                        f"AND {live}", sjs):
        people[row[0]] = _person(row, True)
    wanted = sorted(identities)
    for i in range(0, len(wanted), CHUNK):
        part = wanted[i:i + CHUNK]
        for row in db.query(f"SELECT a.jointure, a.profile, a.identity, a.attrs FROM accounts a WHERE a.identity IN "
                            f"({','.join('?' * len(part))}) AND {live}", part):
            people.setdefault(row[0], _person(row, False))
    return DirectoryView(uai, True, frozenset(classes), frozenset(groups), tuple(people.values()))


def _person(row: tuple, local: bool) -> Person:
    jointure, profile, identity, attrs = row
    attrs = json.loads(attrs)
    return Person(jointure, profile, identity or "", first(attrs, "ENTPersonSTSId"), first(attrs, "ENTEleveINE"),
                  first(attrs, "ENTEleveStructRattachId"), local)


def _identities(export) -> set[str]:
    if isinstance(export, StsExport):
        people = [(p.family_name, p.given_name, p.birth_date) for p in export.persons]
    else:
        people = [(p.family_name, p.given_name, p.birth_date) for p in (*export.teachers, *export.students)]
    return {i for i in (person_identity(*p) for p in people) if i}


def _digest(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise ImportRefused(f"cannot read {path} ({type(exc).__name__})") from None
    return h.hexdigest(), size


def _sniff_uai(path: Path) -> str:
    """The UAI of a file the adapters refused, when its first bytes show one
    (EDT root ``@UAI``, STS ``UAJ/@CODE`` or ``UAJ`` text): so that a
    rejection is still counted under its establishment. '' otherwise."""
    try:
        for ev, elem in first_events(path, ("start", "end")):
            local = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
            value = (elem.get("UAI") if ev == "start" else
                     (elem.get("CODE") or (elem.text or "")) if local == "UAJ" else None)
            if value and uai_is_valid(value.strip()):
                return value.strip()
    except ValueError:
        pass
    return ""
