"""What every request passes before the API sees it, as one ASGI middleware:

- the path is routed as it was sent, percent-encoded, with leading slashes
  folded and trailing ones dropped (``/api/v1/%61ccounts`` is no route; a
  key's segment is decoded once, by the route's ``segment`` convertor, so a
  ``%2F`` in a key stays in the key);
- a body longer than ``max_body`` bytes is refused with 413 before it is
  read (declared length) or as soon as it passes the bound (chunked); a
  path of ``bounds`` has its own (the preview's upload,
  daemon/http/uploads.py);
- a method the path's route does not take is refused with 405 and an
  ``Allow`` header listing those it takes (GET for reads, POST for the
  admin actions; HEAD and OPTIONS never), before any body is read;
- every answer says ``Cache-Control: no-store``, and is logged at DEBUG by
  its route template, never by its path (it may carry a login).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Match

from daemon.http.errors import ApiError, error, method_refused

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

MAX_BODY_BYTES = 64 * 1024  # reads take no body; admin actions take small JSON ones
METHODS = ("GET", "POST")


class Segment(Convertor[str]):
    """A path parameter: one segment of the path as sent, decoded here."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return unquote(value)

    def to_string(self, value: str) -> str:
        return quote(value, safe="")


register_url_convertor("segment", Segment())


class BodyTooLarge(Exception):
    """Raised by the guard's ``receive`` once a body passes ``limit``: a route
    that reads its body itself (the preview's upload) answers it as 413."""

    def __init__(self, limit: int = 0):
        super().__init__(limit)
        self.limit = limit


def too_large(limit: int) -> ApiError:
    # Connection: close, so that the server does not read the rest of the body.
    return ApiError(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "body_too_large",
        f"the request body is larger than {limit} bytes",
        {"Connection": "close"},
    )


class Guard:
    def __init__(self, app: Any, max_body: int = MAX_BODY_BYTES, bounds: dict[str, int] | None = None):
        self.app, self.max_body, self.bounds = app, max_body, bounds or {}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope["path"] = routed_path(scope)
        started: list[int] = []

        async def answer(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.append(message["status"])
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        try:
            await self._guarded(scope, receive, answer)
        except Exception as exc:
            # Answered 500 by the application's last handler, which raises it again for the
            # server to log, message and all: logged here by its type and route only.
            log.error("HTTP %s failed: %s", _template(scope), type(exc).__name__)
            log.debug("HTTP %s failed", _template(scope), exc_info=True)
            if not started:
                await error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; see the daemon log")(
                    scope, receive, answer
                )
        finally:
            log.debug("HTTP %s %s %s", scope["method"], _template(scope), started[0] if started else "-")

    async def _guarded(self, scope: dict, receive: Any, send: Any) -> None:
        limit = self.bounds.get(scope["path"], self.max_body)
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _too_large(limit, scope, receive, send)
        allowed = self._allowed(scope)
        if allowed and scope["method"] not in allowed:
            return await error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                "method_not_allowed",
                method_refused(allowed),
                {"Allow": ", ".join(allowed)},
            )(scope, receive, send)
        read = 0
        responding = False

        async def bounded() -> dict:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > limit:
                raise BodyTooLarge(limit)
            return message

        async def tracked(message: dict) -> None:
            nonlocal responding
            responding = True
            await send(message)

        try:
            await self.app(scope, bounded, tracked)
        except BodyTooLarge:
            if not responding:
                await _too_large(limit, scope, receive, send)

    def _allowed(self, scope: dict) -> list[str]:
        """The methods the route of the path takes (none for an unknown
        path: a 404 whatever the method)."""
        methods: set[str] = set()
        for route in getattr(getattr(self.app, "router", None), "routes", ()):
            if route.matches(scope)[0] != Match.NONE:  # PARTIAL: the path matches, not the method
                methods |= set(getattr(route, "methods", None) or ())
        return [m for m in METHODS if m in methods]


def routed_path(scope: dict) -> str:
    """The path as the client sent it, percent-encoded; ``//x`` is ``/x``
    (as http.server read it) and ``/x/`` is ``/x``."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(scope["path"])
    return ("/" + path.lstrip("/")).rstrip("/") or "/"


def _template(scope: dict) -> str:
    route = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "-"


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


async def _too_large(limit: int, scope: dict, receive: Any, send: Any) -> None:
    # Connection: close, so that the server does not read the rest of the body.
    response = error(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "body_too_large",
        f"the request body is larger than {limit} bytes",
        {"Connection": "close"},
    )
    await response(scope, receive, send)
