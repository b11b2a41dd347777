"""Matching (rapprochement) of a timetable or STS-web export against the
directory, and what the export says in matched keys (formats §4 "Matching";
domain-rules §7, §11, §12).

Pure: the caller loads a :class:`DirectoryView` of one establishment from
the read model. Teachers match on the STS id, then normalised name + birth
date; students on INE or ``ELEVE_ID``, then name + birth date; classes and
groups on their code. A candidate is taken only when it is the only one (the
establishment's own accounts first); anything else is listed as unmatched
with why and, for a person, the accounts of the same name an operator may
choose (``candidates``) — never guessed. Older exports carry neither
``IDSTS`` nor birth dates for teachers: an operator matches them by hand, and
the match is remembered for the later imports of the year, keyed on the
export's ident *and* the name (asked again when the name changes).

An EDT export is first turned into a *plan* in the export's own idents
(:func:`plan_edt`, JSON-able, recorded with the import), then resolved with
the matches into a :class:`~events.timetable.Snapshot` in stable keys
(:func:`resolve`): account jointures, class and group codes, subject codes.
What is not matched is not imported; what an earlier import applied for it
is kept (domain-rules §12, :func:`events.timetable.keep_set_aside`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

from adapters.sts.records import StsExport
from adapters.timetable.records import EdtExport
from events.rules import normalised_identity
from events.timetable import Aside, Session, Snapshot, keep_set_aside

STAFF = frozenset({"ENSEIGNANT", "NON_ENSEIGNANT"})
STUDENTS = frozenset({"ELEVE"})
PROFILES = {"teacher": STAFF, "student": STUDENTS}
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Person:
    """What matching needs of one account of the directory."""

    jointure: str
    profile: str
    identity: str = ""  # normalised name|DD/MM/YYYY, as the read model's accounts.identity
    sts_id: str = ""
    ine: str = ""
    eleve_id: str = ""
    local: bool = False  # attached to the establishment being imported
    name: str = ""  # normalised name, when the identity has no birth date to go with it


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
    identifier (STS id, ELEVE_ID, class or group code), never a name;
    ``name`` a digest of a person's normalised name, so that a match made by
    hand is asked again when the name changes."""

    kind: str  # teacher | student | class | group
    ident: str  # EDT @Ident, STS INDIVIDU/@ID, or the code itself
    code: str
    key: str  # matched jointure or code; '' when unmatched
    by: str  # sts_id | ine | eleve_id | name_birth_date | code | to_create | hand | remembered | ''
    reason: str  # '' when matched; not_found | ambiguous | no_identity | name_changed
    line: int = 0
    name: str = ""
    candidates: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return bool(self.key)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["candidates"] = list(self.candidates)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Match:
        """A stored match; those recorded before hand matching lack name and candidates."""
        return cls(
            d["kind"],
            d["ident"],
            d["code"],
            d["key"],
            d["by"],
            d["reason"],
            int(d.get("line") or 0),
            d.get("name", ""),
            tuple(d.get("candidates", ())),
        )


@dataclass(frozen=True)
class Remembered:
    """A match made by hand on an earlier import of the year (or on the import
    this one replaces): ``name`` as in :attr:`Match.name`."""

    kind: str
    ident: str
    name: str
    key: str


@dataclass(frozen=True)
class Matched:
    """An export read against the directory."""

    snapshot: Snapshot
    matches: tuple[Match, ...]
    summary: dict[str, tuple[int, int]]  # classes/groupes/enseignants → (imported, not imported)
    plan: dict = field(default_factory=dict)
    not_imported: tuple[dict, ...] = ()
    set_aside_share: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (set aside, read)


def person_identity(family_name: str, given_name: str, birth: date | None) -> str:
    """The key accounts.identity holds: normalised name and AAF birth date
    (domain-rules §5); empty without a name or a birth date."""
    name = normalised_identity(family_name, given_name)
    return f"{name}|{birth.strftime('%d/%m/%Y')}" if name and birth else ""


def name_digest(family_name: str, given_name: str) -> str:
    """A short digest of a normalised name, the second half of the key of a
    remembered hand match. Not a keyed hash yet (the erasure issue makes the
    store's digests keyed); it never leaves the store."""
    name = normalised_identity(family_name, given_name)
    return hashlib.sha256(f"timetable-name\0{name}".encode()).hexdigest()[:16] if name else ""


def code_digest(code: str) -> str:
    """The "name" of a class or group, for remembered mappings: its code as written."""
    return hashlib.sha256(f"timetable-code\0{code}".encode()).hexdigest()[:16]


class _Index:
    def __init__(self, view: DirectoryView):
        self.by: dict[tuple[str, str], list[Person]] = defaultdict(list)
        self.names: dict[str, list[Person]] = defaultdict(list)
        self.families: dict[str, list[Person]] = defaultdict(list)
        for p in view.people:
            for fld in ("sts_id", "ine", "eleve_id", "identity"):
                value = getattr(p, fld)
                if value:
                    self.by[(fld, value)].append(p)
            name = p.name or p.identity.split("|", 1)[0]
            if name and p.local:
                self.names[name].append(p)
                self.families[name.split(" ", 1)[0]].append(p)

    def match(
        self,
        kind: str,
        ident: str,
        code: str,
        line: int,
        keys: list[tuple[str, str]],
        identity: str,
        family: str,
        given: str,
    ) -> Match:
        profiles = PROFILES[kind]
        ambiguous = False
        digest = name_digest(family, given)
        for fld, value in [*keys, ("identity", identity)]:
            if not value:
                continue
            found = [p for p in self.by.get((fld, value), ()) if p.profile in profiles]
            if len(found) > 1:
                found = [p for p in found if p.local] or found
            if len(found) == 1:
                by = "name_birth_date" if fld == "identity" else fld
                return Match(kind, ident, code, found[0].jointure, by, "", line, digest)
            ambiguous = ambiguous or len(found) > 1
        reason = "ambiguous" if ambiguous else ("not_found" if identity or any(v for _, v in keys) else "no_identity")
        return Match(kind, ident, code, "", "", reason, line, digest, self.candidates(family, given, profiles))

    def candidates(self, family: str, given: str, profiles: frozenset[str]) -> tuple[str, ...]:
        """Accounts of the establishment an operator may choose: the same
        normalised name first, then the same family name (a given name
        written otherwise); at most MAX_CANDIDATES."""
        name = normalised_identity(family, given)
        if not name:
            return ()
        fam = normalised_identity(family, "").split(" ", 1)[0]
        found = [p.jointure for p in self.names.get(name, ()) if p.profile in profiles]
        found += [p.jointure for p in self.families.get(fam, ()) if p.profile in profiles and p.jointure not in found]
        return tuple(found[:MAX_CANDIDATES])


def _remember(m: Match, remembered: dict[tuple[str, str], Remembered]) -> Match:
    """An unmatched item matched by an earlier hand match of the same ident;
    asked again (``name_changed``) when the name is no longer the same."""
    if m.matched:
        return m
    r = remembered.get((m.kind, m.ident))
    if r is None:
        return m
    if r.name != m.name:
        return Match(m.kind, m.ident, m.code, "", "", "name_changed", m.line, m.name, m.candidates)
    return Match(m.kind, m.ident, m.code, r.key, "remembered", "", m.line, m.name)


def _structure_match(
    kind: str, ident: str, code: str, known: frozenset[str], line: int, remembered: dict[tuple[str, str], Remembered]
) -> Match:
    """A class or group on its code. A class the directory does not have is
    not imported (classes come from the AAF); a group it does not have is
    imported as a group to create (seed 004 "groupes d'option à créer")."""
    name = code_digest(code)
    if code in known:
        return Match(kind, ident, code, code, "code", "", line, name)
    m = _remember(Match(kind, ident, code, "", "", "not_found", line, name), remembered)
    if m.matched or kind == "class" or m.reason == "name_changed":
        return m
    return Match(kind, ident, code, code, "to_create", "", line, name)


# ---------------------------------------------------------------------------- EDT: the plan


def plan_edt(export: EdtExport) -> dict:
    """What an EDT export says, in its own idents, JSON-able: the input of
    :func:`resolve`, recorded with the import so that a match made by hand
    resolves it again without the file. No name, no birth date."""
    h = export.header
    subject_code = {s.ident: s.code or s.ident for s in export.subjects}
    part_class = {p: c.ident for c in export.classes for p in c.parts}
    courses, parts_only = [], 0
    for c in export.courses:
        if c.subject_only:
            continue
        if not c.classes and not c.groups:
            parts_only += 1  # on class parts only: never reaches the ENT (domain-rules §2)
            continue
        courses.append(
            [
                c.day,
                c.start_place,
                c.places,
                subject_code.get(c.subject or "", ""),
                list(c.teachers),
                list(c.classes),
                list(c.groups),
                str(c.weeks),
                str(c.cancelled),
                str(c.included),
                list(c.replacing),
            ]
        )
    aside = export.set_aside
    return {
        "form": 1,
        "calendar": {
            "starts_on": h.starts_on.isoformat(),
            "ends_on": h.ends_on.isoformat(),
            "first_week_day": h.first_week_day.isoformat(),
        },
        "subjects": {subject_code[s.ident]: s.label for s in export.subjects},
        "classes": {c.ident: c.name for c in export.classes},
        "groups": {
            g.ident: {
                "code": g.name,
                "classes": sorted(set(g.classes) | {part_class[p] for p in g.parts if p in part_class}),
            }
            for g in export.groups
        },
        "students": {s.ident: s.class_ident or "" for s in export.students},
        "group_students": {g.ident: sorted(s.ident for s in export.students_of_group(g)) for g in export.groups},
        "courses": courses,
        "aside": {
            "teachers": list(aside.teachers),
            "students": list(aside.students),
            "classes": list(aside.classes),
            "groups": list(aside.groups),
            "names": dict(aside.names),
            "courses": [
                [subject_code.get(r.subject or "", ""), list(r.teachers), list(r.classes), list(r.groups)]
                for r in aside.courses
            ],
        },
        "read": dict(export.read),
        "subject_only": export.subject_only,
        "ignored_parts": export.ignored_parts,
        "parts_only": parts_only,
    }


def match_edt(
    export: EdtExport,
    view: DirectoryView,
    remembered: tuple[Remembered, ...] = (),
    before: Snapshot | None = None,
    previous: tuple[Match, ...] = (),
) -> Matched:
    """Match an EDT export and resolve it (domain-rules §7, §12). ``before``
    is the timetable applied last and ``previous`` the matches of the import
    that applied it: what they hold for a record not imported now is kept."""
    index = _Index(view)
    memory = {(r.kind, r.ident): r for r in remembered}
    matches: list[Match] = []
    for t in export.teachers:
        m = index.match(
            "teacher",
            t.ident,
            t.sts_id or "",
            t.line,
            [("sts_id", t.sts_id or "")],
            person_identity(t.family_name, t.given_name, t.birth_date),
            t.family_name,
            t.given_name,
        )
        matches.append(_remember(m, memory))
    for s in export.students:
        m = index.match(
            "student",
            s.ident,
            s.eleve_id or "",
            s.line,
            [("ine", s.ine or ""), ("eleve_id", s.eleve_id or "")],
            person_identity(s.family_name, s.given_name, s.birth_date),
            s.family_name,
            s.given_name,
        )
        matches.append(_remember(m, memory))
    matches += [_structure_match("class", c.ident, c.name, view.classes, c.line, memory) for c in export.classes]
    matches += [_structure_match("group", g.ident, g.name, view.groups, g.line, memory) for g in export.groups]
    plan = plan_edt(export)
    return resolve(plan, tuple(matches), before, previous)


def rematch(matched_before: tuple[Match, ...], kind: str, ident: str, key: str) -> tuple[Match, ...]:
    """The matches with ``ident`` matched by hand to ``key``."""
    return tuple(
        Match(m.kind, m.ident, m.code, key, "hand", "", m.line, m.name) if (m.kind, m.ident) == (kind, ident) else m
        for m in matched_before
    )


# ---------------------------------------------------------------------------- EDT: resolving the plan


def resolve(
    plan: dict, matches: tuple[Match, ...], before: Snapshot | None = None, previous: tuple[Match, ...] = ()
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
    plan: dict,
    matches: tuple[Match, ...],
    previous: tuple[Match, ...],
    out_classes: set[str],
    out_groups: set[str],
    dropped: list,
    teacher: dict,
    student: dict,
    klass: dict,
    group: dict,
) -> Aside:
    """The keys of the last applied timetable that belong to records not
    imported now: found by the ident they had in the import that applied it
    (or, for a person, the same name), or by the key an earlier release gave
    an unmatched record (``edt:<ident>``, ``sts:<id>``, ``eleve:<id>``)."""
    prev = {(m.kind, m.ident): m.key for m in previous if m.key}
    prev_names = defaultdict(set)
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

    def signature(subject: str, _teachers: list, c_ids: list, g_ids: list) -> tuple:
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
    plan: dict, matches: tuple[Match, ...], out_classes: set[str], out_groups: set[str], teaching: dict[str, int]
) -> list[dict]:
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
    plan: dict, matches: tuple[Match, ...], out_classes: set[str], out_groups: set[str], teaching: dict[str, int]
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


def _share(plan: dict, matches: tuple[Match, ...], dropped: list) -> dict[str, tuple[int, int]]:
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


# ---------------------------------------------------------------------------- STS-web


def _fallback_key(m: Match) -> str:
    if m.key:
        return m.key
    return f"sts:{m.code}" if m.code else f"edt:{m.ident}"


def match_sts(export: StsExport, view: DirectoryView) -> Matched:
    """Match an STS-web export (teachers and their services per division or
    group; no sessions, no students) and build its snapshot. STS-web always
    carries the STS id: an unmatched teacher keeps it as key (``sts:<id>``)."""
    index = _Index(view)
    matches: list[Match] = []
    key: dict[str, str] = {}
    named = {t for s in export.services for t in s.teacher_ids}
    for p in export.persons:
        if not (p.is_teacher or p.id in named):
            continue  # all staff are listed (formats §3): only teachers matter here
        m = index.match(
            "teacher",
            p.id,
            p.id,
            p.line,
            [("sts_id", p.id)],
            person_identity(p.family_name, p.given_name, p.birth_date),
            p.family_name,
            p.given_name,
        )
        matches.append(m)
        key[p.id] = _fallback_key(m)
    matches += [_structure_match("class", d, d, view.classes, 0, {}) for d in export.divisions]
    matches += [_structure_match("group", g.code, g.code, view.groups, g.line, {}) for g in export.groups]
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
    with_services = {code for code, _ in snapshot.services}
    summary = {}
    for kind, label in (("class", "classes"), ("group", "groupes")):
        items = [m for m in matches if m.kind == kind]
        ok = sum(1 for m in items if m.code in with_services and (m.by == "code" or kind == "group"))
        summary[label] = (ok, len(items) - ok)
    busy = {k for k, v in snapshot.teachers.items() if v}
    teaching = [m for m in matches if m.kind == "teacher" and _fallback_key(m) in busy]
    summary["enseignants"] = (sum(1 for m in teaching if m.matched), sum(1 for m in teaching if not m.matched))
    return Matched(snapshot, tuple(matches), summary)
