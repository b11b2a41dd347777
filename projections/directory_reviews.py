"""The directory projection's folding of operators' decisions on anomalies
(events/anomaly.py) and of what they do to accounts (issue 15): suspension
and resumption, a confirmed overwrite that ends an account, and the next
generation of its jointure (events/generations.py).

``anomaly_reviews`` holds one row per anomaly under review, with its
decision. The open suspected overwrites themselves are the ``overwrites``
rows (their ids computed from the stream and version, events/anomaly.py).

An ended generation keeps its row, found by its account id and its login;
its ``jointure`` becomes ``JOINTURE#n`` (n its generation), so that every
read by jointure finds the current generation only, and its departure does
not mark the record absent: the record is the successor's."""

from __future__ import annotations

import json
from typing import Any

from events.account import Account, account_id
from events.anomaly import AnomalyReview, short
from projections import directory_accounts as accounts
from projections.directory_batch import Batch
from projections.schema import iso


def successor_opened(b: Batch, ev: Account.SuccessorOpened) -> None:
    accounts.appeared(b, ev)
    b.rows["accounts"][str(ev.originator_id)]["state_reason"] = f"successor_of:{ev.predecessor_id}"


def overwrite_confirmed(b: Batch, ev: Account.OverwriteConfirmed) -> None:
    row = _row(b, ev)
    aid, jointure = row["account_id"], row["jointure"]
    generation = next(n for n in range(1, 1000) if str(account_id(jointure, n)) == aid)
    row.update(jointure=f"{jointure}#{generation}", state_reason="overwrite_confirmed")
    if row["category"] == "PersRelEleve":  # its structures, its children's, found under its new key
        b.guardians.add(row["jointure"])


def suspended(b: Batch, ev: Account.Suspended) -> None:
    _row(b, ev).update(state="suspended", state_reason=f"suspected_overwrite:{short(ev.anomaly_id)}")


def resumed(b: Batch, ev: Account.Resumed) -> None:
    _row(b, ev).update(state=ev.state, state_reason="")


def _row(b: Batch, ev: Any) -> dict:
    row = b.load("accounts", str(ev.originator_id))
    if row is None:
        raise LookupError(f"event {ev.topic} for unknown account {ev.originator_id}")
    return row


def review_opened(b: Batch, ev: AnomalyReview.Opened) -> None:
    b.db.execute(
        f"INSERT INTO {b.p}anomaly_reviews (anomaly_id, kind, subject, status, author, reason, opened_at, decided_at) "
        "VALUES (?, ?, ?, 'open', '', '', ?, NULL)",
        (str(ev.originator_id), ev.kind, json.dumps(ev.subject), iso(ev.at)),
    )


def review_decided(b: Batch, ev: AnomalyReview.Confirmed | AnomalyReview.Dismissed) -> None:
    status = "confirmed" if ev.topic == AnomalyReview.Confirmed.TOPIC else "dismissed"
    b.db.execute(
        f"UPDATE {b.p}anomaly_reviews SET status = ?, author = ?, reason = ?, decided_at = ? WHERE anomaly_id = ?",
        (status, ev.author, ev.reason, iso(ev.at), str(ev.originator_id)),
    )
