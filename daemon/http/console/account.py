"""The account page (issue 16): everything support staff need to answer a
ticket about one person — the state and why in plain French (the
explanation's sentences), the anomalies and what to do (with the decision
forms for the roles allowed), the timeline of every fact from every source,
the guardians or children, the classes and groups, the logins.

Read in one go within the caller's establishments by the API's own readers
(reads.account, explain_routes.read_explanation,
history_routes.read_history), so that the page and the API never disagree;
an account outside them is the same 404 page as an unknown key. The URL
carries the account id (any key the account read takes works) and the title
no name."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from daemon.http import reads
from daemon.http.console import bilans, ent_side, timeline
from daemon.http.console.pages import page, read, render, who
from daemon.http.console.sessions import PATH
from daemon.http.explain_routes import read_explanation
from daemon.http.history_routes import read_history
from events import console_wording
from events.access import Caller, Role
from events.anomaly import short
from events.anomaly_kinds import kind_of
from events.explanation import STATES, sentences, state_label
from projections import account_queries, explain_queries, search_sources

router = APIRouter(prefix=PATH, include_in_schema=False)
Key = Annotated[str, Path(max_length=200)]
# What the decision's redirect says it did (daemon/http/console/anomalies.py sets ``fait``).
DONE = {"confirmee": "L'anomalie a été confirmée.", "ecartee": "L'anomalie a été écartée."}
PROFILES = {"ELEVE": "élève", "PARENT": "responsable", "ENSEIGNANT": "enseignant", "NON_ENSEIGNANT": "personnel non enseignant",
            "PERSONNEL_COLLECTIVITE": "personnel de collectivité", "AUTRE": "autre profil"}  # fmt: skip
KINDS = {"class": "classe", "group": "groupe"}


def gather(ctx: Any, *, scope: reads.Scope, key: str) -> dict[str, Any]:
    """The account, its explanation and history, and the accounts it links to."""
    detail = reads.account(ctx, scope=scope, key=key)
    explained = read_explanation(ctx, scope=scope, key=key, now=None, lang="fr")
    explained["sentences"] = sentences(explained, "fr", medium="console")  # buttons and French dates, no commands
    facts = read_history(ctx, scope=scope, key=key, since=None)["facts"]
    linked = {r["jointure"]: _linked(ctx, r["jointure"]) for r in detail["guardians"] + detail["students"]}
    rejected = search_sources.account_rejections(ctx.db, detail["jointure"], detail["account_id"])
    return {"detail": detail, "explained": explained, "facts": facts, "linked": linked, "zone": ctx.policy.timezone,
            "rejected": rejected}  # fmt: skip


def _linked(ctx: Any, jointure: str) -> dict[str, str] | None:
    """A guardian's or child's account id and name, when the directory has its account."""
    row = account_queries.find_account(ctx.db, jointure)
    if row is None:
        return None
    return {"account_id": row["account_id"], "name": explain_queries.name_of(json.loads(row["attrs"]))}


def may_decide(caller: Caller, establishments: list[str]) -> bool:
    """Confirm or dismiss: an operator always, an etab-admin for an account of
    its establishments, a reader never (the POST refuses it anyway)."""
    if caller.role == Role.OPERATOR:
        return True
    return caller.role == Role.ETAB_ADMIN and any(caller.covers(uai) for uai in establishments)


@router.get("/accounts/{key:segment}")
@page
def account(request: Request, key: Key, fait: str = "") -> Response:
    caller = who(request)
    found = read(request, caller, gather, key=key)
    detail, explained, zone = found["detail"], found["explained"], found["zone"]
    deciding = may_decide(caller, explained["establishments"])
    uai_of = {s["jointure"]: s["uai"] for s in detail["structures"]}
    return render(
        request,
        "account.html",
        notice=DONE.get(fait, ""),
        account_id=detail["account_id"],
        name=explained["name"],
        profile=PROFILES.get(explained["profile"], "profil"),
        profile_code=explained["profile"],
        state=state_label(detail["state"], "fr"),
        state_code=detail["state"],
        establishments=explained["establishments"],
        sentences=explained["sentences"],
        pronote=ent_side.pronote(detail, state_label(detail["state"], "fr")),
        anomalies=[_anomaly(a, deciding, zone) for a in explained["anomalies"]],
        timeline_caption="Tous les faits connus sur ce compte, de toutes les sources, du plus ancien au plus récent",
        timeline=[timeline.row(f, zone, STATES) for f in found["facts"]],
        guardians=[{**g, "account": found["linked"].get(g["jointure"])} for g in detail["guardians"]],
        children=[{**c, "account": found["linked"].get(c["jointure"])} for c in detail["students"]],
        show_guardians=bool(detail["guardians"]) or detail["category"] == "Eleve",
        show_children=bool(detail["students"]) or detail["category"] == "PersRelEleve",
        memberships=[
            {**m, "uai": uai_of.get(m["structure"], ""), "kind_label": KINDS.get(m["kind"], "regroupement")}
            for m in detail["memberships"]
        ],
        login=detail["login"] or "",
        logins=[x for x in detail["logins"] if x != detail["login"]],
        jointure=detail["jointure"],
        states=STATES,
        back=f"{PATH}/accounts/{detail['account_id']}",
        rejected_whose="ce compte",
        rejected=[{**r, "label": bilans.reason(r["reason"]), "when": bilans.when(r["at"])} for r in found["rejected"]],
    )


def _anomaly(row: dict[str, Any], deciding: bool, zone: str) -> dict[str, Any]:
    kind = kind_of(row["code"])
    decision = row.get("decision") or ""
    return {
        **row,
        "short": short(row["id"]) if row.get("id") else "",
        "decision_label": timeline.DECISIONS.get(decision, ""),
        "technical": ent_side.technical(row),
        "action": console_wording.action(row["code"], row.get("action") or ""),
        "at_label": timeline.when(row.get("at"), zone),
        "decidable": kind.decidable and decision == "open" and bool(row.get("id")) and deciding,
    }
