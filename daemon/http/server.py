"""The daemon's HTTP server: ``/metrics``, ``/healthz``, ``/readyz`` and a
read-only JSON API over the read models (documented in OpenAPI 3.1 at
``/api/v1/openapi.json``, see daemon/openapi.py).

The standard library's server is enough for a loopback endpoint scraped every
few seconds. Requests run on a small pool of worker threads; each worker
builds its own ``Context`` on first use and keeps it (SQLite connections
belong to one thread, and building one per request would take the store's
write lock to create tables that already exist). The server never writes:
no catch-up, no command.

Errors are JSON ``{"error": {"code", "message"}}``; no error body and no log
line repeats a path parameter or a row (logins, jointures are personal data):
requests are logged by route template only.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client.exposition import choose_encoder

from daemon.config import listen_address
from daemon.http.openapi import document
from daemon.observability.metrics import Metrics
from projections import account_queries, delivery_queries, import_queries, siecle_listings, structure_queries
from projections.db import outage

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

WORKERS = 4
DEFAULT_LIMIT, MAX_LIMIT = 1000, 100_000


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) → (host, port); the
    configuration's own parser, so both accept the same addresses."""
    return listen_address(listen)


class ApiError(Exception):
    """An answer other than 200, with a stable code and a message that names
    no person."""

    def __init__(self, status: HTTPStatus, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _not_found(what: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, "not_found", f"no {what} with this key")


# ---- the read-only API -------------------------------------------------------------


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
    if not ctx.db.scalar("SELECT 1 FROM structures WHERE uai = ?", (uai,)):
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
_COMPILED = [(r.pattern, r) for r in API_ROUTES]
SERVICE_PATHS = ("/metrics", "/healthz", "/readyz", "/api/v1/openapi.json")


# ---- the server ----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _PooledServer
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


class ListenError(Exception):
    """The server cannot listen where the configuration says (a busy port)."""


class StoreUnavailable(Exception):
    """The context factory failed: the store cannot be reached."""


class _PooledServer(HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        metrics: Metrics,
        context_factory: Callable[[], Any],
        ready: Callable[[], bool],
        workers: int,
        health: Callable[[], dict | None] | None = None,
        store: Any = None,
    ):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        # Everything server_close() needs exists before the socket is bound:
        # a busy port makes the base class call it from __init__.
        self.metrics, self.ready, self._factory = metrics, ready, context_factory
        self.health = health  # None, or what is wrong with the process (a stalled worker)
        self.store = store  # None, or the service's StoreHealth
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="entsync-http")
        self._local = threading.local()
        self._contexts: list = []
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:
        self._pool.submit(self._process, request, client_address)

    def _process(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            log.debug("HTTP connection failed", exc_info=True)
        finally:
            self.shutdown_request(request)

    def store_up(self) -> bool:
        """False while the service knows the store to be down."""
        return self.store is None or self.store.up

    def context(self):
        """This worker thread's context, built on first use."""
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            try:
                ctx = self._factory()
            except Exception as exc:
                # Never the message: a connection error may quote the store URL and its password.
                log.warning("HTTP: the store cannot be reached (%s)", type(exc).__name__)
                raise StoreUnavailable() from None
            self._local.ctx = ctx
            with self._lock:
                self._contexts.append(ctx)
        return ctx

    def discard_context(self) -> None:
        ctx = getattr(self._local, "ctx", None)
        self._local.ctx = None
        if ctx is not None:
            with self._lock:
                if ctx in self._contexts:
                    self._contexts.remove(ctx)
            _close(ctx)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=True)
        with self._lock:
            contexts, self._contexts = self._contexts, []
        for ctx in contexts:
            _close(ctx)


def _close(ctx) -> None:
    try:
        ctx.close()
    except Exception:
        log.debug("closing an HTTP worker's context failed", exc_info=True)


class HttpServer:
    """The running server: ``address`` is the bound (host, port); ``close()``
    stops accepting, lets the requests in flight finish and closes the
    workers' contexts."""

    def __init__(self, server: _PooledServer):
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="entsync-http", daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return host, port

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()

    def __enter__(self) -> HttpServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def serve(
    listen: str,
    metrics: Metrics,
    context_factory: Callable[[], Any],
    ready: Callable[[], bool],
    workers: int = WORKERS,
    health: Callable[[], dict | None] | None = None,
    store: Any = None,
) -> HttpServer:
    """Start serving on ``listen`` (``HOST:PORT``; port 0 picks a free one) in
    a background thread. ``health()`` says what is wrong with the process
    (``/healthz`` answers 503 with it), or None. ``store`` is the service's
    StoreHealth (daemon/storehealth.py): while the store is known to be down,
    ``/readyz`` says so, ``/metrics`` answers its counters without reading
    the store, and the API answers 503 at once."""
    host, port = parse_listen(listen)
    try:
        return HttpServer(_PooledServer((host, port), metrics, context_factory, ready, workers, health, store))
    except OSError as exc:
        raise ListenError(
            f"cannot listen on {listen} ({exc.strerror or type(exc).__name__}): another process "
            "holds the port, or the address is not this host's; set listen (ENTSYNC_LISTEN)"
        ) from None
