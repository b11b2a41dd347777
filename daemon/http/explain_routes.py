"""An account explained on the API (issue 15): the structured facts and the
sentences of ``entsync explain --json`` (daemon/history/explain.py), by key,
and the accounts a person's name designates, for the caller to choose a
key. Routes of the ``directory`` group (daemon/http/api.py): every role,
within its establishments — an account outside them is a 404, as the
account read answers, and a name search lists only those inside. The
person's name is the point of an explanation: served to the authorised
caller only, never logged."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request

from daemon.history.explain import explain
from daemon.http import explain_models as em
from daemon.http import reads
from daemon.http.api import TEXT, Reader, Served, _get, _read, directory
from daemon.http.errors import not_found
from daemon.http.times import IsoTime
from projections import explain_queries

explanations = APIRouter(prefix=directory.prefix, dependencies=directory.dependencies)

Key = Annotated[str, Path(description="jointure, login (current or reserved) or account id", pattern=TEXT)]
Lang = Annotated[Literal["fr", "en"], Query(description="language of the sentences, labels and actions")]


def read_explanation(ctx: Any, *, scope: reads.Scope, key: str, now: datetime | None, lang: str) -> dict:
    """The account read's scope first: unknown is a 404, outside the caller's UAIs too."""
    reads.account(ctx, scope=scope, key=key)
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo(ctx.policy.timezone))
    found = explain(ctx, key, (now or ctx.judged_now()).astimezone(timezone.utc), lang)
    if found is None:
        raise not_found("account")
    return found


def read_candidates(ctx: Any, *, scope: reads.Scope, name: str) -> dict:
    rows = explain_queries.by_name(ctx.db, name, scope)
    keys = ("key", "login", "profile", "establishments", "state")
    return {"count": len(rows), "candidates": [{k: r[k] or "" for k in keys} for r in rows]}


@_get(explanations, "/accounts/{key:segment}/explanation", em.Explanation, "getAccountExplanation",
      "One account's state and why, its anomalies and what to do, in plain sentences.", 400, 404)  # fmt: skip
def get_explanation(
    site: Served,
    request: Request,
    who: Reader,
    key: Key,
    lang: Lang = "fr",
    now: Annotated[IsoTime | None, Query(description="judge the due dates at this time (ISO 8601)")] = None,
) -> Any:
    return _read(site, request, who, read_explanation, key=key, now=now, lang=lang)


@_get(explanations, "/explanations", em.Candidates, "findExplanationCandidates",
      "The accounts of a person's name, to explain one by its key.", 400)  # fmt: skip
def find_candidates(
    site: Served,
    request: Request,
    who: Reader,
    name: Annotated[str, Query(description="family and given name, in either order", pattern=TEXT)],
) -> Any:
    return _read(site, request, who, read_candidates, name=name)
