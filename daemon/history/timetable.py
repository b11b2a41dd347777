"""The timetable facts in an account's history: in the timetable imports of
the establishments it belongs to, where it was matched (by which rule, at
which line of the file, by hand and by whom), what an applied import gave it
(a student's class and groups, the classes and groups a teacher teaches,
before → after against the previous applied import of the same source), and
where it was a candidate that nobody matched.

Only what the import streams name by the account's jointure is found: a
snapshot speaks in matched keys (events/timetable/snapshot.py), so an
unmatched person of an export is not the account's until matched."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from events.application import DirectoryLog
from events.imports import TimetableImport
from projections import history_queries
from projections.db import Database


def timetable_facts(log: DirectoryLog, db: Database, account_id: str, jointure: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    given: dict[tuple[str, str], dict[str, Any]] = {}  # (uai, source) → what the last applied import gave
    for imp in history_queries.timetable_imports(db, history_queries.account_uais(db, account_id)):
        matches: list[dict[str, Any]] = []
        snapshot: dict[str, Any] = {}
        events: list[Any] = list(log.events.get(UUID(imp.import_id)))
        for ev in events:
            base = {
                "stream": "timetable",
                "source": "timetable",
                "event": f"TimetableImport.{type(ev).__name__}",
                "at": ev.at.isoformat(),
                "import_id": imp.import_id,
                "uai": imp.uai,
                "format": imp.source,
                "file": imp.file,
            }
            if isinstance(ev, (TimetableImport.Received, TimetableImport.Resolved)):
                matches, snapshot = list(ev.matches), dict(ev.snapshot)
                missed = [m for m in matches if not m.get("key") and jointure in m.get("candidates", ())]
                if missed:
                    m = missed[0]
                    out.append({**base, **_match(m), "flags": ["not_matched"], "reason": m.get("reason", "")})
            elif isinstance(ev, TimetableImport.MatchedByHand) and ev.key == jointure:
                out.append({**base, "kind": ev.kind, "ident": ev.ident, "author": ev.operator})
            elif isinstance(ev, TimetableImport.Applied):
                mine = [m for m in matches if m.get("key") == jointure]
                now = _given(snapshot, jointure)
                before = given.get((imp.uai, imp.source), {})
                if not mine and not now and not before:
                    continue
                given[(imp.uai, imp.source)] = now
                entry = {**base, **(_match(mine[0]) if mine else {}), **now}
                if diff := _changes(before, now):
                    entry["changes"] = diff
                out.append(entry)
    return out


def _match(m: dict[str, Any]) -> dict[str, Any]:
    """A match as the history shows it: never the name digest."""
    out = {"kind": m["kind"], "ident": m["ident"], "code": m["code"], "matched_by": m.get("by", "")}
    if m.get("line"):
        out["line"] = int(m["line"])
    return {k: v for k, v in out.items() if v not in ("", None)}


def _given(snapshot: dict[str, Any], jointure: str) -> dict[str, Any]:
    """What a timetable gives the account: a student's class and groups, a teacher's classes and groups."""
    out: dict[str, Any] = {}
    if jointure in snapshot.get("students", {}):
        out["class"] = snapshot["students"][jointure]
    groups = sorted(g for g, members in snapshot.get("group_members", {}).items() if jointure in members)
    if groups:
        out["groups"] = groups
    if jointure in snapshot.get("teachers", {}):
        out["teaches"] = sorted(snapshot["teachers"][jointure])
    return out


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in ("class", "groups", "teaches")
        if before.get(k) != after.get(k)
    }
