"""The upgrade's queries on the directory read model (events/usecases/upgrade.py
declares them), and the read model rebuilt aside by this release's rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.policy import Policy
from events.usecases.upgrade import ActiveAccount, ChangedRejection, Classification
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.schema import drop
from projections.served import unserved_staff

PREFIX = "upgrade_"  # the tables of the read model rebuilt aside


class UpgradeQueries:
    def __init__(self, db: Database):
        self.db = db

    def classifications(self) -> list[Classification]:
        return self._classifications("")

    def reclassified(self, log: Any) -> list[Classification]:
        drop(self.db, PREFIX)
        try:
            DirectoryProjection(self.db, PREFIX).catch_up(log)
            return self._classifications(PREFIX)
        finally:
            drop(self.db, PREFIX)

    def _classifications(self, prefix: str) -> list[Classification]:
        return [
            Classification(*row)
            for row in self.db.query(
                f"SELECT account_id, jointure, profile, function FROM {prefix}accounts ORDER BY jointure"
            )
        ]

    def rejections(self, reasons: Sequence[str]) -> list[ChangedRejection]:
        return [
            ChangedRejection(did, source, received or "", reason, int(n))
            for did, source, received, reason, n in self.db.query(
                "SELECT d.delivery_id, d.source, d.received_at, r.reason, COUNT(*) FROM rejections r JOIN deliveries d "
                f"ON d.delivery_id = r.delivery_id WHERE d.status = 'applied' AND r.reason IN ({','.join('?' * len(reasons))}) "
                "GROUP BY d.delivery_id, d.source, d.received_at, r.reason ORDER BY d.delivery_id, r.reason",
                list(reasons),
            )
        ]

    def active_accounts(self) -> list[ActiveAccount]:
        return [
            ActiveAccount(*row)
            for row in self.db.query(
                "SELECT account_id, jointure, state FROM accounts WHERE state = 'active' ORDER BY jointure"
            )
        ]

    def unserved_staff(self, policy: Policy) -> dict[str, list[str]]:
        return unserved_staff(self.db, policy)
