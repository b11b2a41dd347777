"""Applying a timetable import (domain-rules §7, §11): the decision on an
import received or retried — the first of a school year waits for an
operator, a later one is compared with the last applied timetable and
applied or rejected over the thresholds —, the operator's validation, and
the retry of an import rejected for its thresholds with named thresholds
lifted for that one import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events.imports import TimetableImport
from events.timetable.bilan import EDT_END_OF_YEAR_EN
from events.timetable.changes import changes_counts
from events.timetable.decision import LockedThreshold, decide, end_date_limit_of, end_date_problem
from events.timetable.matching import Match
from events.timetable.resolve import resolve
from events.timetable.snapshot import Snapshot, snapshot_from_dict, snapshot_to_dict, until
from events.usecases.result import Result
from events.usecases.timetable_report import report
from events.usecases.timetable_staff import judge_staff
from events.usecases.timetable_work import (
    ImportRefused,
    TimetableWork,
    last_applied,
    load,
    save,
)


def decide_import(
    uow: TimetableWork,
    imp: TimetableImport,
    at: datetime,
    first_of_year: bool,
    others: list[TimetableImport] | None = None,
) -> Result:
    """First import of the year → awaiting validation; else compare with the
    last applied timetable and apply, or reject over the thresholds.
    ``others`` are saved with it (the import it replaces)."""
    after = snapshot_from_dict(imp.snapshot) or Snapshot()
    before = uow.timetable_queries.current_timetable(imp.uai, imp.source, imp.school_year)
    decision = decide(before, after, first_of_year, uow.policy.timetable_thresholds, frozenset(imp.lifted))
    bilan = report(imp, decision, before, after)
    counts = changes_counts(decision.changes)
    saved = [imp, *(others or [])]
    if decision.outcome == "awaiting_validation":
        imp.await_validation(bilan, at)
        return save(
            uow,
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
        imp.reject("threshold_exceeded", message, details, bilan, at)
        return save(uow, saved, message, details, counts)
    judge_staff(uow, imp, at)
    imp.apply(counts, bilan, at)
    return save(uow, saved, "", {}, counts)


def validate(
    key: str, operator: str, uow: TimetableWork, now: datetime | None = None, accept_end_date: bool = False
) -> Result:
    """An operator validates the first import of a school year: it is applied,
    compared with the last applied timetable of that year if any (domain-rules
    §7). An end of year after 15 July is applied up to 15 July only, and only
    when the operator says so (``accept_end_date``)."""
    imp = load(uow, key)
    at = uow.effective_now(now)
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
    before = uow.timetable_queries.current_timetable(imp.uai, imp.source, imp.school_year)
    decision = decide(before, after, False, {})
    counts = changes_counts(decision.changes)
    judge_staff(uow, imp, at)
    imp.apply(counts, report(imp, decision, before, after), at)
    return save(uow, [imp], "", {}, counts)


def retry(key: str, lift: list[str], operator: str, uow: TimetableWork, now: datetime | None = None) -> Result:
    """Decide again on an import rejected for its thresholds, with ``lift``
    lifted for this import only. The structure-protection threshold can never
    be lifted (001 §3.4: "sauf le dernier de la liste")."""
    thresholds = uow.policy.timetable_thresholds
    unknown = sorted(set(lift) - set(thresholds))
    if unknown:
        raise ValueError(f"unknown threshold {', '.join(unknown)}; known: {', '.join(thresholds)}")
    locked = sorted(n for n in set(lift) if not thresholds[n].liftable)
    if locked:
        raise LockedThreshold(
            f"threshold {', '.join(locked)} protects the structure of the cahier de textes and "
            "can never be lifted (domain-rules §7); correct the timetable and send it again"
        )
    imp = load(uow, key)
    at = uow.effective_now(now)
    if lift:
        imp.lift(sorted(set(lift)), operator, at)
    imp.retry(operator, at)
    if imp.plan:  # the timetable applied since may have changed, and with it what is kept for records not imported
        resolve_again(uow, imp, tuple(Match.from_dict(m) for m in imp.matches), at)
    return decide_import(uow, imp, at, False)


def resolve_again(uow: TimetableWork, imp: TimetableImport, matches: tuple[Match, ...], at: datetime) -> None:
    """Resolve the import's plan again with ``matches`` and record it; an
    import awaiting validation gets its preliminary bilan again."""
    first_of_year = uow.timetable_queries.applied_count(imp.uai, imp.source, imp.school_year) == 0
    before, previous = last_applied(uow, imp.uai, imp.source, imp.school_year)
    matched = resolve(imp.plan, matches, before, previous)
    bilan: list[list[Any]] = []
    if imp.status == "awaiting_validation":
        decision = decide(before, matched.snapshot, first_of_year, {})
        bilan = report(imp, decision, before, matched.snapshot, matched)
    imp.resolved(
        snapshot_to_dict(matched.snapshot),
        [m.as_dict() for m in matched.matches],
        {k: list(v) for k, v in matched.summary.items()},
        list(matched.not_imported),
        {k: list(v) for k, v in matched.set_aside_share.items()},
        bilan,
        at,
    )
