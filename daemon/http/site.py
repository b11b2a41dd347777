"""What the HTTP server serves from: the service's metrics, readiness,
health and store health, and a few worker threads that read the store.

Each worker thread builds its own ``Context`` on first use and keeps it (a
context per request would take the store's write lock to create tables that
already exist); the workers bound how many reads run on the store at once,
whatever the number of clients. The server never writes: no catch-up, no
command.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from daemon.http.errors import ApiError, Failed, StoreUnavailable
from daemon.observability.metrics import Metrics
from projections.db import outage

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

WORKERS = 4
T = TypeVar("T")


@dataclass
class Site:
    """``ready()`` says whether /readyz answers 200; ``health()`` what is
    wrong with the process (/healthz answers 503 with it), or None;
    ``store`` is the service's StoreHealth (daemon/service/storehealth.py),
    or None."""

    metrics: Metrics
    context_factory: Callable[[], Any]
    ready: Callable[[], bool]
    health: Callable[[], dict | None] | None = None
    store: Any = None
    workers: int = WORKERS
    _pool: ThreadPoolExecutor = field(init=False, repr=False)
    _local: threading.local = field(init=False, repr=False, default_factory=threading.local)
    _contexts: list = field(init=False, repr=False, default_factory=list)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _closers: list[Callable[[], None]] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="entsync-http")

    def store_up(self) -> bool:
        """False while the service knows the store to be down."""
        return self.store is None or self.store.up

    def read(self, reader: Callable[..., T], /, **params: Any) -> T:
        """``reader(context, **params)`` on a worker thread with its context.
        An ``ApiError`` is the answer; the store unreachable is
        ``StoreUnavailable``; any other failure discards the worker's context
        (a broken connection is not kept) and is ``Failed``."""
        if not self.store_up():
            raise StoreUnavailable()
        return self._pool.submit(self._read, reader, params).result()

    def _read(self, reader: Callable[..., T], params: dict[str, Any]) -> T:
        ctx = self.context()
        try:
            return reader(ctx, **params)
        except ApiError:
            raise
        except Exception as exc:
            self.discard_context()
            log.debug("HTTP read failed", exc_info=True)
            raise Failed(type(exc).__name__, bool(outage(exc))) from None

    def refresh_gauges(self) -> None:
        """Before an exposition: the gauges read from the store, or, when it
        cannot be read, withdrawn (the counters still answer)."""
        metrics = self.metrics
        try:
            self.read(metrics.refresh)
        except StoreUnavailable:
            metrics.withdraw_gauges()
        except Failed as exc:  # refresh() counted the failure and withdrew the gauges
            log.error("reading the gauges failed (%s); exposing the counters only", exc.kind)

    def context(self) -> Any:
        """This worker thread's context, built on first use."""
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            try:
                ctx = self.context_factory()
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

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run ``closer`` when the site closes (the access audit's writer)."""
        self._closers.append(closer)

    def close(self) -> None:
        """Lets the reads in flight finish, then closes the workers' contexts."""
        for closer in self._closers:
            closer()
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            contexts, self._contexts = self._contexts, []
        for ctx in contexts:
            _close(ctx)


def _close(ctx: Any) -> None:
    try:
        ctx.close()
    except Exception:
        log.debug("closing an HTTP worker's context failed", exc_info=True)
