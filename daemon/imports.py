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
from datetime import date, datetime, timezone
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from lxml import etree

from adapters.errors import DeliveryRejected
from adapters.sniff import kind_of
from adapters.sts.parser import read_sts
from adapters.sts.records import StsExport
from adapters.timetable.parser import read_edt
from adapters.validators import uai_is_valid
from adapters.xmlfile import first_events
from daemon.bootstrap import Context
from events.derive import first
from events.imports import TimetableImport, import_id
from events.rules import normalised_identity
from events.timetable import bilan as timetable_bilan
from events.timetable.bilan import EDT_END_OF_YEAR_EN, EDT_END_OF_YEAR_FR
from events.timetable.changes import changes_counts, diff
from events.timetable.decision import (
    LockedThreshold,
    Refusal,
    decide,
    end_date_limit_of,
    end_date_problem,
    refusal,
    school_year_of,
    set_aside_refusal,
)
from events.timetable.edt import match_edt
from events.timetable.matching import (
    STAFF,
    STUDENTS,
    DirectoryView,
    Match,
    Matched,
    Person,
    Remembered,
    person_identity,
    rematch,
)
from events.timetable.resolve import resolve
from events.timetable.snapshot import Snapshot, snapshot_from_dict, snapshot_to_dict, until
from events.timetable.sts import match_sts
from projections import import_queries as q

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
    # Records the reader set aside (counted by reason in the metrics; not in as_dict).
    rejections: list = field(default_factory=list, repr=False)

    @property
    def exit_code(self) -> int:
        """0 applied; 3 applied with records set aside (as an AAF delivery);
        2 rejected or waiting for an operator (nothing applied yet)."""
        if self.status == "applied" and self.rejections:
            return 3
        return 0 if self.status in ("applied", "already-applied") else 2

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "rejections"}


# ---------------------------------------------------------------------------- receive


def receive(path: str | Path, ctx: Context, now: datetime | None = None) -> ImportResult:
    """Receive the STS-web or timetable export at ``path`` (domain-rules §7, §12)."""
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
            raise DeliveryRejected(
                "unknown_format",
                "neither an Index Education timetable export "
                "(ExportEmploiDuTemps, clear XML) nor an STS-web export (STS_EDT)",
                path.name,
            )
    except DeliveryRejected as exc:
        failure = exc
    uai = export.header.uai if export is not None else _sniff_uai(path)
    iid = import_id(uai, sha256, at)
    existing = ctx.log.find(iid)
    if existing is not None:
        ctx.imports.catch_up(ctx.log)
        return ImportResult(
            str(iid),
            f"already-{existing.status}",
            uai,
            path.name,
            existing.reason,
            "this file was already received at this time; nothing recorded",
        )
    ctx.projection.catch_up(ctx.log)
    ctx.imports.catch_up(ctx.log)

    if export is None:
        imp = _received(ctx, uai, source, path, sha256, size, 0, None, [], at)
        details = {"file": failure.file, "line": failure.line}
        imp.reject(failure.reason, failure.message, details, [], at)
        return _save(ctx, [imp], failure.message, details)

    edt = not isinstance(export, StsExport)
    school_year = school_year_of(export.header.starts_on) if edt else export.header.school_year
    first_of_year = q.applied_count(ctx.db, uai, source, school_year) == 0
    view = directory_view(ctx, uai, _identities(export))
    awaiting = q.awaiting(ctx.db, uai, source)
    if edt:
        before, previous = _last_applied(ctx, uai, source, school_year)
        remembered = q.remembered(ctx.db, uai, source, school_year)
        if awaiting:  # the hand matches of the export this one replaces are not lost
            remembered = _merge_remembered(remembered, q.hand_matches(ctx.db, awaiting["import_id"]))
        matched = match_edt(export, view, tuple(remembered), before, previous)
    else:
        matched = match_sts(export, view)
    imp = _received(ctx, uai, source, path, sha256, size, school_year, matched, list(export.rejections), at)
    exported_at = _exported_at(export.header.exported_at if edt else None, path, ctx.policy.timezone)
    if edt:
        imp.read(
            matched.plan,
            exported_at,
            _people(export, matched),
            list(matched.not_imported),
            {k: list(v) for k, v in matched.set_aside_share.items()},
            at,
        )
    # The 15-July rule is the timetable's: an STS-web DATE_FIN is the
    # administrative year's end (31 August), not a timetable's, and is not checked.
    stop = refusal(
        uai=uai,
        uai_known=view.known,
        copies=q.earlier_copies(ctx.db, uai, sha256),
        school_year=school_year,
        ends_on=export.header.ends_on if edt else None,
        automatic=not first_of_year,
        end_help=EDT_END_OF_YEAR_EN,
    )
    if stop is None and awaiting and exported_at <= awaiting["exported_at"]:
        stop = Refusal(
            "older_than_awaiting",
            f"import {awaiting['import_id']}, exported "
            f"{awaiting['exported_at']}, awaits validation and is not older than this export "
            f"(exported {exported_at}); nothing recorded for this one (entsync imports cancel "
            f"{awaiting['import_id'][:8]} first to import an older export)",
            {"awaiting": awaiting["import_id"]},
        )
    if stop is None and not first_of_year and edt:
        stop = set_aside_refusal(
            matched.set_aside_share, ctx.policy.timetable_set_aside_limits, ctx.policy.timetable_set_aside_minimum
        )
    if stop is not None:
        report = _report(imp, None, before) if stop.reason == "too_many_set_aside" else []  # an EDT import
        imp.reject(stop.reason, stop.message, stop.details, report, at)
        result = _save(ctx, [imp], stop.message, stop.details)
        result.rejections = list(export.rejections)
        return result
    replaced = []
    if awaiting:  # one awaiting import per establishment and source: the newer export replaces it
        older = ctx.log.find(UUID(awaiting["import_id"]))
        older.replace_by(str(imp.id), at)
        replaced.append(older)
    result = _decide(ctx, imp, at, first_of_year, replaced)
    if replaced:
        result.message = (
            f"replaces import {awaiting['import_id']} (an older export awaiting validation); " + result.message
        )
    result.rejections = list(export.rejections)
    return result


def _received(
    ctx: Context,
    uai: str,
    source: str,
    path: Path,
    sha256: str,
    size: int,
    school_year: int,
    matched: Matched | None,
    rejections: list,
    at: datetime,
) -> TimetableImport:
    return TimetableImport(
        uai=uai,
        source=source,
        file=path.name,
        sha256=sha256,
        size=size,
        school_year=school_year,
        snapshot=snapshot_to_dict(matched.snapshot) if matched else {},
        matches=[m.as_dict() for m in matched.matches] if matched else [],
        summary={k: list(v) for k, v in matched.summary.items()} if matched else {},
        record_rejections=[dict(r.__dict__) for r in rejections],
        at=at,
    )


def _decide(
    ctx: Context, imp: TimetableImport, at: datetime, first_of_year: bool, others: list | None = None
) -> ImportResult:
    """First import of the year → awaiting validation; else compare with the
    last applied timetable and apply, or reject over the thresholds."""
    after = snapshot_from_dict(imp.snapshot) or Snapshot()
    before = q.current_timetable(ctx.db, imp.uai, imp.source, imp.school_year)
    decision = decide(before, after, first_of_year, ctx.policy.timetable_thresholds, frozenset(imp.lifted))
    report = _report(imp, decision, before, after)
    counts = changes_counts(decision.changes)
    saved = [imp, *(others or [])]
    if decision.outcome == "awaiting_validation":
        imp.await_validation(report, at)
        return _save(
            ctx,
            saved,
            "first import of the school year: check the matches (entsync imports show "
            f"{imp.id}), match by hand what needs it (entsync imports match) and validate it "
            f"(entsync imports validate {imp.id})",
            {},
            counts,
        )
    if decision.outcome == "rejected":
        names = ", ".join(sorted(decision.over))
        message = (
            f"over the change thresholds: {names}; nothing applied (lift with entsync imports retry "
            f"{imp.id} --lift NAME, except structures_deleted_with_sessions)"
        )
        details = {"thresholds": decision.over, "counts": counts}
        imp.reject("threshold_exceeded", message, details, report, at)
        return _save(ctx, saved, message, details, counts)
    imp.apply(counts, report, at)
    return _save(ctx, saved, "", {}, counts)


def _report(
    imp: TimetableImport,
    decision,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    matched: Matched | None = None,
) -> list:
    """The bilan as [section, lines] pairs (seed 004's order and labels), of
    the import as recorded or, with ``matched``, as resolved again."""
    if matched is None:
        summary = {k: tuple(v) for k, v in imp.summary.items()}
        matches, not_imported = imp.matches, list(imp.not_imported)
    else:
        summary = dict(matched.summary)
        matches, not_imported = [m.as_dict() for m in matched.matches], list(matched.not_imported)
    if decision is None:
        after = snapshot_from_dict(imp.snapshot) or Snapshot()
        changes, over = diff(before, after), {}
    else:
        changes, over = decision.changes, decision.over
    plan = imp.plan or {}
    problems = []
    if decision is not None and decision.outcome == "awaiting_validation":  # the first import of the year
        ends_on = plan.get("calendar", {}).get("ends_on")
        if ends_on and end_date_problem(imp.school_year, date.fromisoformat(ends_on)) is not None:
            limit = end_date_limit_of(imp.school_year)
            problems.append(
                f"Fin de l'année scolaire le {date.fromisoformat(ends_on).strftime('%d/%m/%Y')}, après le "
                f"15 juillet : {EDT_END_OF_YEAR_FR}. Sans cette correction, les imports automatiques "
                f"suivants seront rejetés ; pour valider celui-ci, l'opérateur l'applique jusqu'au "
                f"{limit.strftime('%d/%m/%Y')} (entsync imports validate --accept-end-date)."
            )
        codes = sum(1 for r in imp.record_rejections if r.get("reason") == "invalid_code")
        if codes:
            problems.append(
                f"{codes} classe(s) ou groupe(s) au code invalide, non importé(s) avec leurs cours : "
                "à renommer dans EDT (8 caractères au plus : lettres, chiffres, espace, - ou _)."
            )
    rejections = list(imp.record_rejections)
    sections = timetable_bilan.bilan(
        changes,
        summary,
        over,
        before=before,
        after=after,
        not_imported=_not_imported_rows(imp, not_imported, rejections),
        rejections=rejections,
        stats=plan,
        problems=problems,
        to_create=sum(1 for m in matches if m.get("by") == "to_create"),
    )
    return [[name, lines] for name, lines in sections.items()]


def _not_imported_rows(imp: TimetableImport, not_imported: list[dict], rejections: list[dict]) -> list[dict]:
    """What the matcher did not import, and the classes and groups the reader
    set aside (their code as written: codes are not personal data)."""
    rows = list(not_imported)
    aside = (imp.plan or {}).get("aside", {})
    names = aside.get("names", {})
    for kind, idents in (("class", aside.get("classes", ())), ("group", aside.get("groups", ()))):
        for ident in idents:
            why = next((r for r in rejections if r.get("record_id") == ident), {})
            rows.append(
                {
                    "kind": kind,
                    "ident": ident,
                    "code": names.get(ident, ""),
                    "reason": why.get("reason", "invalid_record"),
                    "line": why.get("line", 0),
                }
            )
    return rows


# ---------------------------------------------------------------------------- operator commands


def load(ctx: Context, key: str) -> TimetableImport:
    """The import with this id (or unambiguous id prefix)."""
    ctx.imports.catch_up(ctx.log)
    found = q.find(ctx.db, key)
    imp = ctx.log.find(UUID(found)) if found else None
    if imp is None:
        raise LookupError(f"no timetable import {key!r}")
    return imp


def validate(
    key: str, operator: str, ctx: Context, now: datetime | None = None, accept_end_date: bool = False
) -> ImportResult:
    """An operator validates the first import of a school year: it is applied,
    compared with the last applied timetable of that year if any (domain-rules
    §7). An end of year after 15 July is applied up to 15 July only, and only
    when the operator says so (``accept_end_date``)."""
    imp = load(ctx, key)
    at = ctx.effective_now(now)
    ends_on = (imp.plan or {}).get("calendar", {}).get("ends_on")
    late = end_date_problem(imp.school_year, date.fromisoformat(ends_on)) if ends_on else None
    if late is not None and imp.status == "awaiting_validation":
        limit = end_date_limit_of(imp.school_year)
        if not accept_end_date:
            raise ImportRefused(
                f"{late}; {EDT_END_OF_YEAR_EN}; or validate with --accept-end-date to apply this "
                f"import up to {limit.isoformat()} only (the next automated imports are rejected "
                "until the export is corrected)"
            )
        imp.accept_end_date(operator, ends_on, limit.isoformat(), at)
        clamped = until(snapshot_from_dict(imp.snapshot) or Snapshot(), limit)
        imp.resolved(snapshot_to_dict(clamped), imp.matches, imp.summary, imp.not_imported, imp.share, [], at)
    imp.validate(operator, at)
    after = snapshot_from_dict(imp.snapshot) or Snapshot()
    before = q.current_timetable(ctx.db, imp.uai, imp.source, imp.school_year)
    decision = decide(before, after, False, {})
    counts = changes_counts(decision.changes)
    imp.apply(counts, _report(imp, decision, before, after), at)
    return _save(ctx, [imp], "", {}, counts)


def match(
    key: str, ident: str, target: str, operator: str, ctx: Context, now: datetime | None = None, kind: str | None = None
) -> ImportResult:
    """An operator matches one item of an import awaiting validation by hand:
    a teacher or student to an account (``target`` = jointure), a class or
    group to an existing one (``target`` = code). Remembered for the later
    imports of the year once the import is applied (domain-rules §12)."""
    imp = load(ctx, key)
    at = ctx.effective_now(now)
    found = [m for m in imp.matches if m["ident"] == ident and (kind is None or m["kind"] == kind)]
    if not found:
        raise LookupError(
            f"import {imp.id} has no {kind or 'item'} with ident {ident!r} (entsync imports show lists them)"
        )
    if len(found) > 1:
        raise ValueError(f"ident {ident!r} names a {' and a '.join(m['kind'] for m in found)}: say which with --kind")
    item = found[0]
    ctx.projection.catch_up(ctx.log)
    _check_target(ctx, imp, item, target)
    taken = next(
        (
            m["ident"]
            for m in imp.matches
            if m["kind"] == item["kind"]
            and m["key"] == target
            and m["ident"] != ident
            and item["kind"] in ("teacher", "student")
        ),
        None,
    )
    if taken is not None:
        raise ValueError(f"{target} is already matched to {item['kind']} {taken} of this import")
    imp.match_by_hand(item["kind"], ident, item.get("name", ""), target, operator, at)
    matches = rematch(tuple(Match.from_dict(m) for m in imp.matches), item["kind"], ident, target)
    _resolve(ctx, imp, matches, at)
    return _save(
        ctx,
        [imp],
        f"{item['kind']} {ident} matched to {target} by {operator}; validate with entsync "
        f"imports validate {str(imp.id)[:8]}",
        {},
    )


def cancel(key: str, operator: str, reason: str, ctx: Context, now: datetime | None = None) -> ImportResult:
    """An operator cancels an import awaiting validation ("Annuler l'import")."""
    imp = load(ctx, key)
    imp.cancel(operator, reason, ctx.effective_now(now))
    return _save(ctx, [imp], f"cancelled by {operator}; nothing applied", {})


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
        raise LockedThreshold(
            f"threshold {', '.join(locked)} protects the structure of the cahier de textes and "
            "can never be lifted (domain-rules §7); correct the timetable and send it again"
        )
    imp = load(ctx, key)
    at = ctx.effective_now(now)
    if lift:
        imp.lift(sorted(set(lift)), operator, at)
    imp.retry(operator, at)
    if imp.plan:  # the timetable applied since may have changed, and with it what is kept for records not imported
        _resolve(ctx, imp, tuple(Match.from_dict(m) for m in imp.matches), at)
    return _decide(ctx, imp, at, False)


def _resolve(ctx: Context, imp: TimetableImport, matches: tuple, at: datetime) -> None:
    """Resolve the import's plan again with ``matches`` and record it; an
    import awaiting validation gets its preliminary bilan again."""
    first_of_year = q.applied_count(ctx.db, imp.uai, imp.source, imp.school_year) == 0
    before, previous = _last_applied(ctx, imp.uai, imp.source, imp.school_year)
    matched = resolve(imp.plan, matches, before, previous)
    report = []
    if imp.status == "awaiting_validation":
        decision = decide(before, matched.snapshot, first_of_year, {})
        report = _report(imp, decision, before, matched.snapshot, matched)
    imp.resolved(
        snapshot_to_dict(matched.snapshot),
        [m.as_dict() for m in matched.matches],
        {k: list(v) for k, v in matched.summary.items()},
        list(matched.not_imported),
        {k: list(v) for k, v in matched.set_aside_share.items()},
        report,
        at,
    )


def _check_target(ctx: Context, imp: TimetableImport, item: dict, target: str) -> None:
    """The account or code a match by hand names exists where it must."""
    if item["kind"] in ("teacher", "student"):
        profiles = STAFF if item["kind"] == "teacher" else STUDENTS
        rows = ctx.db.query("SELECT profile, state FROM accounts WHERE jointure = ?", (target,))
        if not rows:
            raise LookupError(f"no account {target!r} in the directory")
        profile, state = rows[0]
        if profile not in profiles or state in ("removed", "withdrawn"):
            raise ValueError(
                f"account {target} is a {profile} account in state {state}: it cannot be matched to "
                f"{item['kind']} {item['ident']}"
            )
        return
    view = directory_view(ctx, imp.uai, set())
    known = view.classes if item["kind"] == "class" else view.groups
    if target not in known:
        raise LookupError(
            f"establishment {imp.uai} has no {item['kind']} {target!r} in the directory "
            f"(known: {', '.join(sorted(known)) or 'none'})"
        )


def _last_applied(ctx: Context, uai: str, source: str, school_year: int) -> tuple[Snapshot | None, tuple]:
    """The timetable applied last for this year and the matches of the import that applied it."""
    before = q.current_timetable(ctx.db, uai, source, school_year)
    if before is None:
        return None, ()
    return before, tuple(Match.from_dict(m) for m in q.current_matches(ctx.db, uai, source))


def _merge_remembered(remembered: list[Remembered], more: list[Remembered]) -> list[Remembered]:
    out = {(r.kind, r.ident): r for r in remembered}
    out.update({(r.kind, r.ident): r for r in more})
    return list(out.values())


def _exported_at(stated: datetime | None, path: Path, tz: str) -> str:
    """When the export was made: what it says (local time when naive), else the
    file's modification time, which the exporter set. ISO, UTC."""
    if stated is not None:
        when = stated if stated.tzinfo else stated.replace(tzinfo=ZoneInfo(tz))
    else:
        try:
            when = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        except OSError:
            when = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat()


def _people(export, matched: Matched) -> dict:
    """Names (and birth dates) of the people not matched, for the operator who
    matches them by hand; the API never serves them."""
    unmatched = {(m.kind, m.ident) for m in matched.matches if not m.key}
    out = {}
    for kind, records in (("teacher", export.teachers), ("student", export.students)):
        for p in records:
            if (kind, p.ident) in unmatched:
                out[f"{kind}:{p.ident}"] = {
                    "family_name": p.family_name,
                    "given_name": p.given_name,
                    "birth_date": p.birth_date.isoformat() if p.birth_date else "",
                }
    return out


def _save(ctx: Context, aggregates: list, message: str, details: dict, counts: dict | None = None) -> ImportResult:
    ctx.log.save(*aggregates)
    ctx.imports.catch_up(ctx.log)
    imp = aggregates[0]
    return ImportResult(str(imp.id), imp.status, imp.uai, imp.file, imp.reason, message, counts or {}, details)


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
    for row in db.query(
        f"SELECT DISTINCT a.jointure, a.profile, a.identity, a.attrs FROM accounts a JOIN "
        f"account_structures s ON s.account_id = a.account_id WHERE s.structure IN ({marks}) "
        f"AND {live}",
        sjs,
    ):
        people[row[0]] = _person(row, True)
    wanted = sorted(identities)
    for i in range(0, len(wanted), CHUNK):
        part = wanted[i : i + CHUNK]
        for row in db.query(
            f"SELECT a.jointure, a.profile, a.identity, a.attrs FROM accounts a WHERE a.identity IN "
            f"({','.join('?' * len(part))}) AND {live}",
            part,
        ):
            people.setdefault(row[0], _person(row, False))
    return DirectoryView(uai, True, frozenset(classes), frozenset(groups), tuple(people.values()))


def _person(row: tuple, local: bool) -> Person:
    jointure, profile, identity, attrs = row
    attrs = json.loads(attrs)
    return Person(
        jointure,
        profile,
        identity or "",
        first(attrs, "ENTPersonSTSId"),
        first(attrs, "ENTEleveINE"),
        first(attrs, "ENTEleveStructRattachId"),
        local,
        normalised_identity(first(attrs, "sn"), first(attrs, "givenName")),
    )


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
            value = (
                elem.get("UAI")
                if ev == "start"
                else (elem.get("CODE") or (elem.text or ""))
                if local == "UAJ"
                else None
            )
            if value and uai_is_valid(value.strip()):
                return value.strip()
    except ValueError:
        pass
    return ""
