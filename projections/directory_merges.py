"""The directory projection's folding of merges (events/merge.py, issue 14)
into ``account_merges``: one row per absorbed account while its merge
holds. Nothing else is written: each account's own rows stay as its
sources made them, and the read queries fold the absorbed account into the
survivor (projections/merge_queries.py), so that an unmerge, which deletes
the row, leaves each account as it would be without the merge.

The one row kept after an unmerge is an index, not a fold: ``meta`` under
``merged-into:<survivor id>:<absorbed id>``, written by the first merge of
the two, so that the survivor's history still finds the merge stream and
shows its facts once the merge is taken back (``past_absorbed``)."""

from __future__ import annotations

import json

from events.merge import AccountMerge
from projections.directory_batch import Batch
from projections.schema import iso

PAST = "merged-into:"


def accounts_merged(b: Batch, ev: AccountMerge.AccountsMerged) -> None:
    key = f"{PAST}{ev.survivor_id}:{ev.absorbed_id}"
    b.put("meta", key, {"key": key, "value": ev.absorbed_id})
    b.db.execute(f"DELETE FROM {b.p}account_merges WHERE absorbed_id = ?", (ev.absorbed_id,))
    b.db.execute(
        f"INSERT INTO {b.p}account_merges (absorbed_id, survivor_id, alias, decisions, author, reason, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            ev.absorbed_id,
            ev.survivor_id,
            ev.alias,
            json.dumps(ev.decisions, sort_keys=True),
            ev.author,
            ev.reason,
            iso(ev.at),
        ),
    )


def accounts_unmerged(b: Batch, ev: AccountMerge.AccountsUnmerged) -> None:
    b.db.execute(f"DELETE FROM {b.p}account_merges WHERE absorbed_id = ?", (ev.absorbed_id,))
