"""The read-model queries of an operator's duplicate mark
(events/usecases/admin_duplicates.py declares them)."""

from __future__ import annotations

from events.usecases.admin_duplicates import MarkedAccount
from projections.account_queries import find_account
from projections.db import Database


class DuplicateQueries:
    def __init__(self, db: Database):
        self.db = db

    def account(self, key: str) -> MarkedAccount | None:
        row = find_account(self.db, key)
        return None if row is None else MarkedAccount(row["account_id"], row["jointure"], row["state"])
