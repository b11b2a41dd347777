"""A manual account's queries on the directory and SIECLE read models
(events/usecases/admin_accounts.py declares them): the guard's matches
anywhere in the directory, the establishment of a UAI, the logins."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from events.manual_rules import CATEGORIES, Match
from events.policy import Policy
from events.rules import normalised_identity
from projections.db import Database
from projections.served import unserved_staff

# Accounts of the directory that no longer hold their person: no match.
GONE = ("removed", "withdrawn")


def _kind(category: str, profile: str, first_degree: bool) -> str:
    if category in CATEGORIES:
        return "manual"
    if first_degree:
        return "first_degree"
    return {"PersEducNat": "staff", "Eleve": "student", "PersRelEleve": "guardian"}.get(category, category)


class ManualQueries:
    def __init__(self, db: Database):
        self.db = db

    def structure(self, uai: str) -> str | None:
        rows = self.db.query("SELECT jointure FROM structures WHERE uai = ? ORDER BY jointure", (uai,))
        return rows[0][0] if rows else None

    def _uais(self, account_ids: list[str]) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {a: set() for a in account_ids}
        for aid in account_ids:
            for (uai,) in self.db.query(
                "SELECT t.uai FROM account_structures s JOIN structures t ON t.jointure = s.structure "
                "WHERE s.account_id = ?",
                (aid,),
            ):
                out[aid].add(uai)
        return {a: frozenset(u) for a, u in out.items()}

    def matches(self, identity: str, birth: date, mail: str, policy: Policy) -> list[Match]:
        rows = self.db.query_dicts(
            "SELECT account_id, jointure, category, profile, state, login, creation_due, attrs, identity "
            "FROM accounts WHERE identity = ? OR (? <> '' AND LOWER(attrs) LIKE ?) ORDER BY jointure",
            (identity, mail, f"%{mail}%"),
        )
        hits = []
        for r in rows:
            mails = {m.strip().lower() for m in json.loads(r["attrs"]).get("mail", [])}
            by = "identity" if r["identity"] == identity else "mail" if mail and mail in mails else ""
            if by and r["state"] not in GONE:
                hits.append((r, by))
        first_degree = set(unserved_staff(self.db, policy)) if hits else set()
        uais = self._uais([r["account_id"] for r, _ in hits])
        out = [
            Match(
                "manual" if r["category"] in CATEGORIES else "AAF",
                r["jointure"],
                r["login"] or "",
                r["state"],
                datetime.fromisoformat(r["creation_due"]) if r["creation_due"] else None,
                uais[r["account_id"]],
                _kind(r["category"], r["profile"], r["account_id"] in first_degree),
                by,
            )
            for r, by in hits
        ]
        # A SIECLE record is an earlier view of an AAF account (§11): said
        # only when the directory has no account of the person yet.
        return out or self._siecle(identity, birth, policy.creation_delay)

    def _siecle(self, identity: str, birth: date, delay: timedelta) -> list[Match]:
        """Enrolled SIECLE students of that name and birth date: their AAF
        account is to come, due 48 h after SIECLE first saw them."""
        out = []
        for eleve_id, uai, family, given, first_seen, enrolled in self.db.query(
            "SELECT eleve_id, uai, family_name, given_name, first_seen, enrolled FROM siecle_students "
            "WHERE birth_date IN (?, ?) ORDER BY uai, eleve_id",
            (birth.isoformat(), birth.strftime("%d/%m/%Y")),
        ):
            if f"{normalised_identity(family, given)}|{birth.strftime('%d/%m/%Y')}" != identity or not enrolled:
                continue
            due = datetime.fromisoformat(first_seen) + delay if first_seen else None
            out.append(
                Match("SIECLE", f"{uai}:{eleve_id}", "", "pending", due, frozenset({uai}), "student", "identity")
            )
        return out

    def logins(self) -> set[str]:
        return {login for (login,) in self.db.query("SELECT login FROM logins")}

    def login_keys(self) -> set[str]:
        return {key for (key,) in self.db.query("SELECT login_key FROM logins")}
