"""The erasure's queries on the directory and SIECLE read models
(events/usecases/erasure.py declares them): which account generations are
gone and since when, and which streams are a gone person's own."""

from __future__ import annotations

import json
from datetime import datetime

from events.erasure_rules import Gone, Received
from events.usecases.erasure import Erased, PersonStreams
from projections.db import Database
from projections.directory_merges import PAST
from projections.schema import iso

# When each kind of gone generation went. The read model keeps no date for a
# record that left its source after being declined (Account.LeftSource changes
# no column): the last delivery that still carried it stands for it, at most
# one delivery early.
# Not yet erased: the read model's erasures (an erasure recorded but not yet
# caught up is found again, and told apart by the log: events/usecases/erasure.py).
NOT_ERASED = "NOT EXISTS (SELECT 1 FROM erasures e WHERE e.account_id = a.account_id)"
GONE = f"""
SELECT a.account_id, a.jointure, a.profile, a.state, a.removed_at AS gone_at FROM accounts a
 WHERE a.state = 'removed' AND a.removed_at IS NOT NULL AND a.removed_at <= ? AND {NOT_ERASED}
UNION ALL
SELECT a.account_id, a.jointure, a.profile, a.state, a.departed_at FROM accounts a
 WHERE a.state = 'withdrawn' AND a.departed_at IS NOT NULL AND a.departed_at <= ? AND {NOT_ERASED}
UNION ALL
SELECT a.account_id, a.jointure, a.profile, a.state, a.departed_at FROM accounts a
  JOIN records r ON r.key = a.category || ':' || a.jointure AND r.aggregate_id = a.account_id AND r.present = 0
 WHERE a.state = 'no_account' AND a.departed_at IS NOT NULL AND a.departed_at <= ? AND {NOT_ERASED}
"""
# The deliveries and imports received, whose details are not erased as far as
# the read model knows (its details_erasures, every kind's, kept by the directory).
DETAILS = {
    "aaf": ("deliveries", "delivery_id"),
    "siecle": ("siecle_imports", "import_id"),
    "timetable": ("imports", "import_id"),
}
# A generation another account still stands for: the person is not gone.
LIVE = "state NOT IN ('removed', 'withdrawn', 'no_account')"


class ErasureQueries:
    def __init__(self, db: Database):
        self.db = db

    def gone(self, before: datetime) -> list[Gone]:
        at = iso(before)
        return [
            Gone(aid, jointure, profile or "", state, datetime.fromisoformat(gone_at))
            for aid, jointure, profile, state, gone_at in self.db.query(GONE, (at, at, at))
        ]

    def erased(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM erasures") or 0)

    def recorded(self) -> list[Erased]:
        return [
            Erased(aid, jointure, datetime.fromisoformat(at), keys, subjects)
            for aid, jointure, at, keys, subjects in self.db.query(
                "SELECT account_id, jointure, erased_at, keys, subjects FROM erasures "
                "ORDER BY erased_at, jointure, account_id"
            )
        ]

    def streams(self, account_id: str) -> PersonStreams:
        return PersonStreams(self._logins(account_id), self._siecle(account_id), self._merged(account_id))

    def _logins(self, account_id: str) -> list[str]:
        # A successor generation of the same person may carry the login on.
        return [
            login
            for (login,) in self.db.query(
                f"SELECT l.login FROM logins l WHERE l.account_id = ? AND NOT EXISTS "
                f"(SELECT 1 FROM accounts a WHERE a.login = l.login AND a.account_id <> ? AND a.{LIVE}) "
                "ORDER BY l.login",
                (account_id, account_id),
            )
        ]

    def _siecle(self, account_id: str) -> list[str]:
        # A record is linked to one account at a time; while a live generation of
        # the same jointure exists, the record stays the person's current one.
        if not self.db.table_exists("siecle_account_links"):
            return []
        return [
            aid
            for (aid,) in self.db.query(
                "SELECT l.aggregate_id FROM siecle_account_links l JOIN accounts g ON g.account_id = l.account_id "
                "WHERE l.account_id = ? AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.jointure = g.jointure "
                f"AND a.account_id <> g.account_id AND a.{LIVE}) ORDER BY l.aggregate_id",
                (account_id,),
            )
        ]

    def _merged(self, account_id: str) -> list[str]:
        """The absorbed account of every merge the account took part in, as
        survivor or as absorbed (the index directory_merges keeps after an unmerge)."""
        rows = self.db.query(
            "SELECT key, value FROM meta WHERE key LIKE ? OR key LIKE ?",
            (f"{PAST}{account_id}:%", f"{PAST}%:{account_id}"),
        )
        return sorted({value for _, value in rows})

    def received(self, before: datetime) -> list[Received]:
        at, out = iso(before), []
        for kind, (table, column) in DETAILS.items():
            if not self.db.table_exists(table):  # a read model not built in this store yet
                continue
            out += [
                Received(sid, kind, datetime.fromisoformat(received_at))
                for sid, received_at in self.db.query(
                    f"SELECT t.{column}, t.received_at FROM {table} t WHERE t.received_at <= ? AND NOT EXISTS "
                    f"(SELECT 1 FROM details_erasures x WHERE x.stream_id = t.{column}) ORDER BY t.{column}",
                    (at,),
                )
            ]
        return out

    def details_erased(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM details_erasures") or 0)

    def removals_held(self) -> bool:
        value = self.db.scalar("SELECT value FROM meta WHERE key = 'purge_hold'")
        return bool(value and json.loads(value).get("held"))
