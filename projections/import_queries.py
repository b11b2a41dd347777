"""The read side of timetable imports: the history (001 §3.4), one import with
its matches and report, the last applied timetable, the groups it populates."""

from __future__ import annotations

import json

from events.derive import first
from events.timetable.labels import status_label
from events.timetable.snapshot import Snapshot, session_dates, snapshot_from_dict, week_mask_weeks
from projections.clauses import LIKE_PREFIX, scoped, starting_with
from projections.db import Database

HISTORY_COLUMNS = (
    "import_id, received_at, finished_at, status, reason, automatic, uai, source, file, school_year, "
    "operator, lifted, counts"
)


def _history_row(row: dict) -> dict:
    row["automatic"] = bool(row["automatic"])
    row["lifted"] = json.loads(row["lifted"])
    row["counts"] = json.loads(row["counts"])
    row["label"] = status_label(row["status"], row["reason"])
    return row


def history(db: Database, uai: str | None = None, scope: frozenset[str] | None = None) -> list[dict]:
    """Imports, newest first, as the history table of 001 §3.4; with a
    ``scope`` (an API caller's UAIs), only those of its establishments."""
    where, params = scoped(uai, scope)
    rows = db.query_dicts(f"SELECT {HISTORY_COLUMNS} FROM imports{where} ORDER BY received_at DESC, import_id", params)
    return [_history_row(r) for r in rows]


def find(db: Database, key: str) -> str | None:
    """The import id for a full id or an unambiguous prefix of it."""
    if db.scalar("SELECT import_id FROM imports WHERE import_id = ?", (key,)):
        return key
    ids = (
        [r[0] for r in db.query(f"SELECT import_id FROM imports WHERE import_id {LIKE_PREFIX}", (starting_with(key),))]
        if key
        else []
    )
    return ids[0] if len(ids) == 1 else None


def by_key(db: Database, key: str, reader) -> dict | None:
    """``reader(db, import_id)`` for the import with this id or unambiguous
    id prefix; None when there is none."""
    found = find(db, key) if key else None
    return reader(db, found) if found else None


def uai_of(db: Database, import_id: str) -> str | None:
    """The establishment an import is for (an API caller's scope is checked on it)."""
    value = db.scalar("SELECT uai FROM imports WHERE import_id = ?", (import_id,))
    return str(value) if value is not None else None


def detail(db: Database, import_id: str) -> dict | None:
    """One import: its history row, report, rejection and every match."""
    rows = db.query_dicts(
        f"SELECT {HISTORY_COLUMNS}, sha256, message, summary, report, details, record_rejections, "
        "exported_at, not_imported, share, plan FROM imports WHERE import_id = ?",
        (import_id,),
    )
    if not rows:
        return None
    row = _history_row(rows[0])
    for name in ("summary", "report", "details", "record_rejections", "not_imported", "share"):
        row[name] = json.loads(row[name])
    plan = json.loads(row.pop("plan"))
    row["calendar"] = plan.get("calendar", {})
    row["ignored"] = {k: int(plan.get(k, 0)) for k in ("subject_only", "ignored_parts", "parts_only")}
    row["matches"] = db.query_dicts(
        "SELECT kind, ident, code, match_key AS key, match_by AS by, reason, line, candidates FROM import_matches "
        "WHERE import_id = ? ORDER BY seq",
        (import_id,),
    )
    for m in row["matches"]:
        m["candidates"] = json.loads(m["candidates"] or "[]")
    row["hand_matches"] = db.query_dicts(
        "SELECT kind, ident, match_key AS key, operator, at FROM import_hand_matches WHERE import_id = ? "
        "ORDER BY at, kind, ident",
        (import_id,),
    )
    return row


def people(db: Database, import_id: str) -> dict:
    """Names of the people an import did not match (``kind:ident`` → name,
    birth date): for the local operator's CLI only, never the API."""
    value = db.scalar("SELECT people FROM imports WHERE import_id = ?", (import_id,))
    return json.loads(value) if value else {}


def account_person(db: Database, jointure: str) -> dict | None:
    """The name and birth date of an account an operator may choose when
    matching by hand: for the local operator's CLI only, never the API."""
    rows = db.query("SELECT attrs FROM accounts WHERE jointure = ?", (jointure,))
    if not rows:
        return None
    attrs = json.loads(rows[0][0])
    name = " ".join(x for x in (first(attrs, "sn"), first(attrs, "givenName")) if x)
    return {"name": name, "born": first(attrs, "ENTPersonDateNaissance")}


def sessions(db: Database, import_id: str) -> dict | None:
    """The sessions of an import's timetable with their weeks and dates
    (week n is the value 2ⁿ of the export's masks, formats §4)."""
    value = db.scalar("SELECT snapshot FROM imports WHERE import_id = ?", (import_id,))
    if value is None:
        return None
    snap = snapshot_from_dict(json.loads(value)) or Snapshot()
    out = []
    for s in sorted(snap.sessions, key=lambda x: (x.day, x.start, x.subject, sorted(x.classes | x.groups))):
        out.append(
            {
                "day": s.day,
                "start": s.start,
                "places": s.places,
                "subject": s.subject,
                "classes": sorted(s.classes),
                "groups": sorted(s.groups),
                "teachers": sorted(s.teachers),
                "weeks": week_mask_weeks(s.weeks),
                "cancelled_weeks": week_mask_weeks(s.cancelled),
                "dates": [d.isoformat() for d in session_dates(snap.calendar, s)],
            }
        )
    return {"calendar": snap.calendar, "sessions": out}


def current_timetable(db: Database, uai: str, source: str, school_year: int | None = None) -> Snapshot | None:
    """The last applied snapshot of ``uai`` from ``source`` (of ``school_year`` when given)."""
    rows = db.query("SELECT school_year, snapshot FROM timetables WHERE uai = ? AND source = ?", (uai, source))
    if not rows or (school_year is not None and rows[0][0] != school_year):
        return None
    return snapshot_from_dict(json.loads(rows[0][1]))


def timetable_groups(db: Database, uai: str, source: str | None = None) -> list[dict]:
    """Groups of the applied timetable of ``uai`` with their classes, students
    and teachers (keys: account jointures when matched) — the input of group
    population option 2 (domain-rules §2). Without ``source``, the EDT
    timetable when there is one, else STS-web."""
    if source is None:
        sources = [r[0] for r in db.query("SELECT DISTINCT source FROM timetable_groups WHERE uai = ?", (uai,))]
        source = "edt" if "edt" in sources or not sources else sources[0]
    groups: dict[str, dict] = {}
    for code, kind, member in db.query(
        "SELECT code, kind, member FROM timetable_groups WHERE uai = ? AND source = ? ORDER BY code, kind, member",
        (uai, source),
    ):
        entry = groups.setdefault(code, {"code": code, "source": source, "classes": [], "students": [], "teachers": []})
        entry[{"class": "classes", "student": "students", "teacher": "teachers"}[kind]].append(member)
    return list(groups.values())
