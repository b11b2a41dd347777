"""What a timetable import changes since the last applied one (domain-rules
§7, §11), and what it keeps of it for the records not imported now
(domain-rules §12)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from events.timetable.snapshot import Session, Snapshot


@dataclass(frozen=True)
class Aside:
    """Keys of the last applied timetable whose records are not imported now
    (set aside by the reader, matched to nobody, or going with a class or
    group set aside): teachers and students by key, classes and groups by
    code, courses by (subject, class codes, group codes)."""

    teachers: frozenset[str] = frozenset()
    students: frozenset[str] = frozenset()
    structures: frozenset[str] = frozenset()
    courses: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = ()


def keep_set_aside(before: Snapshot | None, after: Snapshot, aside: Aside) -> Snapshot:
    """``after`` with what ``before`` applied for the records not imported now
    left untouched (domain-rules §12): an unmatched teacher keeps the services
    and sessions earlier imports gave them, a class set aside keeps its
    services, sessions, members; a course set aside keeps its sessions. So
    none of it is a change, and none of it counts in a threshold."""
    if before is None:
        return after
    teachers_out, structures = aside.teachers, aside.structures
    if not (teachers_out or aside.students or structures or aside.courses):
        return after

    def on_structure(s: Session) -> bool:
        return bool((s.classes | s.groups) & structures)

    services = dict(after.services)
    for (code, subject), tb in before.services.items():
        if code in structures:
            services[(code, subject)] = tb
        elif tb & teachers_out:
            services[(code, subject)] = services.get((code, subject), frozenset()) | (tb & teachers_out)
    # Sessions: those of a structure set aside are kept as they were; a
    # session of an unmatched teacher is the same session without them, and
    # gets them back; a session of a course set aside is kept.
    new = [s for s in after.sessions if not on_structure(s)]
    old_pool = Counter(s for s in before.sessions if not on_structure(s))
    unmatched_new = Counter(new) - old_pool
    restored: list[Session] = []
    leftovers = list((old_pool - Counter(new)).elements())
    for s in sorted(leftovers, key=_session_order):
        if not s.teachers & teachers_out:
            continue
        bare = replace(s, teachers=s.teachers - teachers_out)
        if unmatched_new[bare] > 0:
            unmatched_new[bare] -= 1
            restored.append(s)
            new.remove(bare)
    sessions = new + restored + [s for s in before.sessions if on_structure(s)]
    missing = Counter(before.sessions) - Counter(sessions)
    wanted = Counter(aside.courses)
    for s in sorted(missing.elements(), key=_session_order):
        sig = (s.subject, s.classes, s.groups)
        if wanted[sig] > 0:
            wanted[sig] -= 1
            sessions.append(s)
    teachers = dict(after.teachers)
    for k in teachers_out:
        if k in before.teachers:
            teachers[k] = before.teachers[k]
    students = dict(after.students)
    for k in aside.students:
        if k in before.students:
            students[k] = before.students[k]
    groups = dict(after.groups)
    members = {g: set(m) for g, m in after.group_members.items()}
    for g, comp in before.groups.items():
        if g in structures:
            groups[g] = comp
            members[g] = set(before.group_members.get(g, ()))
    for g, m in before.group_members.items():
        if g not in structures and g in members:
            members[g] |= m & aside.students
    classes = after.classes | (before.classes & structures)
    return replace(
        after,
        services=services,
        sessions=tuple(sessions),
        classes=classes,
        groups=groups,
        students=students,
        teachers=teachers,
        group_members={g: frozenset(m) for g, m in members.items()},
    )


def _session_order(s: Session) -> tuple[int, int, int, str, list[str], list[str], list[str], int]:
    return (s.day, s.start, s.places, s.subject, sorted(s.teachers), sorted(s.classes), sorted(s.groups), s.weeks)


@dataclass(frozen=True)
class Changes:
    subjects_added: tuple[str, ...]
    subjects_modified: tuple[str, ...]
    services_added: tuple[tuple[str, str], ...]
    services_modified: tuple[tuple[str, str], ...]
    services_deleted: tuple[tuple[str, str], ...]
    sessions_removed: int
    sessions_before: int
    groups_created: tuple[str, ...]
    groups_renamed: tuple[tuple[str, str], ...]
    students_leaving_classes: tuple[str, ...]
    teachers_leaving_classes: tuple[str, ...]
    structures_deleted_with_sessions: tuple[str, ...]
    totals: dict[str, int]

    def count(self, name: str) -> int:
        value = getattr(self, name)
        return value if isinstance(value, int) else len(value)


def diff(before: Snapshot | None, after: Snapshot) -> Changes:
    """What ``after`` changes relative to the previous applied import."""
    b = before or Snapshot()
    sessions_after = Counter(after.sessions)
    removed = Counter(b.sessions) - sessions_after
    gone_groups = {g: comp for g, comp in b.groups.items() if g not in after.groups}
    new_groups = {g: comp for g, comp in after.groups.items() if g not in b.groups}
    renamed = []
    for old, comp in sorted(gone_groups.items()):
        twin = next((g for g, c in sorted(new_groups.items()) if c == comp), None)
        if twin is not None:
            renamed.append((old, twin))
            del new_groups[twin]
    renamed_old = {old for old, _ in renamed}
    used = {c for s in b.sessions for c in s.classes | s.groups}
    deleted_structures = sorted(
        s
        for s in (set(b.classes) - set(after.classes)) | (set(b.groups) - set(after.groups) - renamed_old)
        if s in used
    )
    return Changes(
        subjects_added=tuple(sorted(set(after.subjects) - set(b.subjects))),
        subjects_modified=tuple(
            sorted(c for c in after.subjects if c in b.subjects and b.subjects[c] != after.subjects[c])
        ),
        services_added=tuple(sorted(set(after.services) - set(b.services))),
        services_modified=tuple(
            sorted(k for k in after.services if k in b.services and b.services[k] != after.services[k])
        ),
        services_deleted=tuple(sorted(set(b.services) - set(after.services))),
        sessions_removed=sum(removed.values()),
        sessions_before=len(b.sessions),
        groups_created=tuple(sorted(new_groups)),
        groups_renamed=tuple(renamed),
        students_leaving_classes=tuple(sorted(k for k, c in b.students.items() if after.students.get(k) != c)),
        teachers_leaving_classes=tuple(
            sorted(k for k, cs in b.teachers.items() if not cs <= after.teachers.get(k, frozenset()))
        ),
        structures_deleted_with_sessions=tuple(deleted_structures),
        totals={
            "services_modified": len(b.services),
            "services_deleted": len(b.services),
            "sessions_removed": len(b.sessions),
            "groups_renamed": len(b.groups),
            "students_leaving_classes": len(b.students),
            "teachers_leaving_classes": len(b.teachers),
            "structures_deleted_with_sessions": len(b.classes) + len(b.groups),
        },
    )


def changes_counts(changes: Changes) -> dict[str, int]:
    """How many of each change, for the history and the metrics."""
    names = (
        "subjects_added",
        "subjects_modified",
        "services_added",
        "services_modified",
        "services_deleted",
        "sessions_removed",
        "groups_created",
        "groups_renamed",
        "students_leaving_classes",
        "teachers_leaving_classes",
        "structures_deleted_with_sessions",
    )
    return {n: changes.count(n) for n in names}
