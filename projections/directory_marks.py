"""The directory projection's folding of operators' duplicate marks
(issue 13): the account's row deactivated, due for deletion, and the mark
in ``duplicate_marks`` with its author and reason, kept once undone."""

from __future__ import annotations

from events.account import Account
from projections.directory_accounts import _row
from projections.directory_batch import Batch
from projections.schema import iso


def duplicate_marked(b: Batch, ev: Account.DuplicateMarked) -> None:
    row = _row(b, ev)
    row.update(
        state="deactivated",
        departed_at=iso(ev.at),
        removal_due=iso(ev.deletion_due),
        removal_provisional=0,
        state_reason=f"marked_duplicate_of:{ev.duplicate_of}",
    )
    aid = row["account_id"]
    b.put(
        "duplicate_marks",
        aid,
        {
            "account_id": aid,
            "duplicate_of": ev.duplicate_of,
            "author": ev.author,
            "reason": ev.reason,
            "at": iso(ev.at),
            "deletion_due": iso(ev.deletion_due),
            "status": "marked",
            "undone_by": "",
            "undo_reason": "",
            "undone_at": None,
        },
    )


def duplicate_unmarked(b: Batch, ev: Account.DuplicateUnmarked) -> None:
    row = _row(b, ev)
    row.update(state=ev.state, departed_at=None, removal_due=None, removal_provisional=0, state_reason="")
    mark = b.load("duplicate_marks", row["account_id"])
    if mark is None:
        raise LookupError(f"event {ev.topic} for an account without a duplicate mark {ev.originator_id}")
    mark.update(status="undone", undone_by=ev.author, undo_reason=ev.reason, undone_at=iso(ev.at))
