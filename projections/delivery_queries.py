"""The read side of AAF deliveries: their history, and one delivery with
its rejections, the fields it set aside and, when a brake holds it, what
it would have done."""

from __future__ import annotations

import json

from projections.clauses import LIKE_PREFIX, starting_with
from projections.db import Database


def deliveries(db: Database) -> list[dict]:
    rows = db.query_dicts(
        "SELECT delivery_id, kind, date, prefix, status, received_at, finished_at, reason, "
        "rejected_records, counts, source FROM deliveries ORDER BY received_at, delivery_id"
    )
    for r in rows:
        r["counts"] = json.loads(r["counts"])
    return rows


def delivery(db: Database, delivery_id: str) -> dict | None:
    rows = db.query_dicts(
        "SELECT * FROM deliveries WHERE delivery_id = ? OR fingerprint = ?", (delivery_id, delivery_id)
    )
    if not rows:
        rows = db.query_dicts(
            f"SELECT * FROM deliveries WHERE delivery_id {LIKE_PREFIX}", (starting_with(delivery_id),)
        )
        if len(rows) != 1:
            return None
    row = rows[0]
    row["counts"] = json.loads(row["counts"])
    row["details"] = json.loads(row["details"])
    row["rejections"] = db.query_dicts(
        "SELECT reason, file, line, record_id, field, message FROM rejections WHERE delivery_id = ? ORDER BY seq",
        (row["delivery_id"],),
    )
    row["set_aside"] = db.query_dicts(
        "SELECT reason, file, line, record_id, field, message FROM delivery_set_asides WHERE delivery_id = ? "
        "ORDER BY file, line, record_id, field",
        (row["delivery_id"],),
    )
    _brake_listing(db, row)
    return row


def _brake_listing(db: Database, row: dict) -> None:
    """A delivery held by a brake (domain-rules §12): the counts per structure
    and population (``brake``) and who would depart and why (``departures``,
    with their login), as recorded when it was held; and the deltas that
    wait behind it (``waiting``)."""
    details = row["details"]
    departures = details.pop("departures", None) if isinstance(details, dict) else None
    if departures is not None:
        logins: dict[str, str] = {}
        names = [d["jointure"] for d in departures]
        for i in range(0, len(names), 500):
            chunk = names[i : i + 500]
            logins.update(
                db.query(
                    f"SELECT jointure, login FROM accounts WHERE jointure IN ({','.join('?' * len(chunk))})", chunk
                )
            )
        row["brake"] = details.pop("counts", [])
        row["departures"] = [
            {**d, "login": logins.get(d["jointure"], ""), "counted": not d["expected"]} for d in departures
        ]
    row["waiting"] = [
        r["delivery_id"]
        for r in db.query_dicts(
            "SELECT delivery_id, details FROM deliveries WHERE status = 'waiting' ORDER BY received_at, delivery_id"
        )
        if json.loads(r["details"]).get("behind") == row["delivery_id"]
    ]
