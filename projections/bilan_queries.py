"""What the support console adds to the listings of imports and deliveries
(issue 16): a SIECLE import's rejected records, and the account ids of the
people a held delivery or export would make depart (the console links to
account pages by account id, the listings name them by jointure)."""

from __future__ import annotations

from collections.abc import Sequence

from projections.clauses import chunks, placeholders
from projections.db import Database


def siecle_rejections(db: Database, import_id: str) -> list[dict]:
    """The records a SIECLE import rejected: where and why, never a value."""
    return db.query_dicts(
        "SELECT reason, file, line, record_id, field, message FROM siecle_rejections WHERE import_id = ? ORDER BY seq",
        (import_id,),
    )


def account_ids(db: Database, jointures: Sequence[str]) -> dict[str, str]:
    """Jointure → account id of the accounts the directory knows."""
    out: dict[str, str] = {}
    for chunk in chunks(list(jointures)):
        out.update(
            db.query(f"SELECT jointure, account_id FROM accounts WHERE jointure IN ({placeholders(chunk)})", chunk)
        )
    return out
