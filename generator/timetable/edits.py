"""The edits of a timetable export that make its ordinary variants: a
moderate change, too many changes, a class deleted, a bad code, an invalid
record and too many records set aside, each returning the variant and what
the manifest says of it.  Random choices come from streams seeded with the
seed and the variant's name only."""

from __future__ import annotations

import random
from dataclasses import replace

from .model import Course, Timetable, subject_only

# Percent of a kind of records set aside (not imported) above which an
# automated timetable import is rejected whole (domain-rules §12). Copied from
# events.policy's default timetable_set_aside_limits, not imported.
SET_ASIDE_LIMIT = 20.0
SET_ASIDE_KINDS = ("courses", "teachers", "students", "classes_and_groups")
TOO_MANY_SET_ASIDE_SHARE = 30  # percent of the courses the too-many-set-aside variant spoils


def _busy(t: Timetable, courses: list[Course], course: Course) -> set[tuple[int, int]]:
    """Slots where a class of ``course`` (whole, a half, or in a group) or one
    of its teachers already has a course."""
    cids = set(course.classes)
    parts = {p for i, _, ps in t.classes if i in cids for p in ps}
    gids = {g for g, _, cls, gparts in t.groups if cids & set(cls) or parts & set(gparts)}
    teachers = set(course.teachers)
    return {
        (c.day, c.place)
        for c in courses
        if cids & set(c.classes) or parts & set(c.parts) or gids & set(c.groups) or teachers & set(c.teachers)
    }


def moderate_change(t: Timetable, rng: random.Random) -> tuple[Timetable, dict]:
    """A week's worth of ordinary edits: cancel 3 courses, move 2, give one
    class service to another teacher. Each edit touches its own service, so
    the expected changes are known: sessions removed = cancelled + moved +
    the sessions of the reassigned service (a session names its teachers);
    one service modified; nothing deleted."""
    by_service: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(t.courses):
        if c.classes and not c.groups:
            by_service.setdefault(c.service, []).append(i)
    # Services of whole-class courses only, with at least 3 of them: cancelling one keeps the service.
    whole = sorted(
        s
        for s, idx in by_service.items()
        if len(idx) >= 3 and all(t.courses[i].classes and not t.courses[i].parts for i in idx)
    )
    chosen = rng.sample(whole, min(5, len(whole)))
    cancel, move = chosen[:3], chosen[3:]
    taught = [s for s in whole if s not in chosen and t.courses[by_service[s][0]].teachers]
    reassign = [rng.choice(taught)] if taught else []
    courses = list(t.courses)
    dropped = {by_service[s][-1] for s in cancel}
    moved = 0
    for s in move:
        i = by_service[s][-1]
        free = sorted({(d, p) for d in range(1, 6) for p in range(8)} - _busy(t, courses, courses[i]))
        if free:
            day, place = free[0]
            courses[i] = replace(courses[i], day=day, place=place)
            moved += 1
    reassigned = 0
    for s in reassign:
        old = set(courses[by_service[s][0]].teachers)
        subject = courses[by_service[s][0]].subject
        same_subject = sorted({p for c in courses if c.subject == subject for p in c.teachers} - old)
        others = same_subject or sorted({x[0] for x in t.teachers} - old)
        if not others:
            continue
        new = (others[0],)
        for i in by_service[s]:
            courses[i] = replace(courses[i], teachers=new)
        reassigned = len(by_service[s])
    courses = [c for i, c in enumerate(courses) if i not in dropped]
    expected = {
        "sessions_removed": len(dropped) + moved + reassigned,
        "services_modified": 1 if reassigned else 0,
        "services_deleted": 0,
        "structures_deleted_with_sessions": 0,
    }
    return replace(t, courses=courses), {
        "cancelled": len(dropped),
        "moved": moved,
        "services_reassigned": 1 if reassigned else 0,
        "expected": expected,
    }


def too_many_changes(t: Timetable, rng: random.Random) -> tuple[Timetable, dict]:
    """~65 % of the courses removed, ~80 % of the services reassigned."""
    keep = sorted(rng.sample(range(len(t.courses)), len(t.courses) * 35 // 100))
    svc = sorted({c.service for c in t.courses if not subject_only(c)})
    moved = set(rng.sample(svc, len(svc) * 4 // 5))
    idents = [x[0] for x in t.teachers]
    shift = {p: idents[(i + 1) % len(idents)] for i, p in enumerate(idents)}
    courses = [
        replace(c, teachers=tuple(shift[p] for p in c.teachers) if c.service in moved else c.teachers)
        for c in (t.courses[i] for i in keep)
    ]
    return replace(t, courses=courses), {
        "courses_before": len(t.courses),
        "courses_after": len(courses),
        "services": len(svc),
        "services_reassigned": len(moved),
    }


def structure_deleted(t: Timetable) -> tuple[Timetable, dict]:
    """The class with the most courses goes, with its courses and halves."""
    counts: dict[str, int] = {}
    for c in t.courses:
        for x in c.classes:
            counts[x] = counts.get(x, 0) + 1
    gone = max(sorted(counts), key=counts.get)
    name = next(n for i, n, _ in t.classes if i == gone)
    other = next(i for i, _, _ in t.classes if i != gone) if len(t.classes) > 1 else None
    gone_parts = {p for i, _, parts in t.classes if i == gone for p in parts}
    groups = [
        (i, n, tuple(c for c in cls if c != gone), tuple(p for p in parts if p not in gone_parts))
        for i, n, cls, parts in t.groups
    ]
    empty = {i for i, _, cls, parts in groups if not cls and not parts}
    students = []
    for s in t.students:
        if any(c == gone for c, _, _ in s["classes"]):
            if other is None:
                continue
            s = {**s, "classes": [(other, t.start, t.end)], "part": None}
        students.append(s)
    courses = [
        c
        for c in t.courses
        if gone not in c.classes and not gone_parts.intersection(c.parts) and not empty.intersection(c.groups)
    ]
    return replace(
        t,
        classes=[x for x in t.classes if x[0] != gone],
        groups=[g for g in groups if g[0] not in empty],
        students=students,
        courses=courses,
    ), {"deleted_class": name}


def set_aside_shares(t: Timetable, classes=(), groups=(), courses=()) -> dict[str, tuple[int, int]]:
    """(set aside, read) per kind when the reader sets aside the classes and
    groups ``classes``/``groups`` (by ident) and the courses at the indices
    ``courses`` of ``t``, everything else matched (domain-rules §12): a group
    made of a class set aside goes with it, a course naming a class or group
    set aside too; courses holding only a subject are not counted at all."""
    classes = set(classes)
    groups = set(groups) | {g for g, _, cls, _ in t.groups if classes & set(cls)}
    counted = [k for k, c in enumerate(t.courses) if not subject_only(c)]
    aside = {
        k
        for k in counted
        if k in set(courses) or classes & set(t.courses[k].classes) or groups & set(t.courses[k].groups)
    }
    return {
        "courses": (len(aside), len(counted)),
        "teachers": (0, len(t.teachers)),
        "students": (0, len(t.students)),
        "classes_and_groups": (len(classes) + len(groups), len(t.classes) + len(t.groups)),
    }


def over_set_aside_limit(shares: dict[str, tuple[int, int]]) -> list[str]:
    """The kinds whose share set aside is over :data:`SET_ASIDE_LIMIT`."""
    return [k for k in SET_ASIDE_KINDS if shares[k][1] and 100.0 * shares[k][0] / shares[k][1] > SET_ASIDE_LIMIT]


def _applied_unless_too_many(shares: dict[str, tuple[int, int]]) -> dict:
    """The expected outcome of an automated import setting aside ``shares``:
    applied, or rejected ``too_many_set_aside`` on a base too small."""
    over = over_set_aside_limit(shares)
    out = {"set_aside": {k: list(v) for k, v in shares.items()}}
    if over:
        out.update(outcome="rejected", reason="too_many_set_aside", set_aside_over=over)
    return out


def bad_code(t: Timetable) -> tuple[Timetable, dict]:
    """A group name of 9 characters (a class name when there is no group):
    the reader sets it aside with its courses; the rest is applied."""
    if t.groups:
        gi, gname, gcls, gparts = t.groups[0]
        bad = (gname + "XXXXXXXXX")[:9]
        return (
            replace(t, groups=[(gi, bad, gcls, gparts)] + t.groups[1:]),
            {"bad_code": bad, "group_ident": gi, **_applied_unless_too_many(set_aside_shares(t, groups=[gi]))},
        )
    ci, cname, cparts = t.classes[0]
    bad = (cname + "XXXXXXXXX")[:9]
    return (
        replace(t, classes=[(ci, bad, cparts)] + t.classes[1:]),
        {"bad_code": bad, "group_ident": ci, **_applied_unless_too_many(set_aside_shares(t, classes=[ci]))},
    )


def invalid_record(t: Timetable) -> tuple[Timetable, dict]:
    """The first course (not a subject-only one) names teacher ident ``P0``,
    which no export declares (teacher idents start at ``P1``): that course is
    set aside, the rest applied."""
    k = next(k for k, c in enumerate(t.courses) if not subject_only(c))
    courses = list(t.courses)
    courses[k] = replace(courses[k], teachers=("P0",))
    return replace(t, courses=courses), {
        "unknown_ident": "P0",
        **_applied_unless_too_many(set_aside_shares(t, courses=[k])),
    }


def too_many_set_aside(t: Timetable, rng: random.Random) -> tuple[Timetable, dict]:
    """:data:`TOO_MANY_SET_ASIDE_SHARE` % of the courses (rounded up; those
    holding only a subject are not counted) on day 9, which the reader sets
    aside (``Jour`` is 1..7): over the share limit of an automated import."""
    counted = [k for k, c in enumerate(t.courses) if not subject_only(c)]
    n = -(-len(counted) * TOO_MANY_SET_ASIDE_SHARE // 100)
    spoilt = set(rng.sample(counted, n))
    courses = [replace(c, day=9) if k in spoilt else c for k, c in enumerate(t.courses)]
    shares = set_aside_shares(t, courses=spoilt)
    return replace(t, courses=courses), {
        "courses_set_aside": n,
        "set_aside": {k: list(v) for k, v in shares.items()},
        "set_aside_over": over_set_aside_limit(shares),
    }
