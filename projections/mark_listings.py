"""Operators' duplicate marks as `entsync account` and `entsync anomalies`
show them (issue 13), each with the source that still delivers the account:
the mark holds against it. The marks are in ``meta`` (projections/
directory_marks.py)."""

from __future__ import annotations

import json

from projections.db import Database
from projections.directory_marks import KEY

# A range rather than LIKE: '_' in the key would be a LIKE wildcard.
ALL_MARKS = "SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key"
ACCOUNT = (
    "SELECT a.jointure, a.profile, a.state, COALESCE(r.present, 0) FROM accounts a "
    "LEFT JOIN records r ON r.key = a.category || ':' || a.jointure WHERE a.account_id = ?"
)


def _shown(db: Database, account_id: str, value: str) -> dict | None:
    found = db.query(ACCOUNT, (account_id,))
    if not found:
        return None
    jointure, profile, state, delivered = found[0]
    # The AAF is the only source whose records the directory keeps (records).
    mark = {"account_id": account_id, "jointure": jointure, "profile": profile, "state": state}
    return {**mark, **json.loads(value), "still_delivered_by": ["aaf"] if delivered else []}


def duplicate_mark(db: Database, account_id: str) -> dict | None:
    """The account's duplicate mark (also once undone), or None."""
    value = db.scalar("SELECT value FROM meta WHERE key = ?", (KEY + account_id,))
    return None if value is None else _shown(db, account_id, value)


def marks(db: Database) -> list[dict]:
    """The marks in force (the account not deleted yet), by jointure."""
    out = []
    for key, value in db.query(ALL_MARKS, (KEY, KEY[:-1] + chr(ord(KEY[-1]) + 1))):
        mark = _shown(db, key[len(KEY) :], value)
        if mark is not None and mark["status"] == "marked" and mark["state"] != "removed":
            out.append(mark)
    return sorted(out, key=lambda m: m["jointure"])
