"""Operators' duplicate marks as `entsync account` and `entsync anomalies`
show them (issue 13), each with the source that still delivers the account:
the mark holds against it."""

from __future__ import annotations

from projections.db import Database

MARK_COLUMNS = (
    "m.account_id, a.jointure, a.profile, a.state, m.duplicate_of, m.author, m.reason, m.at, m.deletion_due, "
    "m.status, m.undone_by, m.undo_reason, m.undone_at, COALESCE(r.present, 0) AS delivered"
)
MARKS = (
    f"SELECT {MARK_COLUMNS} FROM duplicate_marks m JOIN accounts a ON a.account_id = m.account_id "
    "LEFT JOIN records r ON r.key = a.category || ':' || a.jointure"
)


def _shown(row: dict) -> dict:
    # The AAF is the only source whose records the directory keeps (records).
    delivered = row.pop("delivered")
    row["still_delivered_by"] = ["aaf"] if delivered else []
    return row


def duplicate_mark(db: Database, account_id: str) -> dict | None:
    """The account's duplicate mark (also once undone), or None."""
    rows = db.query_dicts(f"{MARKS} WHERE m.account_id = ?", (account_id,))
    return _shown(rows[0]) if rows else None


def marks(db: Database) -> list[dict]:
    """The marks in force (the account not deleted yet), by jointure."""
    rows = db.query_dicts(f"{MARKS} WHERE m.status = 'marked' AND a.state <> 'removed' ORDER BY a.jointure")
    return [_shown(r) for r in rows]
