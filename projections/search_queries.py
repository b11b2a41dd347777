"""Finding a person in the directory (issue 16, the support console): by
name, accents, case and punctuation ignored, every word of the query in the
family or given names; or by an exact key — jointure, account id, login
(current or ever reserved). Within the caller's establishments only.

The names are compared folded as events/rules.py ``normalised_identity``
folds them. The ``identity`` column holds that fold (with the birth date or
a contact, domain-rules §5) for most accounts, and narrows the candidates in
SQL; an account whose record lacked what the key needs has an empty one,
and is compared on its record's names here.
"""

from __future__ import annotations

import json

from projections.account_queries import within_clause
from projections.clauses import placeholders
from projections.db import Database
from projections.merge_fold import not_absorbed
from projections.name_match import fold as _fold
from projections.name_match import matches, words

LIMIT = 50
COLUMNS = "account_id, jointure, category, profile, state, login, identity, attrs"


def accounts(db: Database, account_ids: list[str]) -> list[dict]:
    """The search's rows of these accounts (found another way: a former name, SIECLE)."""
    if not account_ids:
        return []
    rows = [
        _row(r)
        for r in db.query_dicts(
            f"SELECT {COLUMNS} FROM accounts WHERE account_id IN ({placeholders(account_ids)})", account_ids
        )
    ]
    _establishments(db, rows)
    return rows


def _row(row: dict) -> dict:
    attrs = json.loads(row.pop("attrs") or "{}")
    row.pop("identity")
    row["family_name"], row["given_name"] = _first(attrs, "sn"), _first(attrs, "givenName")
    return row


def search(db: Database, text: str, scope: frozenset[str] | None, limit: int = LIMIT) -> dict:
    """``{"accounts": rows, "truncated": bool}``: the accounts an exact key
    names, then those whose names hold every word of ``text``, by family
    name; each row with its names and establishments (never the birth date)."""
    text = text.strip()
    wanted = words(text)
    if not text:
        return {"accounts": [], "truncated": False}
    keys = (
        "jointure = ? OR account_id = ? OR login = ? OR account_id IN (SELECT account_id FROM logins WHERE login = ?)"
    )
    params: list = [text, text, text.lower(), text.lower()]
    if wanted:
        named = " AND ".join("identity LIKE ?" for _ in wanted)
        where = f"({keys} OR ({named}) OR identity = '')"
        params += [f"%{w}%" for w in wanted]
    else:
        where = f"({keys})"
    where += f" AND {not_absorbed('accounts')}"
    if scope is not None:
        clause, values = within_clause(db, sorted(scope) or [""])
        where += f" AND {clause}"
        params += values
    found, exact = [], []
    reserved = {r[0] for r in db.query("SELECT account_id FROM logins WHERE login = ?", (text.lower(),))}
    for row in db.query_dicts(f"SELECT {COLUMNS} FROM accounts WHERE {where}", params):
        row = _row(row)
        is_key = text in (row["jointure"], row["account_id"]) or text.lower() == (row["login"] or "")
        if is_key:
            exact.append(row)
        elif matches(wanted, (row["family_name"], row["given_name"])):
            found.append(row)
        elif not wanted or row["account_id"] in reserved:
            exact.append(row)
    found.sort(key=lambda r: (_fold(r["family_name"]), _fold(r["given_name"]), r["jointure"]))
    rows = exact + found
    _establishments(db, rows[:limit])
    return {"accounts": rows[:limit], "truncated": len(rows) > limit}


def _first(attrs: dict, name: str) -> str:
    values = attrs.get(name) or [""]
    return str(values[0]) if isinstance(values, list) else str(values)


def _establishments(db: Database, rows: list[dict]) -> None:
    """Each row's UAIs, read in one query for all the rows."""
    ids = [row["account_id"] for row in rows]
    uais: dict[str, list[str]] = {}
    if ids:
        for aid, uai in db.query(
            "SELECT DISTINCT s.account_id, t.uai FROM account_structures s JOIN structures t "
            f"ON t.jointure = s.structure WHERE s.account_id IN ({placeholders(ids)}) ORDER BY s.account_id, t.uai",
            ids,
        ):
            uais.setdefault(aid, []).append(uai)
    for row in rows:
        row["uais"] = uais.get(row["account_id"], [])
