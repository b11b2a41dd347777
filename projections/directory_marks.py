"""The directory projection's folding of operators' duplicate marks
(issue 13): the account's row deactivated and due for deletion, and the
mark with its author and reason (kept once undone) in ``meta`` under
``duplicate_mark:<account id>``, as JSON like the purge hold: a row of a
table `entsync verify` already compares, so that the rebuild checks it."""

from __future__ import annotations

import json

from events.account import Account
from projections.directory_accounts import _row
from projections.directory_batch import Batch
from projections.schema import iso

KEY = "duplicate_mark:"


def duplicate_marked(b: Batch, ev: Account.DuplicateMarked) -> None:
    row = _row(b, ev)
    row.update(
        state="deactivated",
        departed_at=iso(ev.at),
        removal_due=iso(ev.deletion_due),
        removal_provisional=0,
        state_reason=f"marked_duplicate_of:{ev.duplicate_of}",
    )
    mark = {
        "duplicate_of": ev.duplicate_of,
        "author": ev.author,
        "reason": ev.reason,
        "at": iso(ev.at),
        "deletion_due": iso(ev.deletion_due),
        "status": "marked",
        "undone_by": "",
        "undo_reason": "",
        "undone_at": None,
    }
    _put(b, row["account_id"], mark)


def duplicate_unmarked(b: Batch, ev: Account.DuplicateUnmarked) -> None:
    row = _row(b, ev)
    row.update(
        state=ev.state, departed_at=None, removal_due=iso(ev.removal_due), removal_provisional=0, state_reason=""
    )
    stored = b.load("meta", KEY + row["account_id"])
    if stored is None:
        raise LookupError(f"event {ev.topic} for an account without a duplicate mark {ev.originator_id}")
    mark = json.loads(stored["value"])
    mark.update(status="undone", undone_by=ev.author, undo_reason=ev.reason, undone_at=iso(ev.at))
    _put(b, row["account_id"], mark)


def _put(b: Batch, account_id: str, mark: dict) -> None:
    key = KEY + account_id
    b.put("meta", key, {"key": key, "value": json.dumps(mark, ensure_ascii=False, sort_keys=True)})
