"""The API's answers other than 200: one shape, ``{"error": {"code",
"message"}}``, for the API's own refusals, FastAPI's validation errors and
Starlette's unknown routes alike. A message names no person: no error repeats
a path parameter, a query value or a row (logins, jointures are personal
data), and a failure is logged by its type and route template only."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

RETRY_AFTER_SECONDS = 5  # a write that met a busy store: an ingest's transaction is short, its delivery not


def method_refused(allowed: list[str]) -> str:
    return f"this route takes {' or '.join(allowed)}; see /api/v1/openapi.json"


# What a query value must be, by parameter: FastAPI's own message would quote the value.
PARAMETER_RULES = {
    "limit": "limit must be an integer from 1 to 100000",
    "members": "members must be true or false",
    **{name: f"{name} must not hold a NUL character" for name in ("key", "id", "uai", "state", "profile")},
    "kind": "unknown anomaly kind: kind takes codes of the catalogue, comma-separated (see /api/v1/openapi.json)",
    **{name: f"{name} must be an ISO 8601 time" for name in ("since", "now")},
    "lang": "lang must be fr or en",
}


class ApiError(Exception):
    """An answer other than 200, with a stable code and a message that names
    no person."""

    def __init__(self, status: HTTPStatus, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class StoreUnavailable(Exception):
    """The store cannot be reached: known down, or a worker's context could not be built."""


class Busy(Exception):
    """A write that cannot run now: an ingest or another write holds the
    store, or an interrupted import must be finished first (503 with
    ``Retry-After``: the request itself was right, asked again later it runs)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class Failed(Exception):
    """A read failed for another reason than the request: the worker logged
    how at DEBUG; the handler logs its type by route, never its message."""

    def __init__(self, kind: str, outage: bool):
        super().__init__(kind)
        self.kind, self.outage = kind, outage


class Json(JSONResponse):
    """JSON as the API always wrote it: UTF-8, compact, declared charset."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str, separators=(",", ":")).encode()


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Json:
    return Json({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def not_found(what: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, "not_found", f"no {what} with this key")


def route_of(request: Request) -> str:
    """The route's template (``/api/v1/accounts/{key}``), never the path asked."""
    route = request.scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "-"


async def _api_error(request: Request, exc: Exception) -> Json:
    assert isinstance(exc, ApiError)
    return error(exc.status, exc.code, exc.message, exc.headers)


async def _store_unavailable(request: Request, exc: Exception) -> Json:
    return error(HTTPStatus.SERVICE_UNAVAILABLE, "store_unavailable", "the store cannot be reached")


async def _busy(request: Request, exc: Exception) -> Json:
    assert isinstance(exc, Busy)
    log.info("HTTP %s: the store is busy (%s)", route_of(request), exc.kind)
    message = (
        "an interrupted import must be finished first; try again later"
        if exc.kind == "interrupted_import_first"
        else "the store is busy with an ingest or another write; try again later"
    )
    return error(HTTPStatus.SERVICE_UNAVAILABLE, "store_busy", message, {"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _failed(request: Request, exc: Exception) -> Json:
    assert isinstance(exc, Failed)
    if exc.outage:  # the store went away during the request: the worker's context was discarded
        log.warning("HTTP %s: the store cannot be reached (%s)", route_of(request), exc.kind)
        return error(HTTPStatus.SERVICE_UNAVAILABLE, "store_unavailable", "the store cannot be reached")
    log.error("HTTP %s failed: %s", route_of(request), exc.kind)
    return error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; see the daemon log")


async def _invalid(request: Request, exc: Exception) -> Json:
    assert isinstance(exc, RequestValidationError)
    names = [str(e["loc"][-1]) for e in exc.errors() if e.get("loc")]
    name = names[0] if names else "?"
    return error(HTTPStatus.BAD_REQUEST, "invalid_parameter", PARAMETER_RULES.get(name, f"{name} is invalid"))


async def _unanswerable(request: Request, exc: Exception) -> Json:
    # A row the response model does not describe: the document and the answer
    # must agree, so this is the server's fault, logged without the row.
    assert isinstance(exc, ResponseValidationError)
    fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:3]) for e in exc.errors()})
    log.error("HTTP %s: the answer does not match its model (%s)", route_of(request), ", ".join(fields[:5]))
    return error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; see the daemon log")


async def _http(request: Request, exc: Exception) -> Json:
    assert isinstance(exc, HTTPException)
    if exc.status_code == HTTPStatus.NOT_FOUND:
        return error(HTTPStatus.NOT_FOUND, "unknown_path", "no such endpoint; see /api/v1/openapi.json")
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        allowed = sorted(m.strip() for m in (exc.headers or {}).get("Allow", "GET").split(",") if m.strip() != "HEAD")
        return error(
            HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", method_refused(allowed), {"Allow": ", ".join(allowed)}
        )
    status = HTTPStatus(exc.status_code)
    return error(status, status.phrase.lower().replace(" ", "_").replace("-", "_"), status.phrase)


async def _unexpected(request: Request, exc: Exception) -> Json:
    # Starlette raises the exception again once this is sent: the guard logs it (daemon/http/guards.py).
    return error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; see the daemon log")


HANDLERS = {
    Exception: _unexpected,
    ApiError: _api_error,
    StoreUnavailable: _store_unavailable,
    Busy: _busy,
    Failed: _failed,
    RequestValidationError: _invalid,
    ResponseValidationError: _unanswerable,
    HTTPException: _http,
}
