"""Admins' attachments on the directory read model (issue 13): the queries
events/usecases/admin_attachments.py and the clock declare (what the
listings show: projections/attachment_listings.py)."""

from __future__ import annotations

from datetime import datetime

from events.policy import Policy
from events.usecases.admin_attachments import AttachedAccount, DueAttachment, Establishment
from projections.account_queries import find_account
from projections.attachment_listings import in_force
from projections.db import Database
from projections.served import served


def own_uais(db: Database, account_id: str) -> frozenset[str]:
    """The UAIs of the account's structures (the AAF's, or a manual account's own)."""
    return frozenset(
        uai
        for (uai,) in db.query(
            "SELECT t.uai FROM account_structures s JOIN structures t ON t.jointure = s.structure "
            "WHERE s.account_id = ?",
            (account_id,),
        )
        if uai
    )


class AttachmentQueries:
    def __init__(self, db: Database):
        self.db = db

    def account(self, key: str) -> AttachedAccount | None:
        row = find_account(self.db, key)
        if row is None:
            return None
        aid = row["account_id"]
        return AttachedAccount(aid, row["jointure"], row["state"], own_uais(self.db, aid))

    def establishment(self, uai: str, policy: Policy) -> Establishment | None:
        rows = self.db.query("SELECT uai, type FROM structures WHERE uai = ? AND present = 1 ORDER BY jointure", (uai,))
        if not rows:
            return None
        return Establishment(uai, any(served(u, t or "", policy) for u, t in rows))

    def due(self, at: datetime) -> list[DueAttachment]:
        out = []
        for aid, a in in_force(self.db):
            until = datetime.fromisoformat(a["until"])
            if until <= at:
                found = self.db.query("SELECT jointure FROM accounts WHERE account_id = ?", (aid,))
                if found:
                    out.append(DueAttachment(aid, found[0][0], a["uai"], until))
        return sorted(out, key=lambda d: (d.until, d.jointure, d.uai))
