"""What the HTTP server serves from: the service's metrics, readiness,
health and store health, and a few worker threads that read the store.

Each worker thread builds its own ``Context`` on first use and keeps it (a
context per request would take the store's write lock to create tables that
already exist); the workers bound how many reads run on the store at once,
whatever the number of clients. Reads never write: no catch-up, no
command.

The admin actions (daemon/http/writes.py) run one at a time on a writer
thread of their own, with its own context, as the CLI's commands run: only
when nothing else holds the store. Busy is answered at once (``Busy``, a
503 with ``Retry-After``) rather than waited for: the service's lock held
by its inbox or scheduler (``lock``), the store's write lock held by another
process (SQLite's, or the event store's table lock on PostgreSQL, probed
with a short wait), or an interrupted import the ingest must finish first.
Another process may take the store between the probe and the action's save:
the service builds the workers' contexts with a short wait for the store's
write lock (``WRITE_LOCK_WAIT_S``), after which the save fails and is
answered busy as well.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from daemon.http.errors import ApiError, Busy, Failed, StoreUnavailable
from daemon.observability.metrics import Metrics
from projections.db import outage

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

WORKERS = 4
EVENTS_TABLE = "entsync_events"  # eventsourcing's on PostgreSQL: the application's name, then _events
BUSY_WAIT_MS = 1000  # a write waits this long for SQLite's lock once the probe found it free
# The probe waits this long: a short write of this process (the access audit's row, another
# connection's brief save) ends within it; an ingest holding the store does not, and is busy.
PROBE_WAIT_MS = 250
# A save's wait for the event store's lock (daemon/service/run.py http_context), in whole
# seconds as eventsourcing takes it. On PostgreSQL eventsourcing tries a save ten times, 0.2 s
# apart, each waiting this long: a write taken between its probe and its save is answered
# busy after about 12 s there, 1 s on SQLite.
WRITE_LOCK_WAIT_S = 1
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
    lock: Any = None  # the service's lock on its units of work (daemon/service/run.py), if any
    _pool: ThreadPoolExecutor = field(init=False, repr=False)
    _local: threading.local = field(init=False, repr=False, default_factory=threading.local)
    _contexts: list = field(init=False, repr=False, default_factory=list)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _closers: list[Callable[[], None]] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="entsync-http")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="entsync-http-write")

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

    def write(self, action: Callable[..., T], /, **params: Any) -> T:
        """``action(context, **params)`` on the writer thread, once nothing
        else holds the store; ``Busy`` if something does. A refusal of the
        use case is raised as it is (the route answers it)."""
        if not self.store_up():
            raise StoreUnavailable()
        return self._writer.submit(self._write, action, params).result()

    def _write(self, action: Callable[..., T], params: dict[str, Any]) -> T:
        ctx = self.context()
        if self.lock is not None and not self.lock.acquire(blocking=False):
            raise Busy("store_busy")
        try:
            _probe(ctx)
            return action(ctx, **params)
        except (ApiError, Busy):
            raise
        except Exception as exc:
            busy = busy_kind(exc)
            if busy:
                _rollback(ctx)
                raise Busy(busy) from None
            if refusal(exc):
                raise
            self.discard_context()
            log.debug("HTTP write failed", exc_info=True)
            raise Failed(type(exc).__name__, bool(outage(exc))) from None
        finally:
            if self.lock is not None:
                self.lock.release()

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
            db = getattr(ctx, "db", None)  # a context without a store: the tests' stand-ins for a stalled read
            if db is not None and db.dialect == "sqlite":  # SQLite waits 60 s for a held lock; the probe looked already
                db.execute(f"PRAGMA busy_timeout = {BUSY_WAIT_MS}")
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
        self._writer.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            contexts, self._contexts = self._contexts, []
        for ctx in contexts:
            _close(ctx)


def _close(ctx: Any) -> None:
    try:
        ctx.close()
    except Exception:
        log.debug("closing an HTTP worker's context failed", exc_info=True)


def refusal(exc: BaseException) -> bool:
    """A use case's "no" (a rule, a state, a sub-key it does not know), not a failure."""
    return isinstance(exc, ValueError | LookupError) or type(exc).__name__ in ("TransitionRefused", "TimeWentBackwards")


def busy_kind(exc: BaseException) -> str | None:
    """Why ``exc`` means "not now" rather than "wrong": the store's write
    lock held elsewhere, or an interrupted import to finish first."""
    name = type(exc).__name__
    if name in ("IngestRefused", "ImportInterrupted"):
        return "interrupted_import_first"
    if name == "LockNotAvailable" or (name == "OperationalError" and "locked" in str(exc)):
        return "store_busy"
    cause = exc.__cause__ or exc.__context__
    return busy_kind(cause) if cause is not None and cause is not exc else None


def _probe(ctx: Any) -> None:
    """Raise ``Busy`` if another connection holds the store's write lock
    longer than ``PROBE_WAIT_MS``: SQLite's (a write transaction), or the event
    store's table lock on PostgreSQL (eventsourcing takes it to record)."""
    db = ctx.db
    if db.dialect == "sqlite":
        db.execute(f"PRAGMA busy_timeout = {PROBE_WAIT_MS}")
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except Exception as exc:
            if busy_kind(exc):
                raise Busy("store_busy") from None
            raise
        finally:
            db.execute(f"PRAGMA busy_timeout = {BUSY_WAIT_MS}")
        return
    with db.transaction():
        try:
            db.execute(f"SET LOCAL lock_timeout = '{PROBE_WAIT_MS}ms'")
            db.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
        except Exception as exc:
            if busy_kind(exc):
                raise Busy("store_busy") from None
            raise


def _rollback(ctx: Any) -> None:
    try:
        if ctx.db.dialect == "sqlite":
            ctx.db.execute("ROLLBACK")
    except Exception:
        pass  # no transaction was open
