"""The change thresholds of the timetable import (domain-rules §7) and how
the generator reads what an import of one export after another changes.

The generator reads the base and a variant its own way (:func:`effects`,
in timetable idents and codes, the rules of domain-rules §7 written again)
and writes what it expects the pipeline to count in the manifest
(``expected``).  The tests hold the expectation against the pipeline: each
side checks the other.  No import from the parsers or projections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .model import Course, Timetable

# name -> (count, percent, liftable).  Copied from the pipeline's
# events.timetable.decision.DEFAULT_THRESHOLDS, not imported: the generator stays
# independent of what it checks.  tests/unit/test_generator_thresholds.py
# fails when the two drift apart.
DEFAULT_TIMETABLE_THRESHOLDS: dict[str, tuple[int, float, bool]] = {
    "services_modified": (50, 20, True),
    "services_deleted": (20, 10, True),
    "sessions_removed": (200, 20, True),
    "groups_renamed": (5, 10, True),
    "students_leaving_classes": (30, 10, True),
    "teachers_leaving_classes": (10, 10, True),
    "structures_deleted_with_sessions": (0, 0, False),
}


def is_over(name: str, n: int, total: int) -> bool:
    """Whether ``n`` changes out of ``total`` go over the default threshold ``name``."""
    count, percent, _ = DEFAULT_TIMETABLE_THRESHOLDS[name]
    share = 100.0 * n / total if total else (100.0 if n else 0.0)
    return n > count and share > percent


def smallest_over(name: str, total: int) -> int:
    """The fewest changes out of ``total`` that go over the default threshold ``name``."""
    n = DEFAULT_TIMETABLE_THRESHOLDS[name][0] + 1
    while not is_over(name, n, total):
        n += 1
    return n


@dataclass(frozen=True)
class _Reading:
    """What an import compares, read from the generator's model."""

    sessions: Counter  # (day, place, subject code, teachers, classes, groups, weeks)
    services: dict[tuple[str, str], frozenset]  # (class or group code, subject code) -> teacher idents
    classes: frozenset
    groups: dict[str, frozenset]  # group code -> codes of the classes it is made of
    students: dict[str, str]  # student ident -> class code
    teachers: dict[str, frozenset]  # teacher ident -> class and group codes taught
    used: frozenset  # class and group codes some session names


def reaches_ent(c: Course) -> bool:
    # A course on class halves only never reaches the ENT (domain-rules §2); nor does a course
    # holding only a subject (formats §4: nothing to apply).
    return bool(c.classes or c.groups)


def current_class(student: dict) -> str:
    return max(student["classes"], key=lambda m: m[1])[0]  # the latest entry (a change during the year)


def _read(t: Timetable) -> _Reading:
    cname = {i: n for i, n, _ in t.classes}
    part_class = {p: n for _, n, parts in t.classes for p in parts}
    gname = {i: n for i, n, _, _ in t.groups}
    code = {i: c for i, c, _ in t.subjects}
    sessions: Counter = Counter()
    services: dict[tuple[str, str], set] = {}
    teachers: dict[str, set] = {x[0]: set() for x in t.teachers}
    for c in t.courses:
        if not reaches_ent(c):
            continue
        cls, grp = frozenset(cname[x] for x in c.classes), frozenset(gname[x] for x in c.groups)
        who = frozenset(c.teachers)
        sessions[(c.day, c.place, code[c.subject], who, cls, grp, c.weeks)] += 1
        for s in cls | grp:
            services.setdefault((s, code[c.subject]), set()).update(who)
        for p in who:
            teachers.setdefault(p, set()).update(cls | grp)
    return _Reading(
        sessions,
        {k: frozenset(v) for k, v in services.items()},
        frozenset(cname.values()),
        {n: frozenset([cname[c] for c in cls] + [part_class[p] for p in parts]) for _, n, cls, parts in t.groups},
        {s["ident"]: cname[current_class(s)] for s in t.students},
        {k: frozenset(v) for k, v in teachers.items()},
        frozenset(s for key in sessions for s in key[4] | key[5]),
    )


def effects(before: Timetable, after: Timetable) -> tuple[dict[str, int], dict[str, int]]:
    """What an import of ``after`` following ``before`` changes, per threshold,
    and the totals the shares are taken of (domain-rules §7): a service is a
    class or group with a subject, its teachers those of its courses; a
    session names its teachers, so a service given to another teacher loses
    its sessions; a group gone while a new one is made of the same classes
    was renamed; a class or group gone while sessions named it was deleted."""
    b, a = _read(before), _read(after)
    gone = {g: comp for g, comp in b.groups.items() if g not in a.groups}
    new = {g: comp for g, comp in a.groups.items() if g not in b.groups}
    renamed = set()
    for old in sorted(gone):
        twin = next((g for g in sorted(new) if new[g] == gone[old]), None)
        if twin is not None:
            renamed.add(old)
            del new[twin]
    deleted = ((b.classes - a.classes) | (set(b.groups) - set(a.groups) - renamed)) & b.used
    counts = {
        "services_modified": sum(1 for k, v in b.services.items() if k in a.services and a.services[k] != v),
        "services_deleted": len(set(b.services) - set(a.services)),
        "sessions_removed": sum((b.sessions - a.sessions).values()),
        "groups_renamed": len(renamed),
        "students_leaving_classes": sum(1 for k, c in b.students.items() if a.students.get(k) != c),
        "teachers_leaving_classes": sum(1 for k, s in b.teachers.items() if not s <= a.teachers.get(k, frozenset())),
        "structures_deleted_with_sessions": len(deleted),
    }
    totals = {
        "services_modified": len(b.services),
        "services_deleted": len(b.services),
        "sessions_removed": sum(b.sessions.values()),
        "groups_renamed": len(b.groups),
        "students_leaving_classes": len(b.students),
        "teachers_leaving_classes": len(b.teachers),
        "structures_deleted_with_sessions": len(b.classes) + len(b.groups),
    }
    return counts, totals
