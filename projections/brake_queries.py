"""The brake's queries on the directory and SIECLE read models
(events/usecases/brake_check.py declares them)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from events.derive import first
from events.usecases.brake_check import DepartingAccount
from projections.clauses import chunks, placeholders
from projections.db import Database


class BrakeQueries:
    def __init__(self, db: Database):
        self.db = db

    def accounts(self, jointures: Sequence[str]) -> dict[str, DepartingAccount]:
        out = {}
        for chunk in chunks(list(jointures)):
            for jointure, aid, profile, state, attrs_json in self.db.query(
                f"SELECT jointure, account_id, profile, state, attrs FROM accounts WHERE jointure IN ({placeholders(chunk)})",
                chunk,
            ):
                attrs = json.loads(attrs_json)
                out[jointure] = DepartingAccount(
                    aid, profile, state, first(attrs, "ENTEleveMEF"), first(attrs, "ENTEleveLibelleMEF")
                )
        return out

    def structures_of(self, account_ids: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for chunk in chunks(list(account_ids)):
            for aid, structure in self.db.query(
                f"SELECT account_id, structure FROM account_structures WHERE account_id IN ({placeholders(chunk)})",
                chunk,
            ):
                out.setdefault(aid, set()).add(structure)
        return out

    def with_siecle_leaving_date(self, account_ids: Sequence[str]) -> set[str]:
        out = set()
        for chunk in chunks(list(account_ids)):
            for (aid,) in self.db.query(
                "SELECT DISTINCT l.account_id FROM siecle_account_links l JOIN siecle_students s "
                "ON s.student_id = l.aggregate_id WHERE l.status = 'linked' AND l.kind = 'student' "
                f"AND COALESCE(s.left_on, '') <> '' AND l.account_id IN ({placeholders(chunk)})",
                chunk,
            ):
                out.add(aid)
        return out

    def children(self, guardian_jointures: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for chunk in chunks(list(guardian_jointures)):
            for guardian, sid, state in self.db.query(
                "SELECT l.guardian_jointure, l.student_id, a.state FROM guardian_links l JOIN accounts a "
                f"ON a.account_id = l.student_id WHERE l.guardian_jointure IN ({placeholders(chunk)})",
                chunk,
            ):
                out.setdefault(guardian, []).append((sid, state))
        return out

    def population_sizes(self, structures: Iterable[str]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for chunk in chunks(sorted(structures)):
            for structure, profile, n in self.db.query(
                "SELECT s.structure, a.profile, COUNT(*) FROM account_structures s JOIN accounts a "
                "ON a.account_id = s.account_id WHERE a.state IN ('pending', 'active') "
                f"AND s.structure IN ({placeholders(chunk)}) GROUP BY s.structure, a.profile",
                chunk,
            ):
                out[(structure, profile)] = out.get((structure, profile), 0) + int(n)
        return out

    def applied_deliveries(self) -> Iterator[tuple[str, datetime]]:
        for prefix, received in self.db.query(
            "SELECT prefix, received_at FROM deliveries WHERE status = 'applied' ORDER BY received_at DESC"
        ):
            yield prefix, datetime.fromisoformat(received)

    def structure_uais(self) -> dict[str, str]:
        return dict(self.db.query("SELECT jointure, uai FROM structures"))
