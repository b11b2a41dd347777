"""The read-model queries of a merge (events/usecases/admin_merge.py
declares them): each account RAW, as its sources made it — the fold of
merged accounts is the listings' (projections/account_queries.py), and a
merge must see both sides as they are. The keys resolve without the fold
too: a login of an absorbed account is its own here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from events.manual_rules import CATEGORIES
from events.merge_rules import MergeAccount
from events.usecases.admin_merge import MergeRow
from projections.attachment_listings import attachments_of
from projections.db import Database
from projections.group_queries import manual_group_streams

COLUMNS = "account_id, jointure, category, profile, state, login, attrs"


def _first(attrs: dict[str, Any], name: str) -> str:
    values = attrs.get(name) or [""]
    return str(values[0])


class MergeQueries:
    def __init__(self, db: Database):
        self.db = db

    def _row(self, key: str) -> dict[str, Any] | None:
        rows = self.db.query_dicts(
            f"SELECT {COLUMNS} FROM accounts WHERE jointure = ? OR login = ? OR account_id = ? ORDER BY jointure",
            (key, key, key),
        )
        if not rows:
            rows = self.db.query_dicts(
                f"SELECT {COLUMNS} FROM accounts WHERE account_id = (SELECT account_id FROM logins WHERE login = ?)",
                (key,),
            )
        return rows[0] if rows else None

    def account(self, key: str) -> MergeAccount | None:
        row = self._row(key)
        if row is None:
            return None
        aid, db = row["account_id"], self.db
        attrs = json.loads(row["attrs"] or "{}")
        structures = db.query(
            "SELECT s.structure, COALESCE(t.uai, '') FROM account_structures s LEFT JOIN structures t "
            "ON t.jointure = s.structure WHERE s.account_id = ? ORDER BY s.structure",
            (aid,),
        )
        attachments = attachments_of(db, aid)
        source = "manual" if row["category"] in CATEGORIES else "aaf"
        siecle = db.query(
            "SELECT uai, kind, key FROM siecle_account_links WHERE account_id = ? AND status = 'linked' "
            "ORDER BY uai, kind, key",
            (aid,),
        )
        merged = db.query("SELECT survivor_id FROM account_merges WHERE absorbed_id = ?", (aid,))
        absorbed = db.query("SELECT absorbed_id FROM account_merges WHERE survivor_id = ? ORDER BY absorbed_id", (aid,))
        return MergeAccount(
            account_id=aid,
            jointure=row["jointure"],
            login=row["login"] or "",
            state=row["state"],
            profile=row["profile"] or "",
            given_name=_first(attrs, "givenName"),
            family_name=_first(attrs, "sn"),
            birth_date=_first(attrs, "ENTPersonDateNaissance"),
            mail=_first(attrs, "mail"),
            uais=frozenset(u for _, u in structures if u) | {a["uai"] for a in attachments},
            structures=tuple(f"{uai or '?'} {s}" for s, uai in structures),
            memberships=tuple(
                f"{s} {k} {c}"
                for s, k, c in db.query(
                    "SELECT structure, kind, code FROM memberships WHERE account_id = ? ORDER BY structure, kind, code",
                    (aid,),
                )
            ),
            manual_memberships=tuple(
                f"{u} {k} {c}"
                for u, k, c in db.query(
                    "SELECT uai, kind, code FROM manual_memberships WHERE account_id = ? ORDER BY uai, kind, code",
                    (aid,),
                )
            ),
            attachments=tuple(f"{a['uai']} until {a['until']}" for a in attachments),
            guardians=tuple(
                g
                for (g,) in db.query(
                    "SELECT guardian_jointure FROM guardian_links WHERE student_id = ? ORDER BY guardian_jointure",
                    (aid,),
                )
            ),
            students=tuple(
                s
                for (s,) in db.query(
                    "SELECT a.jointure FROM guardian_links l JOIN accounts a ON a.account_id = l.student_id "
                    "WHERE l.guardian_jointure = ? ORDER BY a.jointure",
                    (row["jointure"],),
                )
            ),
            logins=tuple(
                x for (x,) in db.query("SELECT login FROM logins WHERE account_id = ? ORDER BY login", (aid,))
            ),
            sources=(f"{source} {row['jointure']}", *(f"siecle {u} {k} {key}" for u, k, key in siecle)),
            absorbed_by=merged[0][0] if merged else "",
            absorbed=tuple(a for (a,) in absorbed),
        )

    def merge_of(self, absorbed_id: str) -> MergeRow | None:
        rows = self.db.query_dicts(
            "SELECT survivor_id, absorbed_id, alias, decisions, author, reason, at FROM account_merges "
            "WHERE absorbed_id = ?",
            (absorbed_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return MergeRow(
            r["survivor_id"],
            r["absorbed_id"],
            r["alias"],
            json.loads(r["decisions"]),
            r["author"],
            r["reason"],
            datetime.fromisoformat(r["at"]),
        )

    def group_streams(self) -> list[UUID]:
        return manual_group_streams(self.db)
