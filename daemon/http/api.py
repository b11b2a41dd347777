"""The read-only JSON API over the read models: its routes, their query
parameters and the models of their answers (the OpenAPI document is written
from these). Each route checks its parameters and hands them to its reader
in daemon/http/reads.py, run on a worker thread with the worker's context.

Every route of the API knows its caller before it answers (issue 12): the
answers carry personal data — logins, jointures, the keys of the people an
import matched or a delivery would make depart, the members of a class — or
name the establishments and operators at work. The routes are in two groups
by what the caller must be allowed (events/access.py): ``directory``, read
by every role within its establishments (a person or an establishment
outside them is a 404, as if it did not exist), and ``operations``, the
académie-wide AAF deliveries, for operators only.

Each route, in this order: answers 503 at once while the store is known to
be down; 401, 403 or 429 for a caller that may not (daemon/http/access.py);
400 for a query parameter it does not declare (``unknown_parameter``) or a
value it refuses; then reads.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BeforeValidator, Field, WithJsonSchema

from daemon.http import (
    guards,  # noqa: F401 (registers the {name:segment} path convertor of the routes below)
    reads,
)
from daemon.http import import_models as im
from daemon.http import models as m
from daemon.http.access import caller
from daemon.http.errors import ApiError, StoreUnavailable
from daemon.http.site import Site
from events.access import Action, Caller

DEFAULT_LIMIT, MAX_LIMIT = 1000, 100_000
ERRORS = {
    400: "invalid parameter, or unknown query parameter",
    401: "no bearer token, or one that is not valid",
    403: "this token's role may not do this",
    404: "no such key (or outside the caller's establishments)",
    429: "too many failed attempts from this address; see Retry-After",
    503: "the store cannot be reached",
}
REFUSALS = (401, 403, 429)


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
# A boolean, and the other spellings _flag has always read (1, 0, empty) in the document
# too: a document that refuses what the API answers is wrong about the API.
Flag = Annotated[
    bool, BeforeValidator(_flag), WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": ["1", "0", ""]}]})
]
# Any text parameter: no NUL character. No key or value of the directory holds one (XML
# cannot), and PostgreSQL refuses to be asked about one: a 400 on both stores (it was a 500
# on PostgreSQL), said in the document.
TEXT = r"^[^\x00]*$"
Uai = Annotated[str | None, Query(description="only this establishment (UAI)", pattern=TEXT)]


async def served(request: Request) -> Site:
    return request.app.state.site


async def store_up(request: Request) -> None:
    """First: the store known down (the caller's token cannot be checked either)."""
    site: Site = request.app.state.site
    if not site.store_up():
        raise StoreUnavailable()


async def known_parameters(request: Request) -> None:
    """Once the caller is known: a query parameter the route does not declare
    (named only if it looks like one)."""
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
READ_DIRECTORY, READ_DELIVERIES = caller(Action.READ_DIRECTORY), caller(Action.READ_DELIVERIES)
# A route's own ``who: Caller = READ_…`` is the group's dependency, solved once per request.
directory = APIRouter(prefix="/api/v1", dependencies=[Depends(store_up), READ_DIRECTORY, Depends(known_parameters)])
operations = APIRouter(prefix="/api/v1", dependencies=[Depends(store_up), READ_DELIVERIES, Depends(known_parameters)])
Reader = Annotated[Caller, READ_DIRECTORY]
Operator = Annotated[Caller, READ_DELIVERIES]


def _get(router: APIRouter, path: str, model: type, op: str, summary: str, *errors: int, tag: str = "read model"):
    return router.get(
        path,
        response_model=model,
        response_model_exclude_unset=True,  # a key absent from the read model's row stays absent
        operation_id=op,
        summary=summary,
        response_description=summary,
        tags=[tag],
        responses={code: {"model": m.Error, "description": ERRORS[code]} for code in (*errors, *REFUSALS, 503)},
    )


# ---- the directory of the caller's establishments --------------------------------------------------------------------------


@_get(directory, "/accounts", m.AccountList, "listAccounts", "Accounts, by jointure.", 400, 404)
def list_accounts(
    site: Served,
    request: Request,
    who: Reader,
    uai: Uai = None,
    state: Annotated[str | None, Query(description="only accounts in this state", pattern=TEXT)] = None,
    profile: Annotated[
        str | None, Query(description="only this profile (ELEVE, PARENT, ENSEIGNANT, ...)", pattern=TEXT)
    ] = None,
    limit: Annotated[Limit, Query(description="at most this many (default 1000)")] = DEFAULT_LIMIT,
) -> Any:
    return _read(site, request, who, reads.accounts, uai=uai, state=state, profile=profile, limit=limit)


@_get(
    directory,
    "/accounts/{key:segment}",
    m.AccountDetail,
    "getAccount",
    "One account with its structures, classes, links and logins.",
    400,
    404,
)
def get_account(
    site: Served,
    request: Request,
    who: Reader,
    key: Annotated[str, Path(description="jointure, login (current or reserved) or account id", pattern=TEXT)],
) -> Any:
    return _read(site, request, who, reads.account, key=key)


@_get(
    directory,
    "/structures/{uai:segment}/classes",
    m.ClassList,
    "listClasses",
    "Divisions and groups of one establishment with their headcounts.",
    400,
    404,
)
def list_classes(
    site: Served,
    request: Request,
    who: Reader,
    uai: Annotated[str, Path(description="the establishment's UAI", pattern=TEXT)],
    members: Annotated[Flag, Query(description="also list who is in each")] = False,
) -> Any:
    return _read(site, request, who, reads.classes, uai=uai, members=members)


DELIVERY_KEY = Path(description="delivery id, fingerprint or unambiguous id prefix", pattern=TEXT)
IMPORT_KEY = Path(description="import id or prefix", pattern=TEXT)


@_get(
    operations,
    "/deliveries/{id:segment}",
    im.DeliveryDetail,
    "getDelivery",
    "One AAF delivery with its rejected records.",
    400,
    404,
)
def get_delivery(site: Served, who: Operator, id: Annotated[str, DELIVERY_KEY]) -> Any:  # noqa: A002 (documented)
    return site.read(reads.delivery, key=id)


@_get(
    directory,
    "/imports/{id:segment}",
    im.ImportDetail,
    "getImport",
    "One timetable or STS-web import with its matches and report.",
    400,
    404,
    tag="imports",
)
def get_import(site: Served, request: Request, who: Reader, id: Annotated[str, IMPORT_KEY]) -> Any:  # noqa: A002
    return _read(site, request, who, reads.import_detail, key=id)


@_get(
    directory,
    "/imports/{id:segment}/sessions",
    im.ImportSessions,
    "getImportSessions",
    "The sessions of a timetable import with their weeks and dates.",
    400,
    404,
    tag="imports",
)
def get_import_sessions(
    site: Served,
    request: Request,
    who: Reader,
    id: Annotated[str, IMPORT_KEY],  # noqa: A002
) -> Any:
    return _read(site, request, who, reads.import_sessions, key=id)


# ---- more of the directory, and the académie's operations ------------------------------------------------------------------------------


@_get(directory, "/structures", m.StructureList, "listStructures", "Establishments of the directory.", 400)
def list_structures(site: Served, request: Request, who: Reader) -> Any:
    return _read(site, request, who, reads.structures)


@_get(operations, "/deliveries", im.DeliveryList, "listDeliveries", "AAF deliveries, oldest first.", 400)
def list_deliveries(site: Served, who: Operator) -> Any:
    return site.read(reads.deliveries)


@_get(
    directory,
    "/imports",
    im.ImportList,
    "listImports",
    "Timetable and STS-web imports, newest first.",
    400,
    404,
    tag="imports",
)
def list_imports(site: Served, request: Request, who: Reader, uai: Uai = None) -> Any:
    return _read(site, request, who, reads.imports, uai=uai)


@_get(
    directory,
    "/siecle/imports",
    im.SiecleImportList,
    "listSiecleImports",
    "SIECLE imports, newest first.",
    400,
    404,
    tag="imports",
)
def list_siecle_imports(site: Served, request: Request, who: Reader, uai: Uai = None) -> Any:
    return _read(site, request, who, reads.siecle_imports, uai=uai)


def _read(site: Site, request: Request, who: Caller, reader: Any, **params: Any) -> Any:
    """``reader`` within the caller's establishments: a 404 for asking
    outside them is audited, and answered as any 404."""
    try:
        return site.read(reader, scope=who.scope(), **params)
    except reads.OutOfScope as exc:
        request.app.state.gate.out_of_scope(request, who, exc)
        raise ApiError(exc.status, exc.code, exc.message) from None
