"""Matching (rapprochement) of a timetable or STS-web export against the
directory, and the snapshot of what the export says in matched keys
(formats §4 "Matching"; domain-rules §7, §11).

Pure: the caller loads a :class:`DirectoryView` of one establishment from
the read model. Teachers match on the STS id, then normalised name + birth
date; students on INE or ``ELEVE_ID``, then name + birth date; classes and
groups on their code. A candidate is taken only when it is the only one (the
establishment's own accounts first); anything else is listed as unmatched
with why, never guessed.

Timetable idents only mean something inside one export (domain-rules §11),
so the snapshot speaks in stable keys: the account jointure of a matched
person; else ``sts:<id>`` / ``eleve:<ELEVE_ID>``; else ``edt:<ident>`` (only
stable as long as the timetable software keeps its idents).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from adapters.sts.records import StsExport
from adapters.timetable.records import EdtExport
from projections.rules import normalised_identity
from projections.timetable import Session, Snapshot

STAFF = frozenset({"ENSEIGNANT", "NON_ENSEIGNANT"})
STUDENTS = frozenset({"ELEVE"})


@dataclass(frozen=True)
class Person:
    """What matching needs of one account of the directory."""

    jointure: str
    profile: str
    identity: str = ""   # normalised name|DD/MM/YYYY, as the read model's accounts.identity
    sts_id: str = ""
    ine: str = ""
    eleve_id: str = ""
    local: bool = False  # attached to the establishment being imported


@dataclass(frozen=True)
class DirectoryView:
    """The directory as one establishment's import sees it."""

    uai: str
    known: bool
    classes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Match:
    """One item of the export and what it matched. ``code`` is a source
    identifier (STS id, ELEVE_ID, class or group code), never a name."""

    kind: str      # teacher | student | class | group
    ident: str     # EDT @Ident, STS INDIVIDU/@ID, or the code itself
    code: str
    key: str       # matched jointure or code; '' when unmatched
    by: str        # sts_id | ine | eleve_id | name_birth_date | code | ''
    reason: str    # '' when matched; not_found | ambiguous | no_identity
    line: int = 0

    @property
    def matched(self) -> bool:
        return bool(self.key)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Matched:
    """An export read against the directory."""

    snapshot: Snapshot
    matches: tuple[Match, ...]
    summary: dict[str, tuple[int, int]]  # classes/groupes/enseignants → (imported, not imported)


def person_identity(family_name: str, given_name: str, birth: date | None) -> str:
    """The key accounts.identity holds: normalised name and AAF birth date
    (domain-rules §5); empty without a name or a birth date."""
    name = normalised_identity(family_name, given_name)
    return f"{name}|{birth.strftime('%d/%m/%Y')}" if name and birth else ""


class _Index:
    def __init__(self, view: DirectoryView):
        self.by: dict[tuple[str, str], list[Person]] = defaultdict(list)
        for p in view.people:
            for field in ("sts_id", "ine", "eleve_id", "identity"):
                value = getattr(p, field)
                if value:
                    self.by[(field, value)].append(p)

    def match(self, kind: str, ident: str, code: str, line: int, profiles: frozenset[str],
              keys: list[tuple[str, str]], identity: str) -> Match:
        ambiguous = False
        for field, value in [*keys, ("identity", identity)]:
            if not value:
                continue
            found = [p for p in self.by.get((field, value), ()) if p.profile in profiles]
            if len(found) > 1:
                found = [p for p in found if p.local] or found
            if len(found) == 1:
                by = "name_birth_date" if field == "identity" else field
                return Match(kind, ident, code, found[0].jointure, by, "", line)
            ambiguous = ambiguous or len(found) > 1
        reason = "ambiguous" if ambiguous else ("not_found" if identity or any(v for _, v in keys) else "no_identity")
        return Match(kind, ident, code, "", "", reason, line)


def _code_match(kind: str, ident: str, code: str, known: frozenset[str], line: int) -> Match:
    return Match(kind, ident, code, code if code in known else "", "code" if code in known else "",
                 "" if code in known else "not_found", line)


def _summary(snapshot: Snapshot, matches: list[Match]) -> dict[str, tuple[int, int]]:
    """(imported, not imported) per seed-004 section: a class or group is
    imported when it matched and carries services; a teacher with courses
    when they matched."""
    with_services = {code for code, _ in snapshot.services}
    out = {}
    for kind, label in (("class", "classes"), ("group", "groupes")):
        items = [m for m in matches if m.kind == kind]
        ok = sum(1 for m in items if m.matched and m.code in with_services)
        out[label] = (ok, len(items) - ok)
    busy = {k for k, v in snapshot.teachers.items() if v}
    teaching = [m for m in matches if m.kind == "teacher" and _fallback_key(m) in busy]
    ok = sum(1 for m in teaching if m.matched)
    out["enseignants"] = (ok, len(teaching) - ok)
    return out


def _fallback_key(m: Match) -> str:
    if m.key:
        return m.key
    if m.kind == "teacher":
        return f"sts:{m.code}" if m.code else f"edt:{m.ident}"
    return f"eleve:{m.code}" if m.code else f"edt:{m.ident}"


def match_edt(export: EdtExport, view: DirectoryView) -> Matched:
    """Match an EDT export and build its snapshot (domain-rules §7). Courses
    on class parts only are not imported: parts never reach the ENT (§2)."""
    index = _Index(view)
    matches: list[Match] = []
    teacher_key, student_key = {}, {}
    for t in export.teachers:
        m = index.match("teacher", t.ident, t.sts_id or "", t.line, STAFF, [("sts_id", t.sts_id or "")],
                        person_identity(t.family_name, t.given_name, t.birth_date))
        matches.append(m)
        teacher_key[t.ident] = _fallback_key(m)
    for s in export.students:
        m = index.match("student", s.ident, s.eleve_id or "", s.line, STUDENTS,
                        [("ine", s.ine or ""), ("eleve_id", s.eleve_id or "")],
                        person_identity(s.family_name, s.given_name, s.birth_date))
        matches.append(m)
        student_key[s.ident] = _fallback_key(m)
    class_code = {c.ident: c.name for c in export.classes}
    part_class = {p: c.name for c in export.classes for p in c.parts}
    group_code = {g.ident: g.name for g in export.groups}
    subject_code = {s.ident: s.code or s.ident for s in export.subjects}
    matches += [_code_match("class", c.ident, c.name, view.classes, c.line) for c in export.classes]
    matches += [_code_match("group", g.ident, g.name, view.groups, g.line) for g in export.groups]

    services: dict[tuple[str, str], set[str]] = defaultdict(set)
    taught: dict[str, set[str]] = {k: set() for k in teacher_key.values()}
    sessions = []
    for c in export.courses:
        classes = frozenset(class_code[i] for i in c.classes if i in class_code)
        groups = frozenset(group_code[i] for i in c.groups if i in group_code)
        if not classes and not groups:
            continue  # on class parts only: never reaches the ENT
        subject = subject_code.get(c.subject or "", "")
        teachers = frozenset(teacher_key[i] for i in c.teachers if i in teacher_key)
        sessions.append(Session(c.day, c.start_place, c.places, subject, teachers, classes, groups, c.weeks))
        for code in classes | groups:
            services[(code, subject)].update(teachers)
        for t in teachers:
            taught[t].update(classes | groups)
    snapshot = Snapshot(
        subjects={subject_code[s.ident]: s.label for s in export.subjects},
        services={k: frozenset(v) for k, v in services.items()},
        sessions=tuple(sessions),
        classes=frozenset(class_code.values()),
        groups={g.name: frozenset([class_code[i] for i in g.classes if i in class_code]
                                  + [part_class[p] for p in g.parts if p in part_class]) for g in export.groups},
        students={student_key[s.ident]: class_code.get(s.class_ident or "", "") for s in export.students},
        teachers={k: frozenset(v) for k, v in taught.items()},
        group_members={g.name: frozenset(student_key[s.ident] for s in export.students_of_group(g))
                       for g in export.groups},
    )
    return Matched(snapshot, tuple(matches), _summary(snapshot, matches))


def match_sts(export: StsExport, view: DirectoryView) -> Matched:
    """Match an STS-web export (teachers and their services per division or
    group; no sessions, no students) and build its snapshot."""
    index = _Index(view)
    matches: list[Match] = []
    key: dict[str, str] = {}
    named = {t for s in export.services for t in s.teacher_ids}
    for p in export.persons:
        if not (p.is_teacher or p.id in named):
            continue  # all staff are listed (formats §3): only teachers matter here
        m = index.match("teacher", p.id, p.id, p.line, STAFF, [("sts_id", p.id)],
                        person_identity(p.family_name, p.given_name, p.birth_date))
        matches.append(m)
        key[p.id] = _fallback_key(m)
    matches += [_code_match("class", d, d, view.classes, 0) for d in export.divisions]
    matches += [_code_match("group", g.code, g.code, view.groups, g.line) for g in export.groups]
    services: dict[tuple[str, str], set[str]] = defaultdict(set)
    taught: dict[str, set[str]] = {k: set() for k in key.values()}
    for s in export.services:
        teachers = {key[t] for t in s.teacher_ids if t in key}
        services[(s.structure_code, s.subject_code)].update(teachers)
        for t in teachers:
            taught[t].add(s.structure_code)
    snapshot = Snapshot(
        subjects={s.code: s.long_label or s.short_label for s in export.subjects},
        services={k: frozenset(v) for k, v in services.items()},
        classes=frozenset(export.divisions),
        groups={g.code: frozenset(g.divisions) for g in export.groups},
        teachers={k: frozenset(v) for k, v in taught.items()},
    )
    return Matched(snapshot, tuple(matches), _summary(snapshot, matches))
