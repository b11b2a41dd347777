"""The API's decisions on anomalies (issue 15): ``POST /api/v1/anomalies/{id}/confirm``
and ``/dismiss``, the use cases of ``entsync anomalies confirm|dismiss``
(events/usecases/anomaly_review.py) with the caller's token name as the
author. Operators only, as the other académie-wide operations of
daemon/http/actions.py (an etab-admin or a reader gets 403): a suspected
overwrite may end an account and open another.

An id (or prefix) that names no open anomaly to decide is a 404; an
ambiguous prefix, a missing reason or an anomaly decided already a 409,
nothing recorded; else 200 with what the CLI's ``--json`` shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import Field

from daemon.http.action_models import Answer, Reasoned
from daemon.http.actions import Operator, academie, act, post
from daemon.http.api import TEXT, Served
from daemon.http.errors import not_found
from daemon.http.writes import Refused
from events.access import Caller
from events.usecases.anomaly_review import AnomalyNotFound, ConfirmAnomaly, DismissAnomaly, confirm, dismiss

decisions = APIRouter(prefix=academie.prefix, dependencies=academie.dependencies)
ANOMALY_KEY = Path(description="the anomaly's id, or at least 6 of its first hex characters", pattern=TEXT)


class AnomalyDecided(Answer):
    """What an operator's decision recorded, and what it did to its subject."""

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
    who: Operator,
    id: Annotated[str, ANOMALY_KEY],
    body: Reasoned,  # noqa: A002
) -> Any:
    return act(site, request, who, decide, (id,), key=id, decision="confirm", reason=body.reason)


@post(decisions, "/anomalies/{id:segment}/dismiss", AnomalyDecided, "dismissAnomaly",
       "Dismiss an anomaly: nothing to correct; a suspension it caused ends.", "operations")  # fmt: skip
def dismiss_anomaly(
    site: Served,
    request: Request,
    who: Operator,
    id: Annotated[str, ANOMALY_KEY],
    body: Reasoned,  # noqa: A002
) -> Any:
    return act(site, request, who, decide, (id,), key=id, decision="dismiss", reason=body.reason)
