"""An EDT plan resolved with its matches into a
:class:`~events.timetable.snapshot.Snapshot` in stable keys (account
jointures, class and group codes, subject codes). What is not matched is
not imported; what an earlier import applied for it is kept (domain-rules
§12, :func:`events.timetable.changes.keep_set_aside`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from events.timetable.changes import Aside, keep_set_aside
from events.timetable.matching import Match, Matched
from events.timetable.snapshot import Session, Snapshot


def resolve(
    plan: dict[str, Any],
    matches: tuple[Match, ...],
    before: Snapshot | None = None,
    previous: tuple[Match, ...] = (),
) -> Matched:
    """The snapshot of ``plan`` in matched keys; what is not matched is not
    imported, and what ``before`` holds for it is kept (domain-rules §12)."""
    key = {(m.kind, m.ident): m.key for m in matches if m.key}
    teacher = {i: k for (kind, i), k in key.items() if kind == "teacher"}
    student = {i: k for (kind, i), k in key.items() if kind == "student"}
    klass = {i: k for (kind, i), k in key.items() if kind == "class"}
    group = {i: k for (kind, i), k in key.items() if kind == "group"}
    out_classes = set(plan["classes"]) - set(klass)  # classes not imported (unmatched)
    # A group is made of the classes that are imported; one not matched is not imported.
    out_groups = set(plan["groups"]) - set(group)

    services: dict[tuple[str, str], set[str]] = defaultdict(set)
    taught: dict[str, set[str]] = {k: set() for k in teacher.values()}
    sessions, dropped = [], []
    # Teacher ident → courses of theirs imported (0: they teach, nothing of it imported).
    teaching: dict[str, int] = {t: 0 for c in plan["courses"] for t in c[4]}
    for day, start, places, subject, t_ids, c_ids, g_ids, weeks, cancelled, included, replacing in plan["courses"]:
        if set(c_ids) & out_classes or set(g_ids) & out_groups:
            dropped.append([subject, t_ids, c_ids, g_ids])  # set aside with its class or group
            continue
        classes = frozenset(klass[i] for i in c_ids)
        groups = frozenset(group[i] for i in g_ids)
        teachers = frozenset(teacher[i] for i in t_ids if i in teacher)
        for t in t_ids:
            teaching[t] += 1
        sessions.append(
            Session(
                day,
                start,
                places,
                subject,
                teachers,
                classes,
                groups,
                int(weeks),
                int(cancelled),
                int(included),
                frozenset(teacher[i] for i in replacing if i in teacher),
            )
        )
        for code in classes | groups:
            services[(code, subject)].update(teachers)
        for t in teachers:
            taught[t].update(classes | groups)
    students = {student[i]: klass[c] for i, c in plan["students"].items() if i in student and c in klass}
    snapshot = Snapshot(
        subjects=dict(plan["subjects"]),
        services={k: frozenset(v) for k, v in services.items()},
        sessions=tuple(sessions),
        classes=frozenset(klass.values()),
        groups={
            group[i]: frozenset(klass[c] for c in g["classes"] if c in klass)
            for i, g in plan["groups"].items()
            if i not in out_groups
        },
        students=students,
        teachers={k: frozenset(v) for k, v in taught.items()},
        group_members={
            group[i]: frozenset(student[s] for s in plan["group_students"].get(i, ()) if s in student)
            for i, g in plan["groups"].items()
            if i not in out_groups
        },
        calendar=dict(plan.get("calendar", {})),
    )
    kept = _aside_keys(plan, matches, previous, out_classes, out_groups, dropped, teacher, student, klass, group)
    snapshot = keep_set_aside(before, snapshot, kept)
    not_imported = _not_imported(plan, matches, out_classes, out_groups, teaching)
    return Matched(
        snapshot,
        tuple(matches),
        _summary(plan, matches, out_classes, out_groups, teaching),
        plan,
        tuple(not_imported),
        _share(plan, matches, dropped),
    )


def _aside_keys(
    plan: dict[str, Any],
    matches: tuple[Match, ...],
    previous: tuple[Match, ...],
    out_classes: set[str],
    out_groups: set[str],
    dropped: list[list[Any]],
    teacher: dict[str, str],
    student: dict[str, str],
    klass: dict[str, str],
    group: dict[str, str],
) -> Aside:
    """The keys of the last applied timetable that belong to records not
    imported now: found by the ident they had in the import that applied it
    (or, for a person, the same name), or by the key an earlier release gave
    an unmatched record (``edt:<ident>``, ``sts:<id>``, ``eleve:<id>``)."""
    prev = {(m.kind, m.ident): m.key for m in previous if m.key}
    prev_names: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for m in previous:
        if m.key and m.name:
            prev_names[(m.kind, m.name)].add(m.key)
    current = {(m.kind, m.ident): m for m in matches}
    aside = plan.get("aside", {})

    def keys_of(kind: str, idents: set[str]) -> set[str]:
        out = set()
        for i in idents:
            m = current.get((kind, i))
            if (kind, i) in prev:
                out.add(prev[(kind, i)])
            elif m is not None and m.name and len(prev_names.get((kind, m.name), ())) == 1:
                out |= prev_names[(kind, m.name)]
            out.add(f"edt:{i}")
            if m is not None and m.code:
                out.add(f"{'sts' if kind == 'teacher' else 'eleve'}:{m.code}")
        return out

    teachers_out = {m.ident for m in matches if m.kind == "teacher" and not m.key} | set(aside.get("teachers", ()))
    students_out = {m.ident for m in matches if m.kind == "student" and not m.key} | set(aside.get("students", ()))
    structures = {prev[("class", i)] for i in out_classes | set(aside.get("classes", ())) if ("class", i) in prev}
    structures |= {prev[("group", i)] for i in out_groups | set(aside.get("groups", ())) if ("group", i) in prev}
    students = keys_of("student", students_out)
    # A student whose class is not imported keeps the class earlier imports gave.
    students |= {student[i] for i, c in plan["students"].items() if i in student and c and c not in klass}

    def signature(
        subject: str, _teachers: list[str], c_ids: list[str], g_ids: list[str]
    ) -> tuple[str, frozenset[str], frozenset[str]]:
        cs = frozenset(klass.get(i) or prev.get(("class", i), "") for i in c_ids)
        gs = frozenset(group.get(i) or prev.get(("group", i), "") for i in g_ids)
        return subject, cs, gs

    courses = [signature(*c) for c in [*aside.get("courses", ()), *dropped]]
    return Aside(
        teachers=frozenset(keys_of("teacher", teachers_out)),
        students=frozenset(students),
        structures=frozenset(structures),
        courses=tuple(courses),
    )


def _not_imported(
    plan: dict[str, Any],
    matches: tuple[Match, ...],
    out_classes: set[str],
    out_groups: set[str],
    teaching: dict[str, int],
) -> list[dict[str, Any]]:
    """What the bilan lists by name of section: classes and groups not
    imported, teachers whose courses were not imported, and why."""
    rows = []
    for m in matches:
        if m.kind in ("class", "group") and m.ident in (out_classes if m.kind == "class" else out_groups):
            reason = m.reason or "not_found"
            rows.append({"kind": m.kind, "ident": m.ident, "code": m.code, "reason": reason, "line": m.line})
        elif m.kind == "teacher" and not m.key and m.ident in teaching:
            rows.append(
                {
                    "kind": m.kind,
                    "ident": m.ident,
                    "code": m.code,
                    "reason": m.reason,
                    "line": m.line,
                    "candidates": list(m.candidates),
                }
            )
    return rows


def _summary(
    plan: dict[str, Any],
    matches: tuple[Match, ...],
    out_classes: set[str],
    out_groups: set[str],
    teaching: dict[str, int],
) -> dict[str, tuple[int, int]]:
    """(imported, not imported) per seed-004 section: a class or group whose
    services were imported, a teacher whose courses were."""
    with_courses = {i for c in plan["courses"] for i in (*c[5], *c[6])}
    aside = plan.get("aside", {})
    out = {}
    for label, idents, gone, set_aside in (
        ("classes", plan["classes"], out_classes, aside.get("classes", ())),
        ("groupes", plan["groups"], out_groups, aside.get("groups", ())),
    ):
        ok = sum(1 for i in idents if i in with_courses and i not in gone)
        out[label] = (ok, len(idents) - ok + len(set_aside))
    keyed = {m.ident for m in matches if m.kind == "teacher" and m.key}
    ok = sum(1 for i, n in teaching.items() if i in keyed and n)
    out["enseignants"] = (ok, len(teaching) - ok)
    return out


def _share(plan: dict[str, Any], matches: tuple[Match, ...], dropped: list[list[Any]]) -> dict[str, tuple[int, int]]:
    """(set aside, read) per kind of record, for the share limit of automated
    imports (domain-rules §12). Not imported counts as set aside: a record the
    reader refused, a person matched to nobody, a class the directory lacks,
    a course that goes with its class or group. Subject-only courses and
    undeclared class parts are not records set aside."""
    read = plan.get("read", {})
    aside = plan.get("aside", {})
    unmatched: defaultdict[str, int] = defaultdict(int)
    for m in matches:
        if not m.key:
            unmatched[m.kind] += 1
    structures = len(aside.get("classes", ())) + len(aside.get("groups", ())) + unmatched["class"] + unmatched["group"]
    return {
        "courses": (
            len(aside.get("courses", ())) + len(dropped),
            int(read.get("courses", 0)) - int(plan.get("subject_only", 0)),
        ),
        "teachers": (len(aside.get("teachers", ())) + unmatched["teacher"], int(read.get("teachers", 0))),
        "students": (len(aside.get("students", ())) + unmatched["student"], int(read.get("students", 0))),
        "classes_and_groups": (structures, int(read.get("classes", 0)) + int(read.get("groups", 0))),
    }
