"""What the console's search answers a ticket with (issue 16): the accounts
found by their current names or a key (projections/search_queries.py), then
those found by a name their record carried before an overwrite, the persons
SIECLE knows in the caller's establishments (the account they are linked to,
or none yet), and the records rejected under the key typed.

The former names are the identity an overwrite fact recorded before the
record was retyped (Account.OverwriteSuspected's ``before``, the SIECLE
record's), read from the log one fact per overwrite of the caller's
establishments: a bounded read, overwrites being few."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from daemon.http.console import bilans
from projections import search_queries, search_sources
from projections.name_match import Names, differs, matches, matching, shown, words

DECIDED = {"open": "écrasement suspecté", "confirmed": "écrasement confirmé", "dismissed": "écrasement écarté"}
WHY = {"student": "élève", "guardian": "responsable"}


def find(ctx: Any, *, scope: frozenset[str] | None, text: str) -> dict[str, Any]:
    found = search_queries.search(ctx.db, text, scope)
    rows: list[dict[str, Any]] = [{**r, "notes": []} for r in found["accounts"]]
    wanted = words(text)
    by_id = {r["account_id"]: r for r in rows}
    more: dict[str, list[str]] = {}
    overwrites = search_sources.overwritten(ctx.db, scope)
    # A SIECLE record retyped over its account names someone else now, not that account's person:
    # a newcomer without an account while the overwrite is open; once confirmed, the successor
    # account carries the record's names and is found by them.
    retyped = {(o.stream_id, o.account_id): o.decision for o in overwrites if o.source == "siecle"}
    for account, known, decision in former_names(ctx, overwrites):
        if hit := matching(wanted, known):
            note = f"anciennement : {shown(hit)} ({DECIDED.get(decision, DECIDED['open'])})"
            (by_id[account]["notes"] if account in by_id else more.setdefault(account, [])).append(note)
    siecle_only = []
    for person in search_sources.siecle_persons(ctx.db, wanted, scope):
        names = (person["family_name"], person["given_name"])
        if not matches(wanted, names):
            continue
        decided = retyped.get((person["id"], person["account_id"]), "dismissed")
        if decided == "confirmed":
            continue
        if decided == "open":
            person["account_id"] = ""
        if not person["account_id"]:
            siecle_only.append({**person, "kind_fr": WHY[person["kind"]], "kind_path": _kind_path(person["kind"])})
            continue
        note = f"nom dans SIECLE : {shown(names)}"
        known = by_id.get(person["account_id"])
        if known is None:
            more.setdefault(person["account_id"], []).append(note)
        elif differs(names, (known["family_name"], known["given_name"])):
            known["notes"].append(note)
    extra = sorted(set(more) - set(by_id))
    room = max(search_queries.LIMIT - len(rows), 0)
    for row in search_queries.accounts(ctx.db, extra[:room]):
        rows.append({**row, "notes": sorted(set(more[row["account_id"]]))})
    return {
        "accounts": rows,
        "truncated": found["truncated"] or len(extra) > room,
        "siecle": siecle_only,
        "rejected": rejected_groups(search_sources.rejected(ctx.db, text, scope)) if len(text.split()) == 1 else [],
    }


def former_names(ctx: Any, overwrites: list[search_sources.Overwritten]) -> list[tuple[str, list[Names], str]]:
    """(account id, the names its record carried before, decision) for each
    of the ``overwrites``: its one fact read from the log."""
    out = []
    for o in overwrites:
        for ev in ctx.log.events.get(UUID(o.stream_id), gt=o.version - 1, lte=o.version):
            out.append((o.account_id, _names(getattr(ev, "before", None) or {}, o.source), o.decision))
    return out


def _names(before: dict[str, Any], source: str) -> list[Names]:
    if source == "aaf":
        return [(_first(before.get("sn")), _first(before.get("givenName")))]
    given = str(before.get("given_name") or "")
    return [(str(before.get(f) or ""), given) for f in ("family_name", "usage_name") if before.get(f)]


def _first(values: Any) -> str:
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return str(values or "")


def _kind_path(kind: str) -> str:
    return "eleve" if kind == "student" else "responsable"


def rejected_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rejections of one key by source: each delivery's or import's, the
    oldest and latest and their count, for "rejetée à 3 livraisons depuis le …"."""
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        g = groups.setdefault(
            r["source"], {"source": r["source"], "record_id": r["record_id"], "rows": [], "origins": []}
        )
        g["rows"].append({**r, "label": bilans.reason(r["reason"]), "when": bilans.when(r["at"])})
        if r["origin"] not in g["origins"]:
            g["origins"].append(r["origin"])
    for g in groups.values():
        g["count"], g["first"], g["last"] = len(g["origins"]), g["rows"][0]["when"], g["rows"][-1]["when"]
        g["label"] = "AAF" if g["source"] == "aaf" else "SIECLE"
        g["unit"] = "livraison" if g["source"] == "aaf" else "import"
    return list(groups.values())
