"""One HTTP request: the service paths (``/healthz``, ``/readyz``,
``/metrics``, the OpenAPI document) and the API's routes
(daemon/http/routes.py), answered in JSON. Errors are
``{"error": {"code", "message"}}``; requests are logged by route template
only, never by their raw line (it may carry a login)."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client.exposition import choose_encoder

from daemon.http.openapi import document
from daemon.http.routes import API_ROUTES, ApiError
from projections.db import outage

if TYPE_CHECKING:
    from daemon.http.server import PooledServer

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

_COMPILED = [(r.pattern, r) for r in API_ROUTES]


class StoreUnavailable(Exception):
    """The context factory failed: the store cannot be reached."""


class Handler(BaseHTTPRequestHandler):
    server: PooledServer
    server_version = "entsync"
    sys_version = ""
    timeout = 30  # seconds a client may take to send its request: a stalled one frees its worker
    route = "-"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        try:
            if path == "/healthz":
                self.route = path
                problem = self.server.health() if self.server.health else None
                if problem:
                    return self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "stalled", **problem})
                return self._json(HTTPStatus.OK, {"status": "ok"})
            if path == "/readyz":
                self.route = path
                ready = bool(self.server.ready())
                why = self.server.store.readiness() if self.server.store is not None and not ready else None
                return self._json(
                    HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE, {"ready": ready, **(why or {})}
                )
            if path == "/metrics":
                self.route = path
                return self._metrics()
            if path == "/api/v1/openapi.json":
                self.route = path
                return self._json(HTTPStatus.OK, document())
            for pattern, route in _COMPILED:
                m = pattern.match(path)
                if m:
                    self.route = route.template
                    params = {k: unquote(v) for k, v in m.groupdict().items()}
                    query = parse_qs(split.query, keep_blank_values=True)
                    if not self.server.store_up():
                        raise StoreUnavailable()
                    ctx = self.server.context()
                    try:
                        body = route.handler(ctx, params, query)
                    except ApiError:
                        raise
                    except Exception:
                        self.server.discard_context()  # a broken connection is not kept
                        raise
                    return self._json(HTTPStatus.OK, body)
            raise ApiError(HTTPStatus.NOT_FOUND, "unknown_path", "no such endpoint; see /api/v1/openapi.json")
        except ApiError as exc:
            self._error(exc.status, exc.code, exc.message)
        except StoreUnavailable:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "store_unavailable", "the store cannot be reached")
        except Exception as exc:
            if outage(exc):  # the store went away during the request: its context was discarded
                log.warning("HTTP %s: the store cannot be reached (%s)", self.route, type(exc).__name__)
                return self._error(HTTPStatus.SERVICE_UNAVAILABLE, "store_unavailable", "the store cannot be reached")
            # The type only at ERROR: an exception's message may quote a row.
            log.error("HTTP %s failed: %s", self.route, type(exc).__name__)
            log.debug("HTTP %s failed", self.route, exc_info=True)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; see the daemon log")

    def _not_allowed(self) -> None:
        self._error(
            HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "this API is read-only: use GET", {"Allow": "GET"}
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed

    def _metrics(self) -> None:
        metrics = self.server.metrics
        try:
            if not self.server.store_up():
                raise StoreUnavailable()
            metrics.refresh(self.server.context())
        except StoreUnavailable:
            metrics.withdraw_gauges()  # the counters still answer
        except Exception as exc:
            self.server.discard_context()
            log.error("reading the gauges failed (%s); exposing the counters only", type(exc).__name__)
            log.debug("reading the gauges failed", exc_info=True)
        encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
        self._send(HTTPStatus.OK, encoder(metrics.registry), content_type)

    def _json(self, status: HTTPStatus, body: Any, headers: dict | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False, default=str, separators=(",", ":")).encode()
        self._send(status, data, "application/json; charset=utf-8", headers)

    def _error(self, status: HTTPStatus, code: str, message: str, headers: dict | None = None) -> None:
        self._json(status, {"error": {"code": code, "message": message}}, headers)

    def _send(self, status: HTTPStatus, data: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (bad request line, too long...) in JSON, without echoing the request.
        self.close_connection = True
        status = HTTPStatus(code)
        self._error(status, status.phrase.lower().replace(" ", "_").replace("-", "_"), status.phrase)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("HTTP %s %s %s", self.command, self.route, code)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("HTTP error on %s", self.route)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # never the raw request line: it may carry a login
