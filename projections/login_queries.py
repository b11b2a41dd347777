"""A login rename's queries on the directory read model
(events/usecases/admin_login.py declares them)."""

from __future__ import annotations

from events.login_rules import Reservation
from events.usecases.admin_login import AccountLogin
from projections.account_queries import find_account
from projections.db import Database


class LoginQueries:
    def __init__(self, db: Database):
        self.db = db

    def account(self, key: str) -> AccountLogin | None:
        row = find_account(self.db, key)
        if row is None:
            return None
        return AccountLogin(row["account_id"], row["jointure"], row["state"], row["login"] or "")

    def reservation(self, login: str) -> Reservation | None:
        rows = self.db.query(
            "SELECT l.account_id, COALESCE(a.state, ''), COALESCE(a.login, '') FROM logins l "
            "LEFT JOIN accounts a ON a.account_id = l.account_id WHERE l.login = ?",
            (login,),
        )
        for account_id, state, current in rows:
            return Reservation(account_id, state, current == login)
        return None
