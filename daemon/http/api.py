"""The read-only JSON API over the read models: its routes, their query
parameters and the models of their answers (the OpenAPI document is written
from these). Each route checks its parameters and hands them to its reader
in daemon/http/reads.py, run on a worker thread with the worker's context.

The routes are in two groups. ``personal`` answers carry personal data —
logins, jointures, the keys of the people an import matched or a delivery
would make depart, the members of a class: the routes that must know their
caller before they answer. ``summaries`` answer counts, statuses and file
names. A dependency added to a group (or to one route) guards it; a reader
that must know the caller's scope takes it as one more parameter.

Every route refuses a query parameter it does not declare (400
``unknown_parameter``) and answers 503 at once while the store is known to
be down.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BeforeValidator, Field

from daemon.http import (
    guards,  # noqa: F401 (registers the {name:segment} path convertor of the routes below)
    reads,
)
from daemon.http import import_models as im
from daemon.http import models as m
from daemon.http.errors import ApiError, StoreUnavailable
from daemon.http.site import Site

DEFAULT_LIMIT, MAX_LIMIT = 1000, 100_000
ERRORS = {
    400: "invalid or unknown query parameter",
    404: "no such key",
    503: "the store cannot be reached",
}


def _digits(value: Any) -> Any:
    # Digits only, as the API always read it: no sign, space, exponent or fraction.
    if isinstance(value, str):
        if not value.isdigit():
            raise ValueError("not an integer")
        return int(value)
    return value


def _flag(value: Any) -> Any:
    if value in (None, "", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise ValueError("not true or false")


Limit = Annotated[
    int, Field(ge=1, le=MAX_LIMIT), BeforeValidator(_digits)
]  # in this order, the bounds are in the schema
Flag = Annotated[bool, BeforeValidator(_flag)]
Uai = Annotated[str | None, Query(description="only this establishment (UAI)")]


async def served(request: Request) -> Site:
    return request.app.state.site


async def checked(request: Request) -> None:
    """Before the parameters are read: the store known down, then a query
    parameter the route does not declare (named only if it looks like one)."""
    site: Site = request.app.state.site
    if not site.store_up():
        raise StoreUnavailable()
    allowed = [p.alias for p in request.scope["route"].dependant.query_params]
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        name = unknown[0] if re.fullmatch(r"[a-z_]{1,32}", unknown[0]) else "?"
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            "unknown_parameter",
            f"unknown query parameter {name}; allowed: {', '.join(allowed) or 'none'}",
        )


Served = Annotated[Site, Depends(served)]
personal = APIRouter(prefix="/api/v1", dependencies=[Depends(checked)])
summaries = APIRouter(prefix="/api/v1", dependencies=[Depends(checked)])


def _get(router: APIRouter, path: str, model: type, op: str, summary: str, *errors: int, tag: str = "read model"):
    return router.get(
        path,
        response_model=model,
        response_model_exclude_unset=True,  # a key absent from the read model's row stays absent
        operation_id=op,
        summary=summary,
        response_description=summary,
        tags=[tag],
        responses={code: {"model": m.Error, "description": ERRORS[code]} for code in (*errors, 503)},
    )


# ---- personal data --------------------------------------------------------------------------


@_get(personal, "/accounts", m.AccountList, "listAccounts", "Accounts, by jointure.", 400)
def list_accounts(
    site: Served,
    uai: Uai = None,
    state: Annotated[str | None, Query(description="only accounts in this state")] = None,
    profile: Annotated[str | None, Query(description="only this profile (ELEVE, PARENT, ENSEIGNANT, ...)")] = None,
    limit: Annotated[Limit, Query(description="at most this many (default 1000)")] = DEFAULT_LIMIT,
) -> Any:
    return site.read(reads.accounts, uai=uai, state=state, profile=profile, limit=limit)


@_get(
    personal,
    "/accounts/{key:segment}",
    m.AccountDetail,
    "getAccount",
    "One account with its structures, classes, links and logins.",
    400,
    404,
)
def get_account(
    site: Served, key: Annotated[str, Path(description="jointure, login (current or reserved) or account id")]
) -> Any:
    return site.read(reads.account, key=key)


@_get(
    personal,
    "/structures/{uai:segment}/classes",
    m.ClassList,
    "listClasses",
    "Divisions and groups of one establishment with their headcounts.",
    400,
    404,
)
def list_classes(
    site: Served,
    uai: Annotated[str, Path(description="the establishment's UAI")],
    members: Annotated[Flag, Query(description="also list who is in each")] = False,
) -> Any:
    return site.read(reads.classes, uai=uai, members=members)


DELIVERY_KEY = Path(description="delivery id, fingerprint or unambiguous id prefix")
IMPORT_KEY = Path(description="import id or prefix")


@_get(
    personal,
    "/deliveries/{id:segment}",
    im.DeliveryDetail,
    "getDelivery",
    "One AAF delivery with its rejected records.",
    400,
    404,
)
def get_delivery(site: Served, id: Annotated[str, DELIVERY_KEY]) -> Any:  # noqa: A002 (the documented name)
    return site.read(reads.delivery, key=id)


@_get(
    personal,
    "/imports/{id:segment}",
    im.ImportDetail,
    "getImport",
    "One timetable or STS-web import with its matches and report.",
    400,
    404,
    tag="imports",
)
def get_import(site: Served, id: Annotated[str, IMPORT_KEY]) -> Any:  # noqa: A002
    return site.read(reads.import_detail, key=id)


@_get(
    personal,
    "/imports/{id:segment}/sessions",
    im.ImportSessions,
    "getImportSessions",
    "The sessions of a timetable import with their weeks and dates.",
    400,
    404,
    tag="imports",
)
def get_import_sessions(site: Served, id: Annotated[str, IMPORT_KEY]) -> Any:  # noqa: A002
    return site.read(reads.import_sessions, key=id)


# ---- summaries ------------------------------------------------------------------------------


@_get(summaries, "/structures", m.StructureList, "listStructures", "Establishments of the directory.", 400)
def list_structures(site: Served) -> Any:
    return site.read(reads.structures)


@_get(summaries, "/deliveries", im.DeliveryList, "listDeliveries", "AAF deliveries, oldest first.", 400)
def list_deliveries(site: Served) -> Any:
    return site.read(reads.deliveries)


@_get(
    summaries,
    "/imports",
    im.ImportList,
    "listImports",
    "Timetable and STS-web imports, newest first.",
    400,
    tag="imports",
)
def list_imports(site: Served, uai: Uai = None) -> Any:
    return site.read(reads.imports, uai=uai)


@_get(
    summaries,
    "/siecle/imports",
    im.SiecleImportList,
    "listSiecleImports",
    "SIECLE imports, newest first.",
    400,
    tag="imports",
)
def list_siecle_imports(site: Served, uai: Uai = None) -> Any:
    return site.read(reads.siecle_imports, uai=uai)
