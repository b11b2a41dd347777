"""The daemon's HTTP server: ``/metrics``, ``/healthz``, ``/readyz`` and a
JSON API over the read models and the admin actions, documented in OpenAPI 3.1 at
``/api/v1/openapi.json`` — the FastAPI application of daemon/http/app.py on
uvicorn, in a thread of the daemon's process with its own event loop.

The socket is bound here, before the server starts: a busy port is a
``ListenError`` at once, and port 0 gives the port the system chose. A
request must arrive within ``request_timeout`` seconds
(daemon/http/protocol.py), its headers are bounded (16 KiB) and its body too
(``max_body``, daemon/http/guards.py). ``close()`` stops accepting, closes
idle and half-sent connections, lets the requests being answered finish (a
few seconds at most) and closes the workers' contexts.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from daemon.config import listen_address
from daemon.http.app import create_app
from daemon.http.guards import MAX_BODY_BYTES
from daemon.http.protocol import REQUEST_TIMEOUT_SECONDS, with_deadline
from daemon.http.site import WORKERS, Site
from daemon.http.throttle import FAILURE_LIMIT
from daemon.observability.metrics import Metrics

MAX_HEADER_BYTES = 16 * 1024
GRACE_SECONDS = 3.0  # requests being answered at close; SIGTERM must stop the daemon in seconds
STARTUP_SECONDS = 10.0


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) → (host, port); the
    configuration's own parser, so both accept the same addresses."""
    return listen_address(listen)


class ListenError(Exception):
    """The server cannot listen where the configuration says (a busy port)."""


class HttpServer:
    """The running server: ``address`` is the bound (host, port)."""

    def __init__(self, sock: socket.socket, site: Site, request_timeout: float, max_body: int, failure_limit: int):
        self._sock, self._site = sock, site
        config = uvicorn.Config(
            create_app(site, max_body, failure_limit),
            http=with_deadline(request_timeout),
            loop="asyncio",
            ws="none",
            lifespan="off",
            log_config=None,  # the daemon's logging (daemon/observability/logs.py) writes uvicorn's records
            log_level="warning",
            access_log=False,  # the guard logs each request by its route, never by its path
            proxy_headers=False,
            server_header=False,
            headers=[("server", "entsync")],
            timeout_keep_alive=max(1, int(request_timeout)),
            timeout_graceful_shutdown=int(GRACE_SECONDS),
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        )
        self._server = uvicorn.Server(config)
        self._address = sock.getsockname()[:2]
        self._thread = threading.Thread(target=self._run, name="entsync-http", daemon=True)
        self._failed: BaseException | None = None
        self._closed = False
        self._thread.start()
        waited = 0.0
        while not self._server.started and self._thread.is_alive() and waited < STARTUP_SECONDS:
            time.sleep(0.01)  # uvicorn says it started with a flag only
            waited += 0.01
        if not self._server.started:
            self.close()
            raise RuntimeError(f"the HTTP server did not start ({type(self._failed).__name__})")

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # noqa: B036 - uvicorn ends a failed start with SystemExit
            self._failed = exc

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._address
        return host, port

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.should_exit = True
        self._thread.join(GRACE_SECONDS + 5)
        self._sock.close()
        self._site.close()

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
    *,
    request_timeout: float = REQUEST_TIMEOUT_SECONDS,
    max_body: int = MAX_BODY_BYTES,
    failure_limit: int = FAILURE_LIMIT,
    lock: Any = None,
) -> HttpServer:
    """Start serving on ``listen`` (``HOST:PORT``; port 0 picks a free one) in
    a background thread. ``health()`` says what is wrong with the process
    (``/healthz`` answers 503 with it), or None. ``store`` is the service's
    StoreHealth (daemon/service/storehealth.py): while the store is known to be down,
    ``/readyz`` says so, ``/metrics`` answers its counters without reading
    the store, and the API answers 503 at once. ``failure_limit`` wrong
    tokens from one address within a minute make it wait (429,
    daemon/http/throttle.py). ``lock`` is the service's lock on its units
    of work: an admin action that finds it held is answered 503 at once."""
    host, port = parse_listen(listen)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ListenError(
            f"cannot listen on {listen} ({exc.strerror or type(exc).__name__}): another process "
            "holds the port, or the address is not this host's; set listen (ENTSYNC_LISTEN)"
        ) from None
    site = Site(metrics, context_factory, ready, health, store, workers, lock)
    return HttpServer(sock, site, request_timeout, max_body, failure_limit)
