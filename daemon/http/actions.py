"""The admin actions of the API (issue 13): POST routes that record a
decision through the use case the CLI calls (daemon/http/writes.py), with
the caller's token name as its author.

Two groups by what the caller must be allowed (events/access.py):
``establishment``, the decisions on an establishment's timetable imports
and group source (etab-admin within its UAIs — a key outside them is a 404
— and operators), with the actions on its people and groups in
daemon/http/account_actions.py, and ``academie``, the held AAF deliveries, SIECLE
imports and the purge hold (operators only). A reader gets 403 everywhere.

Each answers, in this order: 503 while the store is known down; 401, 403 or
429 for a caller that may not; 400 for a body or parameter it refuses; 404
for a key it does not know (or outside the caller's UAIs); 503 with
``Retry-After`` while an ingest or another write holds the store
(daemon/http/site.py); 409 for the use case's refusal, its message with the
request's values left out; else 200 with what the CLI's ``--json`` shows.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from daemon.http import action_models as am
from daemon.http import models as m
from daemon.http import writes
from daemon.http.access import caller
from daemon.http.api import ERRORS, REFUSALS, TEXT, Served, known_parameters, store_up
from daemon.http.errors import ApiError, Busy, Failed, StoreUnavailable
from daemon.http.reads import OutOfScope
from daemon.http.site import Site
from events.access import Action, Caller

ACT, OPERATE = caller(Action.ACT_ON_ACCOUNTS), caller(Action.OPERATE)
establishment = APIRouter(prefix="/api/v1", dependencies=[Depends(store_up), ACT, Depends(known_parameters)])
academie = APIRouter(prefix="/api/v1", dependencies=[Depends(store_up), OPERATE, Depends(known_parameters)])
Admin = Annotated[Caller, ACT]
Operator = Annotated[Caller, OPERATE]
WRITE_ERRORS = {
    **ERRORS,
    400: "invalid body or parameter, or unknown query parameter",
    409: "the decision is refused (the import's or account's state, a rule); nothing recorded",
    503: "the store cannot be reached, or is busy (an ingest, another write, an interrupted import "
    "to finish first): nothing recorded, ask again after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait (503 store_busy)", "schema": {"type": "integer"}}}
IMPORT_KEY = Path(description="import id or prefix", pattern=TEXT)


def post(router: APIRouter, path: str, model: type, op: str, summary: str, tag: str):
    responses: dict[int | str, dict[str, Any]] = {
        code: {"model": m.Error, "description": WRITE_ERRORS[code]} for code in (400, 404, 409, *REFUSALS, 503)
    }
    responses[503]["headers"] = RETRY_AFTER
    return router.post(
        path,
        response_model=model,
        operation_id=op,
        summary=summary,
        response_description=summary,
        tags=[tag],
        responses=responses,
    )


def act(site: Site, request: Request, who: Caller, action: Any, said: tuple[str | None, ...], **params: Any) -> Any:
    """``action`` on the writer (daemon/http/site.py): a key outside the
    caller's UAIs is an audited 404, a refusal a 409 naming none of
    ``said`` (the request's values: logins, jointures, idents)."""
    try:
        return site.write(action, who=who, **params)
    except OutOfScope as exc:
        request.app.state.gate.out_of_scope(request, who, exc)
        raise ApiError(exc.status, exc.code, exc.message) from None
    except (ApiError, Busy, Failed, StoreUnavailable):
        raise
    except Exception as exc:  # a refusal of the use case: Site.write raises nothing else
        raise ApiError(HTTPStatus.CONFLICT, getattr(exc, "code", "refused"), _unnamed(str(exc), said)) from None


def _unnamed(message: str, said: tuple[str | None, ...]) -> str:
    """The refusal's message without the request's values nor quoted ones."""
    for value in sorted((v for v in said if v), key=len, reverse=True):
        message = message.replace(value, "…")
    return re.sub(r"'[^']*'", "…", message.splitlines()[0] if message else "refused")


# ---- the académie's operations ---------------------------------------------------------------

DELIVERY_KEY = Path(description="delivery id, fingerprint or unambiguous id prefix", pattern=TEXT)
SIECLE_KEY = Path(description="SIECLE import id or unambiguous prefix", pattern=TEXT)


@post(academie, "/deliveries/{id:segment}/release", am.DeliveryDecision, "releaseDelivery",
       "Release a held AAF delivery: applied as staged.", "operations")  # fmt: skip
def release_delivery(site: Served, request: Request, who: Operator, id: Annotated[str, DELIVERY_KEY]) -> Any:  # noqa: A002
    return act(site, request, who, writes.release_delivery, (id,), key=id)


@post(academie, "/deliveries/{id:segment}/reject", am.DeliveryDecision, "rejectDelivery",
       "Reject a held or waiting AAF delivery: nothing of it applied.", "operations")  # fmt: skip
def reject_delivery(site: Served, request: Request, who: Operator, id: Annotated[str, DELIVERY_KEY]) -> Any:  # noqa: A002
    return act(site, request, who, writes.reject_delivery, (id,), key=id)


@post(academie, "/siecle/imports/{id:segment}/release", am.ImportDecision, "releaseSiecleImport",
       "Release a held SIECLE import.", "operations")  # fmt: skip
def release_siecle(site: Served, request: Request, who: Operator, id: Annotated[str, SIECLE_KEY]) -> Any:  # noqa: A002
    return act(site, request, who, writes.release_siecle_import, (id,), key=id)


@post(academie, "/siecle/imports/{id:segment}/reject", am.ImportDecision, "rejectSiecleImport",
       "Reject a held SIECLE import.", "operations")  # fmt: skip
def reject_siecle(site: Served, request: Request, who: Operator, id: Annotated[str, SIECLE_KEY]) -> Any:  # noqa: A002
    return act(site, request, who, writes.reject_siecle_import, (id,), key=id)


@post(academie, "/purge/hold", am.PurgeHold, "holdPurge", "Hold the removals (domain-rules §11).", "operations")
def hold_purge(site: Served, request: Request, who: Operator, body: am.Reasoned) -> Any:
    return act(site, request, who, writes.hold_purge, (), reason=body.reason)


@post(academie, "/purge/release", am.PurgeHold, "releasePurge", "Lift the hold on removals.", "operations")
def release_purge(site: Served, request: Request, who: Operator) -> Any:
    return act(site, request, who, writes.release_purge, ())


# ---- an establishment's decisions --------------------------------------------------------------


@post(establishment, "/imports/{id:segment}/validate", am.ImportDecision, "validateImport",
       "Validate a timetable import awaiting validation: applied.", "imports")  # fmt: skip
def validate_import(
    site: Served,
    request: Request,
    who: Admin,
    id: Annotated[str, IMPORT_KEY],
    body: am.Validate,  # noqa: A002
) -> Any:
    return act(site, request, who, writes.validate_import, (id,), scope=who.scope(), key=id,
                accept_end_date=body.accept_end_date)  # fmt: skip


@post(establishment, "/imports/{id:segment}/retry", am.ImportDecision, "retryImport",
       "Decide again on an import rejected for its thresholds, some lifted.", "imports")  # fmt: skip
def retry_import(site: Served, request: Request, who: Admin, id: Annotated[str, IMPORT_KEY], body: am.Retry) -> Any:  # noqa: A002
    return act(site, request, who, writes.retry_import, (id,), scope=who.scope(), key=id, lift=list(body.lift))


@post(establishment, "/imports/{id:segment}/match", am.ImportDecision, "matchImportItem",
       "Match an item of an import awaiting validation by hand.", "imports")  # fmt: skip
def match_import(
    site: Served,
    request: Request,
    who: Admin,
    id: Annotated[str, IMPORT_KEY],
    body: am.MatchByHand,  # noqa: A002
) -> Any:
    target = body.account or body.code
    if not target or (body.account and body.code):
        raise ApiError(HTTPStatus.BAD_REQUEST, "invalid_parameter", "give either account or code")
    return act(site, request, who, writes.match_import, (id, body.ident, target), scope=who.scope(), key=id,
                ident=body.ident, target=target, kind=body.kind)  # fmt: skip


@post(establishment, "/imports/{id:segment}/cancel", am.ImportDecision, "cancelImport",
       "Cancel an import that is not applied.", "imports")  # fmt: skip
def cancel_import(
    site: Served,
    request: Request,
    who: Admin,
    id: Annotated[str, IMPORT_KEY],
    body: am.Reasoned,  # noqa: A002
) -> Any:
    return act(site, request, who, writes.cancel_import, (id,), scope=who.scope(), key=id, reason=body.reason)


@post(establishment, "/structures/{uai:segment}/group-source", am.GroupSource, "chooseGroupSource",
       "Choose where an establishment's groups get their members.", "directory")  # fmt: skip
def choose_group_source(
    site: Served,
    request: Request,
    who: Admin,
    uai: Annotated[str, Path(description="the establishment's UAI", pattern=TEXT)],
    body: am.ChooseGroupSource,
) -> Any:
    return act(site, request, who, writes.choose_group_source, (), scope=who.scope(), uai=uai, source=body.source)
