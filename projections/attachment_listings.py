"""Admins' attachments as the account listings and `entsync account` show
them (issue 13). The attachments are in ``meta`` (projections/
directory_attachments.py); only those in force (not ended) are listed."""

from __future__ import annotations

import json

from projections.db import Database
from projections.directory_attachments import KEY

# A range rather than LIKE: '_' in the key would be a LIKE wildcard.
RANGE = "SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key"


def in_force(db: Database, prefix: str = KEY) -> list[tuple[str, dict]]:
    """(account id, attachment) of the attachments in force whose key starts with ``prefix``."""
    out = []
    for key, value in db.query(RANGE, (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))):
        attachment = json.loads(value)
        if attachment["status"] == "attached":
            out.append((key[len(KEY) :].rsplit(":", 1)[0], attachment))
    return out


def attachments_of(db: Database, account_id: str) -> list[dict]:
    """The account's attachments in force: UAI, end date, who attached it, when and why."""
    return [
        {k: a[k] for k in ("uai", "until", "author", "reason", "at")} for _, a in in_force(db, f"{KEY}{account_id}:")
    ]


def attached_to(db: Database, uais: frozenset[str] | set[str] | None) -> dict[str, list[dict]]:
    """Account id → its attachments in force (to one of ``uais``; None: to any)."""
    out: dict[str, list[dict]] = {}
    for aid, a in in_force(db):
        if uais is None or a["uai"] in uais:
            out.setdefault(aid, []).append({k: a[k] for k in ("uai", "until", "author")})
    return out


def attached_ids(db: Database, uais: frozenset[str] | set[str] | list[str]) -> list[str]:
    """The accounts attached by an admin to one of ``uais``."""
    return sorted(attached_to(db, set(uais)))
