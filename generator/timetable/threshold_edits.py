"""Timetable variants that each go over one change threshold of the import
pipeline (domain-rules §7) and, where the domain allows, over that one only.

Each is an edit of the base export (:class:`~.model.Timetable`), sized from
the base: the smallest change over the default threshold (domain-rules §11:
a threshold given as a count and a share is exceeded when both are), so that
a small establishment goes over the count and a large one over the share.
A variant the generator cannot make at this size is left out (the
manifest's ``variants_skipped`` says why).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from .model import Timetable
from .thresholds import DEFAULT_TIMETABLE_THRESHOLDS, current_class, effects, is_over, reaches_ent, smallest_over
from .weeks import LAST_WEEK, week_mask

DETAILS = {
    "services_modified": "a co-teacher added to one weekly course of just enough services (the teachers already "
    "there stay)",
    "services_deleted": "the services of the teachers with the most services left out of the export, just enough "
    "of them (few teachers leave their classes)",
    "sessions_removed": "just enough courses stop at the end of January (a first-semester timetable exported for "
    "the year)",
    "groups_renamed": "just enough option groups renamed ('_' becomes '-'), same classes, those of the fewest teachers",
    "students_leaving_classes": "just enough students moved to another class of their level",
    "teachers_leaving_classes": "just enough teachers hand one class or group over to a colleague (of their subject "
    "when there is one)",
    "structures_deleted_with_sessions": "the option group with the fewest courses deleted with its courses: the "
    "structure-protection threshold, never liftable",
}


class Unreachable(ValueError):
    """This base is too small (or too odd) for the variant: no edit goes over
    the threshold without going over another one too."""


def _services(t: Timetable) -> dict[tuple[str, str], list[int]]:
    """(class or group ident, subject ident) -> indices of its courses (a course
    on class halves counts for their class), for the services that reach the ENT."""
    part_of = {p: i for i, _, parts in t.classes for p in parts}
    out: dict[tuple[str, str], list[int]] = {}
    for k, c in enumerate(t.courses):
        for s in sorted({*c.classes, *c.groups, *(part_of[p] for p in c.parts)}):
            out.setdefault((s, c.subject), []).append(k)
    return {key: idx for key, idx in out.items() if any(reaches_ent(t.courses[i]) for i in idx)}


def _teachers_of(t: Timetable, services: dict[tuple[str, str], list[int]]) -> dict[tuple[str, str], tuple[str, ...]]:
    return {
        key: tuple(sorted({p for i in idx if reaches_ent(t.courses[i]) for p in t.courses[i].teachers}))
        for key, idx in services.items()
    }


def _busiest_first(items: dict, teachers_of: dict, rank: list[str]) -> list:
    """``items`` ordered so that the first ones belong to as few teachers as
    possible: those of the teacher with the most items first, and so on."""
    load = Counter(p for key in items for p in teachers_of[key])
    order = sorted(load, key=lambda p: (-load[p], rank.index(p)))
    out: list = []
    for p in order:
        out += [key for key in sorted(items) if p in teachers_of[key] and key not in out]
    return out + [key for key in sorted(items) if key not in out]


def _code(name: str, taken: set[str]) -> str:
    """Another class or group code for ``name`` (domain-rules §2: at most 8
    letters, digits, space, '-' or '_'), none of ``taken``."""
    candidates = [name.replace("_", "-"), (name + "-R")[:8]] + [f"GR-{k}" for k in range(1, 100_000)]
    return next(c for c in candidates if c != name and c not in taken)


# --------------------------------------------------------------------------- edits, one per threshold


def co_teaching(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``services_modified``: a co-teacher in one weekly course of ``n`` services,
    a free teacher of the same subject when there is one."""
    services = _services(t)
    if len(services) < n:
        raise Unreachable(f"{len(services)} services, {n} needed")
    courses = list(t.courses)
    idents = [x[0] for x in t.teachers]
    busy = {(p, c.day, c.place) for c in courses for p in c.teachers}
    of_subject: dict[str, set] = {}
    for c in courses:
        of_subject.setdefault(c.subject, set()).update(c.teachers)
    for key in rng.sample(sorted(services), n):
        i = next(i for i in services[key] if reaches_ent(courses[i]))
        c = courses[i]
        others = [p for p in idents if p not in c.teachers]
        free = [p for p in others if (p, c.day, c.place) not in busy]
        chosen = ([p for p in free if p in of_subject.get(c.subject, ())] or free or others)[:1]
        if not chosen:
            raise Unreachable("no teacher to add")
        courses[i] = replace(c, teachers=c.teachers + tuple(chosen))
        busy.add((chosen[0], c.day, c.place))
    return replace(t, courses=courses), {"services_co_taught": n}


def services_left_out(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``services_deleted``: ``n`` services left out of the export with all
    their courses, those of the teachers with the most services first, so
    that few teachers leave a class."""
    services = _services(t)
    if len(services) < n:
        raise Unreachable(f"{len(services)} services, {n} needed")
    teachers_of = _teachers_of(t, services)
    gone = _busiest_first(services, teachers_of, [x[0] for x in t.teachers])[:n]
    drop = {i for key in gone for i in services[key]}
    return (
        replace(t, courses=[c for i, c in enumerate(t.courses) if i not in drop]),
        {"teachers_left_out": sorted({p for key in gone for p in teachers_of[key]})},
    )


def first_semester_only(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``sessions_removed``: ``n`` courses stop at the end of January (their
    later weeks dropped); the services and who teaches whom stay."""
    february = date(t.start.year + 1, 2, 1)
    # Week n (the value 2**n of a mask, bit 0 unused) starts week1 + (n - 1) weeks.
    kept = week_mask(n for n in range(1, LAST_WEEK + 1) if t.week1 + timedelta(weeks=n - 1) < february)
    cut = [i for i, c in enumerate(t.courses) if reaches_ent(c) and c.weeks & kept not in (0, c.weeks)]
    if len(cut) < n:
        raise Unreachable(f"{len(cut)} courses run after January, {n} needed")
    courses = list(t.courses)
    for i in rng.sample(cut, n):
        courses[i] = replace(courses[i], weeks=courses[i].weeks & kept)
    return replace(t, courses=courses), {"courses_cut": n, "last_day": (february - timedelta(days=1)).isoformat()}


def groups_renamed(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``groups_renamed``: ``n`` groups under another code, made of the same
    classes; their teachers leave the old code and their services go with
    it, so the groups of the fewest teachers are chosen."""
    if len(t.groups) < n:
        raise Unreachable(f"{len(t.groups)} groups, {n} needed")
    teachers_of = {
        g[0]: tuple(sorted({p for c in t.courses if g[0] in c.groups for p in c.teachers})) for g in t.groups
    }
    chosen = set(_busiest_first(teachers_of, teachers_of, [x[0] for x in t.teachers])[:n])
    taken = {name for _, name, _ in t.classes} | {g[1] for g in t.groups}
    groups, renamed = [], {}
    for ident, name, cls, parts in t.groups:
        if ident in chosen:
            renamed[name] = _code(name, taken)
            taken.add(renamed[name])
            name = renamed[name]
        groups.append((ident, name, cls, parts))
    return replace(t, groups=groups), {"renamed": renamed}


def students_moved(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``students_leaving_classes``: ``n`` students moved to another class of
    their level (same first character of the code), for the whole year."""
    if len(t.classes) < 2 or len(t.students) < n:
        raise Unreachable(f"{len(t.students)} students in {len(t.classes)} classes, {n} moves needed")
    name = {i: nm for i, nm, _ in t.classes}
    parts = {i: ps for i, _, ps in t.classes}
    order = [i for i, _, _ in t.classes]

    def other(c: str) -> str:
        after = order[order.index(c) + 1 :] + order[: order.index(c)]
        return next((x for x in after if name[x][:1] == name[c][:1]), after[0])

    students = list(t.students)
    for k, i in enumerate(sorted(rng.sample(range(len(students)), n))):
        s = students[i]
        new = other(current_class(s))
        students[i] = {**s, "classes": [(new, t.start, t.end)], "part": parts[new][k % 2] if parts[new] else None}
    return replace(t, students=students), {"students_moved": n}


def classes_handed_over(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``teachers_leaving_classes``: ``n`` teachers each hand one class or group
    (where they teach nothing else) over to a colleague outside the ``n``."""
    services = _services(t)
    teachers_of = _teachers_of(t, services)
    per_structure = Counter((p, key[0]) for key, who in teachers_of.items() for p in who)
    eligible: dict[str, list] = {}
    for key, who in sorted(teachers_of.items()):
        for p in who:
            if per_structure[(p, key[0])] == 1:
                eligible.setdefault(p, []).append(key)
    idents = [x[0] for x in t.teachers]
    leaving = rng.sample(sorted(eligible), min(n, len(eligible)))
    colleagues = [p for p in idents if p not in leaving]
    if len(leaving) < n or not colleagues:
        raise Unreachable(f"{len(eligible)} teachers could leave a class, {n} needed, and a colleague")
    subjects = {p: {c.subject for c in t.courses if p in c.teachers} for p in colleagues}
    courses, handed = list(t.courses), {}
    for k, p in enumerate(leaving):
        key = rng.choice(eligible[p])
        same = [q for q in colleagues if key[1] in subjects[q]]
        q = (same or colleagues)[k % len(same or colleagues)]
        for i in services[key]:
            c = courses[i]
            courses[i] = replace(c, teachers=tuple(dict.fromkeys(q if x == p else x for x in c.teachers)))
        handed[p] = q
    return replace(t, courses=courses), {"handed_over": handed}


def groups_deleted(t: Timetable, rng: random.Random, n: int) -> tuple[Timetable, dict]:
    """``structures_deleted_with_sessions``: the ``n`` groups with the fewest
    courses deleted with their courses (a group, not a class: no student
    leaves a class)."""
    held = Counter(g for c in t.courses if reaches_ent(c) for g in c.groups)
    candidates = sorted((g[0] for g in t.groups if held[g[0]]), key=lambda g: held[g])
    if len(candidates) < n:
        raise Unreachable(f"{len(candidates)} groups hold courses, {n} needed")
    gone = set(candidates[:n])
    courses = [
        replace(c, groups=tuple(g for g in c.groups if g not in gone))
        for c in t.courses
        if not (c.groups and set(c.groups) <= gone and not c.classes and not c.parts)
    ]
    return (
        replace(t, groups=[g for g in t.groups if g[0] not in gone], courses=courses),
        {"deleted_groups": sorted(g[1] for g in t.groups if g[0] in gone)},
    )


EDITS = {
    "services_modified": co_teaching,
    "services_deleted": services_left_out,
    "sessions_removed": first_semester_only,
    "groups_renamed": groups_renamed,
    "students_leaving_classes": students_moved,
    "teachers_leaving_classes": classes_handed_over,
    "structures_deleted_with_sessions": groups_deleted,
}


def threshold_variant(t: Timetable, name: str, rng: random.Random) -> tuple[Timetable, dict]:
    """The edit of ``t`` that goes over the default threshold ``name`` and no
    other, with what the pipeline is expected to count. Raises
    :class:`Unreachable` when this base allows no such edit."""
    _, totals = effects(t, t)
    n = smallest_over(name, totals[name])
    variant, extra = EDITS[name](t, rng, n)
    counts, totals = effects(t, variant)
    over = [k for k in DEFAULT_TIMETABLE_THRESHOLDS if is_over(k, counts[k], totals[k])]
    if over != [name]:
        raise Unreachable(
            f"the smallest change over {name} ({n} of {totals[name]}) goes over {', '.join(over) or 'nothing'}"
        )
    return variant, {**extra, "expected": counts, "totals": totals}
