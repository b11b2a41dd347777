"""An EDT export matched (formats §4; domain-rules §7, §12): first turned
into a *plan* in the export's own idents (:func:`plan_edt`, JSON-able,
recorded with the import), its people, classes and groups matched, then
resolved with the matches (:func:`events.timetable.resolve.resolve`)."""

from __future__ import annotations

from typing import Any

from adapters.timetable.records import EdtExport
from events.timetable.matching import (
    DirectoryIndex,
    DirectoryView,
    Match,
    Matched,
    Remembered,
    person_identity,
    remembered_match,
    structure_match,
)
from events.timetable.resolve import resolve
from events.timetable.snapshot import Snapshot


def plan_edt(export: EdtExport) -> dict[str, Any]:
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
    pepper: bytes,
    remembered: tuple[Remembered, ...] = (),
    before: Snapshot | None = None,
    previous: tuple[Match, ...] = (),
) -> Matched:
    """Match an EDT export and resolve it (domain-rules §7, §12). ``before``
    is the timetable applied last and ``previous`` the matches of the import
    that applied it: what they hold for a record not imported now is kept.
    ``pepper``: the store's, for the names' digests (matching.name_digest)."""
    index = DirectoryIndex(view, pepper)
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
        matches.append(remembered_match(m, memory))
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
        matches.append(remembered_match(m, memory))
    matches += [structure_match("class", c.ident, c.name, view.classes, c.line, memory) for c in export.classes]
    matches += [structure_match("group", g.ident, g.name, view.groups, g.line, memory) for g in export.groups]
    plan = plan_edt(export)
    return resolve(plan, tuple(matches), before, previous)
