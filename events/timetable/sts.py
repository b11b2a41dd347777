"""An STS-web export matched (formats §3; domain-rules §7): teachers and
their services per division or group, no sessions, no students."""

from __future__ import annotations

from collections import defaultdict

from adapters.sts.records import StsExport
from events.timetable.matching import (
    DirectoryIndex,
    DirectoryView,
    Match,
    Matched,
    person_identity,
    structure_match,
)
from events.timetable.snapshot import Snapshot


def _fallback_key(m: Match) -> str:
    if m.key:
        return m.key
    return f"sts:{m.code}" if m.code else f"edt:{m.ident}"


def match_sts(export: StsExport, view: DirectoryView, pepper: bytes) -> Matched:
    """Match an STS-web export (teachers and their services per division or
    group; no sessions, no students) and build its snapshot. STS-web always
    carries the STS id: an unmatched teacher keeps it as key (``sts:<id>``).
    ``pepper``: the store's, for the names' digests."""
    index = DirectoryIndex(view, pepper)
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
    matches += [structure_match("class", d, d, view.classes, 0, {}) for d in export.divisions]
    matches += [structure_match("group", g.code, g.code, view.groups, g.line, {}) for g in export.groups]
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
