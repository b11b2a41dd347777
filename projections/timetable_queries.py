"""The timetable imports' queries on the imports and directory read models
(events/usecases/timetable_work.py declares them)."""

from __future__ import annotations

import json

from events.derive import first
from events.rules import normalised_identity
from events.timetable.decision import EarlierCopy
from events.timetable.matching import DirectoryView, Match, Person, Remembered
from events.timetable.snapshot import Snapshot
from events.usecases.timetable_work import AccountState, AwaitingImport
from projections import import_queries
from projections.clauses import chunks, placeholders
from projections.db import Database

# Earlier imports a new file is a copy of: those whose content went past the
# checks before the duplicate one (a file rejected for an unknown UAI may
# come back once the establishment is known).
COMPARED = "(status <> 'rejected' OR reason IN ('duplicate_file', 'threshold_exceeded'))"
LIVE = "a.state NOT IN ('removed', 'withdrawn')"


class TimetableQueries:
    def __init__(self, db: Database):
        self.db = db

    def find(self, key: str) -> str | None:
        return import_queries.find(self.db, key)

    def applied_count(self, uai: str, source: str, school_year: int) -> int:
        return int(
            self.db.scalar(
                "SELECT COUNT(*) FROM imports WHERE uai = ? AND source = ? AND school_year = ? AND status = 'applied'",
                (uai, source, school_year),
            )
            or 0
        )

    def awaiting(self, uai: str, source: str) -> AwaitingImport | None:
        rows = self.db.query(
            "SELECT import_id, exported_at, received_at FROM imports WHERE uai = ? AND source = ? "
            "AND status = 'awaiting_validation' ORDER BY received_at DESC",
            (uai, source),
        )
        if not rows:
            return None
        import_id, exported_at, received_at = rows[0]
        return AwaitingImport(import_id, exported_at or received_at)  # imports of earlier releases: no export date

    def earlier_copies(self, uai: str, sha256: str) -> list[EarlierCopy]:
        return [
            EarlierCopy(*row)
            for row in self.db.query(
                f"SELECT import_id, file, received_at, status FROM imports WHERE uai = ? AND sha256 = ? "
                f"AND {COMPARED} ORDER BY received_at",
                (uai, sha256),
            )
        ]

    def remembered(self, uai: str, source: str, school_year: int) -> list[Remembered]:
        return [
            Remembered(*r)
            for r in self.db.query(
                "SELECT kind, ident, name, match_key FROM remembered_matches WHERE uai = ? AND source = ? "
                "AND school_year = ? ORDER BY kind, ident",
                (uai, source, school_year),
            )
        ]

    def hand_matches(self, import_id: str) -> list[Remembered]:
        return [
            Remembered(*r)
            for r in self.db.query(
                "SELECT kind, ident, name, match_key FROM import_hand_matches WHERE import_id = ? ORDER BY kind, ident",
                (import_id,),
            )
        ]

    def current_timetable(self, uai: str, source: str, school_year: int | None = None) -> Snapshot | None:
        return import_queries.current_timetable(self.db, uai, source, school_year)

    def applied_imports(self, uai: str, source: str) -> list[str]:
        rows = self.db.query(
            "SELECT import_id FROM imports WHERE uai = ? AND source = ? AND status = 'applied' "
            "ORDER BY finished_at, received_at, import_id",
            (uai, source),
        )
        return [r[0] for r in rows]

    def current_matches(self, uai: str, source: str) -> tuple[Match, ...]:
        iid = self.db.scalar("SELECT import_id FROM timetables WHERE uai = ? AND source = ?", (uai, source))
        if not iid:
            return ()
        rows = self.db.query_dicts(
            "SELECT kind, ident, code, match_key AS key, match_by AS by, reason, line, name "
            "FROM import_matches WHERE import_id = ? ORDER BY seq",
            (iid,),
        )
        return tuple(Match.from_dict(r) for r in rows)

    def directory_view(self, uai: str, identities: set[str]) -> DirectoryView:
        db = self.db
        structures = db.query("SELECT jointure, classes, groups FROM structures WHERE uai = ?", (uai,))
        if not uai or not structures:
            return DirectoryView(uai, False)
        sjs = [s for s, _, _ in structures]
        classes = {c for _, cs, _ in structures for c in json.loads(cs)}
        groups = {g for _, _, gs in structures for g in json.loads(gs)}
        for kind, code in db.query(
            f"SELECT DISTINCT kind, code FROM memberships WHERE structure IN ({placeholders(sjs)})", sjs
        ):
            (classes if kind == "class" else groups).add(code)
        people: dict[str, Person] = {}
        for row in db.query(
            f"SELECT DISTINCT a.jointure, a.profile, a.identity, a.attrs FROM accounts a JOIN "
            f"account_structures s ON s.account_id = a.account_id WHERE s.structure IN ({placeholders(sjs)}) "
            f"AND {LIVE}",
            sjs,
        ):
            people[row[0]] = _person(row, True)
        for part in chunks(sorted(identities)):
            for row in db.query(
                f"SELECT a.jointure, a.profile, a.identity, a.attrs FROM accounts a WHERE a.identity IN "
                f"({placeholders(part)}) AND {LIVE}",
                part,
            ):
                people.setdefault(row[0], _person(row, False))
        return DirectoryView(uai, True, frozenset(classes), frozenset(groups), tuple(people.values()))

    def account(self, jointure: str) -> AccountState | None:
        rows = self.db.query("SELECT profile, state FROM accounts WHERE jointure = ?", (jointure,))
        return AccountState(*rows[0]) if rows else None


def _person(row: tuple, local: bool) -> Person:
    jointure, profile, identity, attrs_json = row
    attrs = json.loads(attrs_json)
    return Person(
        jointure,
        profile,
        identity or "",
        first(attrs, "ENTPersonSTSId"),
        first(attrs, "ENTEleveINE"),
        first(attrs, "ENTEleveStructRattachId"),
        local,
        normalised_identity(first(attrs, "sn"), first(attrs, "givenName")),
    )
