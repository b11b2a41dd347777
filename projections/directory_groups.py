"""The directory projection's folding of the admin actions on groups
(events/manual_groups.py) into manual_groups and manual_memberships. These
tables are their own: no import's folding touches them, so what
administrators assigned by hand survives every delivery. Written at once in
the batch's transaction: admin actions are few."""

from __future__ import annotations

from typing import Any

from events.manual_groups import FREE
from projections.directory_batch import Batch
from projections.schema import iso


def group_created(b: Batch, ev: Any) -> None:
    b.db.execute(
        f"INSERT INTO {b.p}manual_groups (uai, code, name, author, at) VALUES (?, ?, ?, ?, ?)",
        (_uai(b, ev), ev.code, ev.name, ev.author, iso(ev.at)),
    )


def group_renamed(b: Batch, ev: Any) -> None:
    b.db.execute(f"UPDATE {b.p}manual_groups SET name = ? WHERE uai = ? AND code = ?", (ev.name, _uai(b, ev), ev.code))


def group_deleted(b: Batch, ev: Any) -> None:
    uai = _uai(b, ev)
    b.db.execute(f"DELETE FROM {b.p}manual_groups WHERE uai = ? AND code = ?", (uai, ev.code))
    b.db.execute(f"DELETE FROM {b.p}manual_memberships WHERE uai = ? AND kind = ? AND code = ?", (uai, FREE, ev.code))


def members_added(b: Batch, ev: Any) -> None:
    uai = _uai(b, ev)
    b.db.executemany(
        f"INSERT INTO {b.p}manual_memberships (uai, kind, code, account_id, author, at) VALUES (?, ?, ?, ?, ?, ?)",
        [(uai, ev.kind, ev.code, aid, ev.author, iso(ev.at)) for aid in ev.members],
    )


def members_removed(b: Batch, ev: Any) -> None:
    uai = _uai(b, ev)
    b.db.executemany(
        f"DELETE FROM {b.p}manual_memberships WHERE uai = ? AND kind = ? AND code = ? AND account_id = ?",
        [(uai, ev.kind, ev.code, aid) for aid in ev.members],
    )


def opened(b: Batch, ev: Any) -> None:
    b.put("meta", f"manual-groups:{ev.originator_id}", {"key": f"manual-groups:{ev.originator_id}", "value": ev.uai})


def _uai(b: Batch, ev: Any) -> str:
    row = b.load("meta", f"manual-groups:{ev.originator_id}")
    assert row is not None, "a ManualGroups stream starts with Opened"
    return str(row["value"])
