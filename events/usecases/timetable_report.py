"""The bilan an import's facts record (seed 004; domain-rules §7, §12): the
sections of events/timetable/bilan.py filled from the import as recorded or
as resolved again, with the problems an operator must see before validating
the first import of a school year."""

from __future__ import annotations

from datetime import date
from typing import Any

from events.imports import TimetableImport
from events.timetable.bilan import EDT_END_OF_YEAR_FR, bilan
from events.timetable.changes import diff
from events.timetable.decision import Decision, end_date_limit_of, end_date_problem
from events.timetable.matching import Matched
from events.timetable.snapshot import Snapshot, snapshot_from_dict


def report(
    imp: TimetableImport,
    decision: Decision | None,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    matched: Matched | None = None,
) -> list[list[Any]]:
    """The bilan as [section, lines] pairs (seed 004's order and labels), of
    the import as recorded or, with ``matched``, as resolved again."""
    if matched is None:
        # Recorded as [imported, not imported] lists (JSON); the bilan reads pairs.
        summary = {k: (done, left) for k, (done, left) in imp.summary.items()}
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
    sections = bilan(
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


def _not_imported_rows(
    imp: TimetableImport, not_imported: list[dict[str, Any]], rejections: list[dict[str, Any]]
) -> list[dict[str, Any]]:
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
