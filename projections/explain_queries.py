"""What ``entsync explain`` reads besides an account's detail and history:
the accounts a person's name designates (family and given name, in either
order, compared as events/rules.normalised_identity folds them), and the
anomaly rows that name an account."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from events.rules import normalised_identity
from projections import anomaly_queries
from projections.db import Database


def _first(attrs: dict, name: str) -> str:
    values = attrs.get(name) or []
    return values[0] if values else ""


def by_name(db: Database, name: str, scope: frozenset[str] | None = None) -> list[dict]:
    """The accounts whose family and given name, in either order, are ``name``
    once normalised: key (jointure), login, profile, establishments, state.
    With a ``scope``, only those of its establishments."""
    wanted = normalised_identity(name, "")
    if not wanted:
        return []
    uais: dict[str, list[str]] = {}
    for aid, uai in db.query(
        "SELECT s.account_id, t.uai FROM account_structures s JOIN structures t ON t.jointure = s.structure "
        "ORDER BY t.uai"
    ):
        uais.setdefault(aid, []).append(uai)
    out = []
    for row in db.query_dicts(
        "SELECT account_id, jointure, login, profile, state, attrs FROM accounts ORDER BY jointure"
    ):
        attrs = json.loads(row.pop("attrs") or "{}")
        sn, given = _first(attrs, "sn"), _first(attrs, "givenName")
        if wanted not in (normalised_identity(sn, given), normalised_identity(given, sn)):
            continue
        mine = uais.get(row["account_id"], [])
        if scope is not None and not set(mine) & scope:
            continue
        out.append({"key": row["jointure"], **row, "establishments": mine})
    return out


def name_of(attrs: dict) -> str:
    """The person's name as the record gives it: family name then given name."""
    return " ".join(p for p in (_first(attrs, "sn"), _first(attrs, "givenName")) if p)


def anomalies_of(
    db: Database, account_id: str, jointure: str, now: datetime, grace: timedelta, policy=None
) -> list[dict]:
    """The anomaly rows that name this account: as their subject, the other
    side of a pair or swap, or the SIECLE record's linked account."""
    base = jointure.split("#")[0]
    names = {jointure, base, account_id}

    def concerns(row: dict) -> bool:
        named = {row.get("jointure"), row.get("other"), row.get("account_id"), *(row.get("others") or [])}
        return bool(named & names)

    listed = anomaly_queries.anomalies(db, now, grace, policy, naming=frozenset(names))
    return [r for r in listed if concerns(r)]
