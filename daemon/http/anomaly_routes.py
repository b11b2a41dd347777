"""GET /api/v1/anomalies (issue 15): what `entsync anomalies` lists, within
the caller's establishments, with the same filters as query parameters
(uai, kind, since, now, lang) and each row's label and action from the
catalogue (events/anomaly_kinds.py). A router of its own, with the
directory's dependencies (daemon/http/api.py), so that the review's
confirm and dismiss can sit beside it."""

from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from daemon.http import api
from daemon.http.errors import ApiError
from daemon.http.models import Row
from daemon.http.reads import Scope, _covered
from daemon.http.times import IsoTime
from events.anomaly_kinds import KINDS as CATALOGUE
from events.anomaly_kinds import kind_of, parse_kinds
from projections import anomaly_queries

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(api.store_up), api.READ_DIRECTORY, Depends(api.known_parameters)]
)


class Anomaly(Row):
    anomaly: str = Field(description="the kind's stable code (the catalogue)")
    jointure: str = Field(description="the account or structure it concerns; empty when none is linked")
    profile: str
    state: str
    detail: str | None = Field(description="ids, files, lines, fields: never a name or birth date")
    at: str | None = Field(description="the time of its fact (ISO 8601, UTC); null for a state")
    label: str
    action: str = Field(description="what an operator does about it")
    # What some kinds add (issue 15): the decidable ones their id and decision, a
    # scored pair its score and other account, a SIECLE or swap row its source and keys.
    id: str | None = Field(None, description="decidable kinds: the anomaly's id (confirm, dismiss)")
    decision: Literal["open", "confirmed", "dismissed"] | None = None
    score: float | None = Field(None, description="suspected_duplicate: 0..1, 1 = surely one person")
    other: str | None = Field(None, description="suspected_duplicate: the other account's jointure")
    source: str | None = Field(None, description="aaf or siecle")
    uai: str | None = Field(None, description="a SIECLE row's establishment")
    record_kind: str | None = Field(None, description="a SIECLE row: student or guardian")
    key: str | None = Field(None, description="a SIECLE row's record id; a swap's student")
    others: list[str] | None = Field(None, description="guardians_swapped: the records or accounts exchanged")
    account_id: str | None = Field(None, description="a SIECLE row: the account it was linked to")
    file: str | None = None
    line: int | None = None


class AnomalyList(Row):
    anomalies: list[Anomaly]
    count: int


# The codes of the catalogue, comma-separated: the document says which kinds exist.
_CODE = "(" + "|".join(sorted(CATALOGUE)) + ")"
KINDS = f"^{_CODE}(,{_CODE})*$"

Time = Annotated[IsoTime | None, Query(description="ISO 8601; without an offset, in the configured zone")]


@api._get(router, "/anomalies", AnomalyList, "listAnomalies", "What an operator must look at, by kind.", 400, 404)
def list_anomalies(
    site: api.Served,
    request: Request,
    who: api.Reader,
    uai: api.Uai = None,
    kind: Annotated[str | None, Query(description="only these kinds (comma-separated codes)", pattern=KINDS)] = None,
    since: Time = None,
    now: Time = None,
    lang: Annotated[Literal["fr", "en"], Query(description="language of label and action")] = "fr",
) -> Any:
    try:
        kinds = parse_kinds([kind]) if kind else None
    except ValueError as e:
        raise ApiError(HTTPStatus.BAD_REQUEST, "invalid_parameter", str(e)) from None
    return api._read(site, request, who, anomalies, uai=uai or None, kinds=kinds, since=since, now=now, lang=lang)


def anomalies(
    ctx: Any,
    *,
    scope: Scope,
    uai: str | None,
    kinds: frozenset[str] | None,
    since: datetime | None,
    now: datetime | None,
    lang: str,
) -> dict[str, Any]:
    _covered(uai, scope)
    zone = ZoneInfo(ctx.policy.timezone)
    since, now = (t.replace(tzinfo=zone) if t is not None and t.tzinfo is None else t for t in (since, now))
    rows = anomaly_queries.anomalies(
        ctx.db,
        (now or ctx.judged_now()).astimezone(timezone.utc),
        ctx.policy.overdue_grace,
        ctx.policy,
        uai=uai,
        kinds=kinds,
        since=since,
        scope=scope,
    )
    out = [
        {**r, "label": kind_of(r["anomaly"]).label(lang), "action": kind_of(r["anomaly"]).action(lang)} for r in rows
    ]
    return {"anomalies": out, "count": len(out)}
