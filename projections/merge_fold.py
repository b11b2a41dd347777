"""The fold of merged accounts at read time (issue 14, events/merge.py).

While a row of ``account_merges`` holds, the absorbed account is shown
inside its survivor: hidden from the listings, any key of it (jointure,
account id, login) resolving to the survivor, whose detail is its own row
(state, login) with the ``decisions`` of the merge applied to the names,
birth date and mail, and the union of both accounts' structures,
memberships, links, logins, groups by hand and attachments, with
``sources`` (both jointures) and ``merged_from`` (the absorbed accounts
with their own state). Nothing is folded in the tables: an unmerge deletes
the row and each account reads again exactly as its sources made it.

Merges are admin actions, few in any directory: the whole table is read
where a fold needs it, and the listings skip the absorbed accounts in SQL
(``NOT_ABSORBED``)."""

from __future__ import annotations

import json

from projections.account_parts import parts
from projections.db import Database


def not_absorbed(alias: str) -> str:
    """The SQL condition that the account row ``alias`` is not absorbed now."""
    return f"NOT EXISTS (SELECT 1 FROM account_merges am WHERE am.absorbed_id = {alias}.account_id)"


# A decision's field (events/merge_rules.py) → the record's attribute it shows.
DECIDED_ATTRIBUTES = {
    "given_name": "givenName",
    "family_name": "sn",
    "birth_date": "ENTPersonDateNaissance",
    "mail": "mail",
}


def merges(db: Database) -> dict[str, dict]:
    """Absorbed account id → its merge (survivor_id, alias, decisions, author, reason, at)."""
    out = {}
    for row in db.query_dicts(
        "SELECT absorbed_id, survivor_id, alias, decisions, author, reason, at FROM account_merges ORDER BY absorbed_id"
    ):
        row["decisions"] = json.loads(row["decisions"] or "{}")
        out[row.pop("absorbed_id")] = row
    return out


def survivor_id(db: Database, aid: str) -> str | None:
    """The survivor an account is folded into, None when it is not absorbed."""
    return db.scalar("SELECT survivor_id FROM account_merges WHERE absorbed_id = ?", (aid,))


def absorbed_jointures(db: Database, survivor: str) -> list[str]:
    """The jointures of the accounts the account ``survivor`` absorbed now."""
    return [
        j
        for (j,) in db.query(
            "SELECT a.jointure FROM account_merges m JOIN accounts a ON a.account_id = m.absorbed_id "
            "WHERE m.survivor_id = ? ORDER BY a.jointure",
            (survivor,),
        )
    ]


def past_absorbed(db: Database, survivor: str) -> list[str]:
    """The ids of every account ever merged into the account ``survivor``,
    the merge taken back or not (projections/directory_merges.py's index)."""
    prefix = f"merged-into:{survivor}:"
    rows = db.query("SELECT value FROM meta WHERE key >= ? AND key < ? ORDER BY key", (prefix, prefix[:-1] + ";"))
    return [aid for (aid,) in rows]


def absorbed_by(held: dict[str, dict]) -> dict[str, list[str]]:
    """Survivor id → the ids of the accounts it absorbed, in order."""
    out: dict[str, list[str]] = {}
    for absorbed, merge in sorted(held.items()):
        out.setdefault(merge["survivor_id"], []).append(absorbed)
    return out


def fold_listing(db: Database, rows: list[dict], attached: dict[str, list[dict]]) -> None:
    """The survivors of a listing get ``merged_from`` (the absorbed jointures)
    and the absorbed accounts' attachments (the absorbed rows are already out)."""
    held = merges(db)
    if not held:
        return
    by = absorbed_by(held)
    jointures = dict(
        db.query(f"SELECT account_id, jointure FROM accounts WHERE account_id IN ({_marks(held)})", list(held))
    )
    for row in rows:
        absorbed = by.get(row["account_id"])
        if not absorbed:
            continue
        lent = row.get("attachments", []) + [a for aid in absorbed for a in attached.get(aid, [])]
        if lent:
            row["attachments"] = _unique(lent, ("uai",))
        row["merged_from"] = [jointures.get(aid, "") for aid in absorbed]


def fold_detail(db: Database, row: dict, columns: str) -> None:
    """The survivor's detail ``row`` (its own parts already in) with the
    absorbed accounts folded in; nothing when it absorbed none."""
    held = merges(db)
    absorbed = absorbed_by(held).get(row["account_id"], [])
    if absorbed:
        _fold_into(db, row, absorbed, held, columns)
    if held:
        _relinked(db, row, held)


def _fold_into(db: Database, row: dict, absorbed: list[str], held: dict[str, dict], columns: str) -> None:
    sources = [_source(row, "survivor")]
    merged_from = []
    for aid in absorbed:
        other = db.query_dicts(f"SELECT {columns}, attrs FROM accounts WHERE account_id = ?", (aid,))
        if not other:  # the merge rules allow no such merge; a row lost to a purge shows nothing
            continue
        a = other[0]
        merge = held[aid]
        own = parts(db, aid, a["jointure"], a["state"])
        for name, key in (
            ("structures", ("jointure",)),
            ("memberships", ("structure", "kind", "code")),
            ("guardians", ("jointure",)),
            ("students", ("jointure",)),
            ("assigned", ("uai", "kind", "code")),
            ("attachments", ("uai",)),
        ):
            united = _unique(row.get(name, []) + own.get(name, []), key)
            if united:
                row[name] = sorted(united, key=lambda r: tuple(r[k] for k in key))
        row["logins"] = sorted(set(row["logins"]) | set(own["logins"]))
        theirs = json.loads(a["attrs"])
        for field, side in merge["decisions"].items():
            attribute = DECIDED_ATTRIBUTES.get(field, field)
            if side == "absorbed":
                if attribute in theirs:
                    row["attributes"][attribute] = theirs[attribute]
                else:
                    row["attributes"].pop(attribute, None)
        sources.append(_source(a, "absorbed"))
        merged_from.append(
            {
                "account_id": aid,
                "jointure": a["jointure"],
                "login": a["login"] or merge["alias"],
                "state": a["state"],
                "author": merge["author"],
                "reason": merge["reason"],
                "at": merge["at"],
            }
        )
    if merged_from:
        row["sources"] = sources
        row["merged_from"] = merged_from


def _relinked(db: Database, row: dict, held: dict[str, dict]) -> None:
    """Guardians and students that are absorbed accounts show as their
    survivor, once."""
    ids = {m["survivor_id"] for m in held.values()} | set(held)
    people = {
        r["account_id"]: r
        for r in db.query_dicts(
            f"SELECT account_id, jointure, state, login FROM accounts WHERE account_id IN ({_marks(ids)})", sorted(ids)
        )
    }
    by_jointure = {people[a]["jointure"]: people.get(m["survivor_id"]) for a, m in held.items() if a in people}
    for name in ("guardians", "students"):
        if not any(link["jointure"] in by_jointure for link in row[name]):
            continue  # as the sources made them, in the database's order
        shown = []
        for link in row[name]:
            survivor = by_jointure.get(link["jointure"])
            if survivor is not None:
                link = {
                    **link,
                    "jointure": survivor["jointure"],
                    "state": survivor["state"],
                    "login": survivor["login"] or "",
                }
            shown.append(link)
        row[name] = sorted(_unique(shown, ("jointure",)), key=lambda r: r["jointure"])


def _source(row: dict, side: str) -> dict:
    return {"account_id": row["account_id"], "jointure": row["jointure"], "category": row["category"], "side": side}


def _unique(rows: list[dict], key: tuple[str, ...]) -> list[dict]:
    """The rows, the first of each ``key`` kept."""
    seen: dict[tuple, dict] = {}
    for r in rows:
        seen.setdefault(tuple(r[k] for k in key), r)
    return list(seen.values())


def _marks(values) -> str:
    return ",".join("?" * len(values))
