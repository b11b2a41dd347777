"""The daemon's HTTP server: ``/metrics``, ``/healthz``, ``/readyz`` and a
read-only JSON API over the read models (documented in OpenAPI 3.1 at
``/api/v1/openapi.json``, see daemon/http/openapi.py): its lifecycle, its
workers and their contexts. What a request gets is daemon/http/handler.py;
the API's routes are daemon/http/routes.py.

The standard library's server is enough for a loopback endpoint scraped every
few seconds. Requests run on a small pool of worker threads; each worker
builds its own ``Context`` on first use and keeps it (SQLite connections
belong to one thread, and building one per request would take the store's
write lock to create tables that already exist). The server never writes:
no catch-up, no command.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import HTTPServer
from typing import Any

from daemon.config import listen_address
from daemon.http.handler import Handler, StoreUnavailable
from daemon.observability.metrics import Metrics

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

WORKERS = 4


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) → (host, port); the
    configuration's own parser, so both accept the same addresses."""
    return listen_address(listen)


class ListenError(Exception):
    """The server cannot listen where the configuration says (a busy port)."""


class PooledServer(HTTPServer):
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
        super().__init__(address, Handler)

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

    def __init__(self, server: PooledServer):
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
    StoreHealth (daemon/service/storehealth.py): while the store is known to be down,
    ``/readyz`` says so, ``/metrics`` answers its counters without reading
    the store, and the API answers 503 at once."""
    host, port = parse_listen(listen)
    try:
        return HttpServer(PooledServer((host, port), metrics, context_factory, ready, workers, health, store))
    except OSError as exc:
        raise ListenError(
            f"cannot listen on {listen} ({exc.strerror or type(exc).__name__}): another process "
            "holds the port, or the address is not this host's; set listen (ENTSYNC_LISTEN)"
        ) from None
