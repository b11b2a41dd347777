"""A timetable as the imports compare it (domain-rules §7): the weekly
sessions, services, classes, groups and members of one establishment's
export, in matched keys; the weeks of its masks and the dates they fall on;
and the canonical form recorded in events.

Pure: timetable idents are only meaningful inside one import (domain-rules
§11), so snapshots speak in matched keys (class and group codes, teacher STS
ids or account jointures, subject codes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from adapters.timetable.records import weeks_of


@dataclass(frozen=True)
class Session:
    """One weekly course slot as the timetable gives it. ``weeks`` is the
    export's mask: week *n* is the value 2ⁿ (formats §4). What happens in
    single weeks — lessons cancelled (``@SemainesAnnulation``), a teacher
    included for some weeks (``@SemainesInclusion``, a replacement) — is
    reported but is not the weekly structure: it does not make a session
    differ from the previous import's."""

    day: int
    start: int
    places: int
    subject: str
    teachers: frozenset[str]
    classes: frozenset[str]
    groups: frozenset[str]
    weeks: int
    cancelled: int = field(default=0, compare=False)
    included: int = field(default=0, compare=False)
    replacing: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class Snapshot:
    subjects: dict[str, str] = field(default_factory=dict)  # code → label
    services: dict[tuple[str, str], frozenset[str]] = field(
        default_factory=dict
    )  # (class or group, subject) → teachers
    sessions: tuple[Session, ...] = ()
    classes: frozenset[str] = frozenset()
    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # group code → classes it is made of
    students: dict[str, str] = field(default_factory=dict)  # student key → class code
    teachers: dict[str, frozenset[str]] = field(default_factory=dict)  # teacher key → classes and groups taught
    # group code → student keys: how option 2 populates groups (domain-rules §2); not compared by diff.
    group_members: dict[str, frozenset[str]] = field(default_factory=dict)
    # starts_on, ends_on, first_week_day (ISO dates): where week n falls (EDT only).
    calendar: dict[str, str] = field(default_factory=dict)


# The weeks of a mask: week *n* is the value 2ⁿ, bit 0 unused (formats §4).
week_mask_weeks = weeks_of


def week_runs(weeks: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive weeks as (first, last) runs: 1, 2, 3, 5 → (1, 3), (5, 5)."""
    runs: list[tuple[int, int]] = []
    for w in sorted(set(weeks)):
        if runs and w == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], w)
        else:
            runs.append((w, w))
    return runs


def week_start(calendar: dict[str, str], week: int) -> date:
    """The first day of school week ``week``: DatePremierJourSemaine1 + (week − 1) weeks."""
    return date.fromisoformat(calendar["first_week_day"]) + timedelta(weeks=week - 1)


def session_dates(calendar: dict[str, str], s: Session) -> list[date]:
    """The dates a session takes place on (cancelled weeks left out)."""
    if not calendar.get("first_week_day"):
        return []
    return [week_start(calendar, w) + timedelta(days=s.day - 1) for w in week_mask_weeks(s.weeks & ~s.cancelled)]


def until(s: Snapshot, last_day: date) -> Snapshot:
    """``s`` applied up to ``last_day`` only: the weeks that start after it
    leave every session, and the calendar ends there (an end of year after 15
    July that the validating operator accepted, domain-rules §7)."""
    if not s.calendar.get("first_week_day"):
        return s
    keep = 0
    for w in range(1, 64):
        if week_start(s.calendar, w) <= last_day:
            keep |= 1 << w
    sessions = tuple(
        replace(x, weeks=x.weeks & keep, cancelled=x.cancelled & keep, included=x.included & keep) for x in s.sessions
    )
    ends = min(date.fromisoformat(s.calendar["ends_on"]), last_day).isoformat() if s.calendar.get("ends_on") else ""
    return replace(s, sessions=sessions, calendar={**s.calendar, "ends_on": ends})


# ---------------------------------------------------------------------------- stored form


def snapshot_to_dict(s: Snapshot) -> dict[str, Any]:
    """A JSON-able, canonical (sorted) form of a snapshot, to record in an
    event. Week masks are strings: they may exceed what JSON readers other
    than Python hold exactly (unsigned 64 bits, formats §4)."""
    return {
        "subjects": dict(sorted(s.subjects.items())),
        "services": [[k[0], k[1], sorted(v)] for k, v in sorted(s.services.items())],
        "sessions": sorted(
            [
                x.day,
                x.start,
                x.places,
                x.subject,
                sorted(x.teachers),
                sorted(x.classes),
                sorted(x.groups),
                str(x.weeks),
                str(x.cancelled),
                str(x.included),
                sorted(x.replacing),
            ]
            for x in s.sessions
        ),
        "classes": sorted(s.classes),
        "groups": {g: sorted(c) for g, c in sorted(s.groups.items())},
        "students": dict(sorted(s.students.items())),
        "teachers": {t: sorted(c) for t, c in sorted(s.teachers.items())},
        "group_members": {g: sorted(m) for g, m in sorted(s.group_members.items())},
        "calendar": dict(sorted(s.calendar.items())),
    }


def snapshot_from_dict(d: dict[str, Any] | None) -> Snapshot | None:
    """The inverse of :func:`snapshot_to_dict`; None for an empty record."""
    if not d:
        return None
    return Snapshot(
        subjects=dict(d.get("subjects", {})),
        services={(k, subject): frozenset(t) for k, subject, t in d.get("services", [])},
        # Sessions stored before the weekly data have eight elements.
        sessions=tuple(_session(*x) for x in d.get("sessions", [])),
        classes=frozenset(d.get("classes", [])),
        groups={g: frozenset(c) for g, c in d.get("groups", {}).items()},
        students=dict(d.get("students", {})),
        teachers={t: frozenset(c) for t, c in d.get("teachers", {}).items()},
        group_members={g: frozenset(m) for g, m in d.get("group_members", {}).items()},
        calendar=dict(d.get("calendar", {})),
    )


def _session(
    day: int,
    start: int,
    places: int,
    subject: str,
    t: Iterable[str],
    c: Iterable[str],
    g: Iterable[str],
    w: int | str,
    cancelled: int | str = "0",
    included: int | str = "0",
    replacing: Iterable[str] = (),
) -> Session:
    return Session(
        day,
        start,
        places,
        subject,
        frozenset(t),
        frozenset(c),
        frozenset(g),
        int(w),
        int(cancelled),
        int(included),
        frozenset(replacing),
    )
