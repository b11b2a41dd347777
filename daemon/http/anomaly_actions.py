"""The API's decisions on anomalies (issue 15): ``POST /api/v1/anomalies/{id}/confirm``
and ``/dismiss``, the use cases of ``entsync anomalies confirm|dismiss``
(events/usecases/anomaly_review.py) with the caller's token name as the
author. Who may decide (issue 16, the console's forms ask the same
``decide``): an operator any anomaly; an etab-admin those the listing of its
establishments shows (GET /api/v1/anomalies: the SIECLE or STS row's UAI, or
the establishments of the account it names) — any other is a 404 to it, as
if it did not exist; a reader none (403).

An id (or prefix) that names no open anomaly to decide is a 404; an
ambiguous prefix, a missing reason or an anomaly decided already a 409,
nothing recorded; else 200 with what the CLI's ``--json`` shows."""

from __future__ import annotations

from datetime import timezone
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import Field

from daemon.http.action_models import Answer, Reasoned
from daemon.http.actions import Admin, act, establishment, post
from daemon.http.api import TEXT, Served
from daemon.http.errors import not_found
from daemon.http.reads import OutOfScope
from daemon.http.writes import Refused
from events.access import Caller
from events.anomaly import MIN_PREFIX
from events.usecases.anomaly_review import AnomalyNotFound, ConfirmAnomaly, DismissAnomaly, confirm, dismiss
from projections import anomaly_queries

decisions = APIRouter(prefix=establishment.prefix, dependencies=establishment.dependencies)
ANOMALY_KEY = Path(description="the anomaly's id, or at least 6 of its first hex characters", pattern=TEXT)


class AnomalyDecided(Answer):
    """What a decision recorded, and what it did to its subject."""

    anomaly_id: str
    id: str = Field(description="the anomaly's short id, as listings show it")
    kind: str
    decision: str = Field(description="confirmed or dismissed")
    author: str
    reason: str
    at: str
    effects: dict[str, Any] = Field(
        description="a confirmed overwrite: the account ended (state, removal_due) and the new one "
        "(successor_id, successor_generation, successor_state, successor_creation_due); a dismissal: "
        "the account's state (a suspension ended)"
    )


def decide(ctx: Any, who: Caller, *, key: str, decision: str, reason: str) -> dict:
    """The decision of the API and the console's forms, ``who`` its author."""
    scope = who.scope()
    if scope is not None:
        key = within(ctx, scope, key)
    try:
        if decision == "confirm":
            done = confirm(ConfirmAnomaly(key, who.name, reason), ctx)
        else:
            done = dismiss(DismissAnomaly(key, who.name, reason), ctx)
    except AnomalyNotFound as missing:
        if missing.code == "unknown_id":
            raise not_found("open anomaly") from None
        raise Refused(missing.code, str(missing)) from None
    return done.as_dict()


@post(decisions, "/anomalies/{id:segment}/confirm", AnomalyDecided, "confirmAnomaly",
       "Confirm an anomaly: a suspected overwrite ends the account and opens a new one.", "operations")  # fmt: skip
def confirm_anomaly(
    site: Served,
    request: Request,
    who: Admin,
    id: Annotated[str, ANOMALY_KEY],
    body: Reasoned,  # noqa: A002
) -> Any:
    """An operator, or an etab-admin for an anomaly of its establishments (any other: 404); a reader: 403."""
    return act(site, request, who, decide, (id,), key=id, decision="confirm", reason=body.reason)


@post(decisions, "/anomalies/{id:segment}/dismiss", AnomalyDecided, "dismissAnomaly",
       "Dismiss an anomaly: nothing to correct; a suspension it caused ends.", "operations")  # fmt: skip
def dismiss_anomaly(
    site: Served,
    request: Request,
    who: Admin,
    id: Annotated[str, ANOMALY_KEY],
    body: Reasoned,  # noqa: A002
) -> Any:
    """An operator, or an etab-admin for an anomaly of its establishments (any other: 404); a reader: 403."""
    return act(site, request, who, decide, (id,), key=id, decision="dismiss", reason=body.reason)


def within(ctx: Any, scope: frozenset[str], key: str) -> str:
    """``key`` for a caller of ``scope``: the whole id when exactly one
    anomaly it names is listed within ``scope`` (the listing's own rule, so
    that a caller decides what it sees), a 404 when none is (audited when
    the key names one elsewhere). A malformed key goes on to be refused."""
    prefix = key.strip().lower().replace("-", "")
    if len(prefix) < MIN_PREFIX or any(c not in "0123456789abcdef" for c in prefix):
        return key
    named = ctx.review_queries.anomalies(prefix)
    if not named:
        raise not_found("open anomaly")
    rows = anomaly_queries.anomalies(
        ctx.db,
        ctx.judged_now().astimezone(timezone.utc),
        ctx.policy.overdue_grace,
        ctx.policy,
        kinds={a.kind for a in named},
        scope=scope,
        # bounds the scored duplicates to the pairs of the accounts named (their subject)
        naming=frozenset(part for a in named for part in a.subject),
    )
    listed = {r["id"] for r in rows if r.get("id")}
    mine = [a.anomaly_id for a in named if a.anomaly_id in listed]
    if not mine:
        raise OutOfScope("open anomaly")
    return mine[0] if len(mine) == 1 else key
