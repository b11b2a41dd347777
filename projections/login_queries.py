"""A login rename's queries on the directory read model
(events/usecases/admin_login.py declares them)."""

from __future__ import annotations

from collections.abc import Sequence

from events.login_rules import Reservation
from events.usecases.admin_login import AccountLogin
from projections.account_queries import find_account
from projections.clauses import placeholders
from projections.db import Database


class LoginQueries:
    def __init__(self, db: Database):
        self.db = db

    def account(self, key: str) -> AccountLogin | None:
        row = find_account(self.db, key)
        if row is None:
            return None
        return AccountLogin(row["account_id"], row["jointure"], row["state"], row["login"] or "")

    def reservation(self, login: str, keys: Sequence[str]) -> Reservation | None:
        rows = self.db.query(
            "SELECT l.account_id, COALESCE(a.state, ''), COALESCE(a.login, '') FROM logins l "
            f"LEFT JOIN accounts a ON a.account_id = l.account_id WHERE l.login = ? OR l.login_key IN ({placeholders(keys)})",
            (login, *keys),
        )
        for account_id, state, current in rows:
            return Reservation(account_id, state, current == login)
        return None
