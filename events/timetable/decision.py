"""What decides a timetable import (domain-rules §7, §11, §12): the checks
that reject a whole file before any comparison, the share of records set
aside, the change thresholds, and the outcome — awaiting an operator,
applied, or rejected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from events.timetable.changes import Changes, diff
from events.timetable.snapshot import Snapshot


class Threshold(BaseModel):
    """Exceeded when both the count and the share are exceeded (domain-rules §11)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    count: int = Field(ge=0)
    percent: float = Field(ge=0, le=100)
    liftable: bool = True


# The last one protects the structure of the cahier de textes: never liftable (001 §3.4).
DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "services_modified": Threshold(count=50, percent=20),
    "services_deleted": Threshold(count=20, percent=10),
    "sessions_removed": Threshold(count=200, percent=20),
    "groups_renamed": Threshold(count=5, percent=10),
    "students_leaving_classes": Threshold(count=30, percent=10),
    "teachers_leaving_classes": Threshold(count=10, percent=10),
    "structures_deleted_with_sessions": Threshold(count=0, percent=0, liftable=False),
}


class LockedThreshold(ValueError):
    """An operator tried to lift a threshold that can never be lifted."""


def exceeded(
    changes: Changes, thresholds: dict[str, Threshold], lifted: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Thresholds the import goes over, minus those lifted for this import."""
    locked = sorted(n for n in lifted if n in thresholds and not thresholds[n].liftable)
    if locked:
        raise LockedThreshold(
            f"threshold {', '.join(locked)} protects the structure of the cahier de textes "
            "and can never be lifted (domain-rules §7)"
        )
    unknown = sorted(set(lifted) - set(thresholds))
    if unknown:
        raise ValueError(f"unknown threshold {', '.join(unknown)}; known: {', '.join(sorted(thresholds))}")
    over = {}
    for name, t in thresholds.items():
        n, total = changes.count(name), changes.totals.get(name, 0)
        share = 100.0 * n / total if total else (100.0 if n else 0.0)
        if n > t.count and share > t.percent and name not in lifted:
            over[name] = {
                "count": n,
                "total": total,
                "percent": round(share, 1),
                "limit_count": t.count,
                "limit_percent": t.percent,
                "liftable": t.liftable,
            }
    return over


# ---------------------------------------------------------------------------- school year


def school_year_of(day: date) -> int:
    """The school year (its first calendar year) a day belongs to: from July on,
    the year that starts; before, the one that started the previous autumn."""
    return day.year if day.month >= 7 else day.year - 1


def end_date_limit_of(school_year: int) -> date:
    """The latest accepted end of a school year: 15 July (domain-rules §7; 001
    §3.6), since a later end empties classes while students sit resit exams."""
    return date(school_year + 1, 7, 15)


# ---------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class EarlierCopy:
    """An earlier import of the same establishment with the same bytes."""

    import_id: str
    file: str
    received_at: str  # ISO
    status: str = ""


@dataclass(frozen=True)
class Refusal:
    """Why an import is rejected before any comparison; ``reason`` is stable."""

    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def refusal(
    *,
    uai: str,
    uai_known: bool,
    copies: Sequence[EarlierCopy],
    school_year: int,
    ends_on: date | None,
    automatic: bool = True,
    end_help: str = "",
) -> Refusal | None:
    """The checks of domain-rules §7 that reject the whole file before any
    comparison, in order: an unknown establishment; a byte-identical copy of
    an earlier import of that UAI ("Rejet - Double du fichier d'import", 001
    §3.4); on an automated import, an end of year after 15 July (001 §3.6) —
    the first import of a year shows it in its preliminary bilan instead,
    before any refusal (domain-rules §12). Records set aside do not reject
    the file: what can be applied is (domain-rules §12; see
    :func:`set_aside_refusal` for the share limit)."""
    if not uai_known:
        return Refusal(
            "unknown_uai", f"establishment {uai} is not in the directory (no AAF structure with this UAI)", {"uai": uai}
        )
    if copies:
        first = copies[0]
        return Refusal(
            "duplicate_file",
            f"the file is byte-identical to import {first.import_id} "
            f"({first.file}, received {first.received_at}); nothing applied",
            {"copy_of": [c.import_id for c in copies]},
        )
    late = end_date_problem(school_year, ends_on)
    if late is not None and automatic:
        return Refusal(
            "end_date_after_15_july",
            late + (f"; {end_help}" if end_help else ""),
            {"ends_on": ends_on.isoformat() if ends_on else "", "limit": end_date_limit_of(school_year).isoformat()},
        )
    return None


def end_date_problem(school_year: int, ends_on: date | None) -> str | None:
    """Why an end of year is refused (001 §3.6), or None."""
    limit = end_date_limit_of(school_year)
    if ends_on is None or ends_on <= limit:
        return None
    return (
        f"the school year ends on {ends_on.isoformat()}, later than {limit.isoformat()}: an end after 15 July "
        "would empty classes and mailing lists while students sit resit exams"
    )


SET_ASIDE_KINDS = ("courses", "teachers", "students", "classes_and_groups")


def set_aside_refusal(share: dict[str, tuple[int, int]], limits: dict[str, float], minimum: int = 0) -> Refusal | None:
    """On an automated import, a share of records set aside (not imported)
    above the configured limit of its kind rejects the whole file
    (domain-rules §12): a broken export must not half-apply. As for the
    change thresholds (domain-rules §11), the count must exceed ``minimum``
    too, so that two teachers of a small school are not a fifth of a file."""
    over = {}
    for kind, (aside, read) in sorted(share.items()):
        limit = limits.get(kind)
        if limit is None or not read or aside <= minimum:
            continue
        percent = 100.0 * aside / read
        if percent > limit:
            over[kind] = {"set_aside": aside, "read": read, "percent": round(percent, 1), "limit_percent": limit}
    if not over:
        return None
    what = ", ".join(
        f"{k} {o['set_aside']} of {o['read']} ({o['percent']} % > {o['limit_percent']} %)" for k, o in over.items()
    )
    return Refusal(
        "too_many_set_aside",
        f"too many records not imported: {what}; nothing applied (entsync imports "
        "show lists them; correct the export or the directory and send it again)",
        {"kinds": over},
    )


@dataclass(frozen=True)
class Decision:
    outcome: str  # awaiting_validation | applied | rejected
    changes: Changes
    over: dict[str, dict[str, Any]]


def decide(
    before: Snapshot | None,
    after: Snapshot,
    first_of_year: bool,
    thresholds: dict[str, Threshold],
    lifted: frozenset[str] = frozenset(),
) -> Decision:
    """The first import of a school year waits for an operator; a later one is
    applied unless it goes over a threshold not lifted (domain-rules §7, §11).
    ``before`` is the last applied timetable of the same school year."""
    changes = diff(before, after)
    if first_of_year:
        return Decision("awaiting_validation", changes, {})
    over = exceeded(changes, thresholds, lifted)
    return Decision("rejected" if over else "applied", changes, over)
