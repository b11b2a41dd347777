"""The group actions' queries on the directory read model
(events/usecases/admin_groups.py declares them)."""

from __future__ import annotations

import json
from uuid import UUID

from events.group_rules import Member
from events.usecases.admin_groups import StructureGroups
from projections.account_queries import find_account
from projections.db import Database
from projections.structure_queries import group_source


class GroupQueries:
    def __init__(self, db: Database):
        self.db = db

    def structure(self, uai: str) -> StructureGroups | None:
        rows = self.db.query("SELECT jointure, classes, groups FROM structures WHERE uai = ?", (uai,))
        if not rows:
            return None
        sj, classes, groups = rows[0]
        held = {"class": set(json.loads(classes)), "group": set(json.loads(groups))}
        # Codes its members' records carry count too, as `entsync classes` lists them.
        for kind, code in self.db.query("SELECT DISTINCT kind, code FROM memberships WHERE structure = ?", (sj,)):
            held.setdefault(kind, set()).add(code)
        return StructureGroups(sj, uai, frozenset(held["class"]), frozenset(held["group"]), group_source(self.db, uai))

    def member(self, key: str) -> Member | None:
        row = find_account(self.db, key)
        if row is None:
            return None
        structures = {
            s
            for (s,) in self.db.query(
                "SELECT structure FROM account_structures WHERE account_id = ?", (row["account_id"],)
            )
        }
        return Member(key, row["account_id"], row["state"], frozenset(structures))


def manual_group_streams(db: Database) -> list[UUID]:
    """The ManualGroups streams of the establishments (one per UAI that had an
    admin action on its groups), as the directory projection noted them."""
    prefix = "manual-groups:"
    rows = db.query("SELECT key FROM meta WHERE key LIKE ? ORDER BY key", (prefix + "%",))
    return [UUID(key[len(prefix) :]) for (key,) in rows]
