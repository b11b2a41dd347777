"""The read-only JSON API over the read models: its routes (the templates of
the OpenAPI document, daemon/http/openapi.py), their handlers and the checks
of their query parameters.

A handler takes the worker's context, the path parameters and the query,
and returns the body; anything but a 200 is an ``ApiError`` with a stable
code and a message that names no person (logins, jointures are personal
data: no error repeats a path parameter or a row).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from projections import account_queries, delivery_queries, import_queries, siecle_listings, structure_queries

DEFAULT_LIMIT, MAX_LIMIT = 1000, 100_000


class ApiError(Exception):
    """An answer other than 200, with a stable code and a message that names
    no person."""

    def __init__(self, status: HTTPStatus, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _not_found(what: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, "not_found", f"no {what} with this key")


def _only(query: dict[str, list[str]], *allowed: str) -> dict[str, str]:
    unknown = sorted(set(query) - set(allowed))
    if unknown:
        name = unknown[0] if re.fullmatch(r"[a-z_]{1,32}", unknown[0]) else "?"
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            "unknown_parameter",
            f"unknown query parameter {name}; allowed: {', '.join(allowed) or 'none'}",
        )
    return {k: v[-1] for k, v in query.items()}


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ApiError(HTTPStatus.BAD_REQUEST, "invalid_parameter", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(text)


def _flag(text: str | None, name: str) -> bool:
    if text in (None, "", "false", "0"):
        return False
    if text in ("true", "1"):
        return True
    raise ApiError(HTTPStatus.BAD_REQUEST, "invalid_parameter", f"{name} must be true or false")


def list_accounts(ctx, params: dict, query: dict) -> dict:
    q = _only(query, "uai", "state", "profile", "limit")
    limit = _limit(q.get("limit"))
    rows = account_queries.accounts(
        ctx.db,
        uai=q.get("uai") or None,
        state=q.get("state") or None,
        profile=q.get("profile") or None,
        now=ctx.judged_now(),
        grace=ctx.policy.overdue_grace,
        limit=limit + 1,
        policy=ctx.policy,
    )
    return {"accounts": rows[:limit], "count": min(len(rows), limit), "limit": limit, "truncated": len(rows) > limit}


def get_account(ctx, params: dict, query: dict) -> dict:
    _only(query)
    row = account_queries.account_detail(
        ctx.db, params["key"], now=ctx.judged_now(), grace=ctx.policy.overdue_grace, policy=ctx.policy
    )
    if row is None:
        raise _not_found("account")
    return row


def list_structures(ctx, params: dict, query: dict) -> dict:
    _only(query)
    return {"structures": structure_queries.structures(ctx.db)}


def list_classes(ctx, params: dict, query: dict) -> dict:
    q = _only(query, "members")
    uai = params["uai"]
    if not structure_queries.structure_known(ctx.db, uai):
        raise _not_found("structure")
    return {"uai": uai, "classes": structure_queries.classes(ctx.db, uai, members=_flag(q.get("members"), "members"))}


def list_deliveries(ctx, params: dict, query: dict) -> dict:
    _only(query)
    return {"deliveries": delivery_queries.deliveries(ctx.db)}


def get_delivery(ctx, params: dict, query: dict) -> dict:
    _only(query)
    row = delivery_queries.delivery(ctx.db, params["id"]) if params["id"] else None
    if row is None:
        raise _not_found("delivery")
    return row


def list_imports(ctx, params: dict, query: dict) -> dict:
    q = _only(query, "uai")
    return {"imports": import_queries.history(ctx.db, q.get("uai") or None)}


def get_import(ctx, params: dict, query: dict) -> dict:
    return _import(ctx, params, query, import_queries.detail)


def get_import_sessions(ctx, params: dict, query: dict) -> dict:
    return _import(ctx, params, query, import_queries.sessions)


def _import(ctx, params: dict, query: dict, reader) -> dict:
    _only(query)
    row = import_queries.by_key(ctx.db, params["id"], reader)
    if row is None:
        raise _not_found("import")
    return row


def list_siecle_imports(ctx, params: dict, query: dict) -> dict:
    q = _only(query, "uai")
    return {"imports": siecle_listings.imports(ctx.db, q.get("uai") or None)}


@dataclass(frozen=True)
class Route:
    template: str  # as in the OpenAPI document
    handler: Callable[[Any, dict, dict], dict]

    @property
    def pattern(self) -> re.Pattern:
        return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template)) + "$")


API_ROUTES = (
    Route("/api/v1/accounts", list_accounts),
    Route("/api/v1/accounts/{key}", get_account),
    Route("/api/v1/structures", list_structures),
    Route("/api/v1/structures/{uai}/classes", list_classes),
    Route("/api/v1/deliveries", list_deliveries),
    Route("/api/v1/deliveries/{id}", get_delivery),
    Route("/api/v1/imports", list_imports),
    Route("/api/v1/imports/{id}", get_import),
    Route("/api/v1/imports/{id}/sessions", get_import_sessions),
    Route("/api/v1/siecle/imports", list_siecle_imports),
)
SERVICE_PATHS = ("/metrics", "/healthz", "/readyz", "/api/v1/openapi.json")
