"""The precedence's queries on the directory and SIECLE read models
(events/usecases/precedence.py declares them)."""

from __future__ import annotations

from datetime import datetime

from events.usecases.precedence import Declaration, Enrolment, Sighting
from projections.db import Database


class PrecedenceQueries:
    def __init__(self, db: Database):
        self.db = db

    def any_linked(self) -> bool:
        return bool(
            self.db.scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM siecle_account_links WHERE status = 'linked' LIMIT 1) x"
            )
        )

    def pending_sightings(self) -> list[Sighting]:
        return [
            Sighting(aid, jointure, datetime.fromisoformat(first_seen), source_id, _dt(seen))
            for aid, jointure, first_seen, source_id, seen in self.db.query(
                "SELECT a.account_id, a.jointure, a.first_seen, l.aggregate_id, COALESCE(s.first_seen, g.first_seen) "
                "FROM accounts a JOIN siecle_account_links l ON l.account_id = a.account_id AND l.status = 'linked' "
                "LEFT JOIN siecle_students s ON s.student_id = l.aggregate_id "
                "LEFT JOIN siecle_guardians g ON g.guardian_id = l.aggregate_id "
                "WHERE a.state = 'pending' ORDER BY a.jointure, l.aggregate_id"
            )
        ]

    def student_enrolments(self) -> list[Enrolment]:
        return [
            Enrolment(aid, jointure, state, sid, left_on or "", bool(int(enrolled)))
            for aid, jointure, state, sid, left_on, enrolled in self.db.query(
                "SELECT a.account_id, a.jointure, a.state, s.student_id, s.left_on, s.enrolled FROM accounts a "
                "JOIN siecle_account_links l ON l.account_id = a.account_id AND l.status = 'linked' "
                "AND l.kind = 'student' JOIN siecle_students s ON s.student_id = l.aggregate_id "
                "WHERE a.state IN ('pending', 'active', 'departing', 'withdrawn') ORDER BY a.jointure, s.student_id"
            )
        ]

    def declarations(self) -> list[Declaration]:
        return [
            Declaration(aid, left_on, status)
            for aid, left_on, status in self.db.query("SELECT account_id, left_on, status FROM departure_declarations")
        ]


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
