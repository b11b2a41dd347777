"""The inbox: deliveries dropped in a directory, picked up once they are
complete (daemon/service/watcher.py), recognised by content and ingested
(daemon/service/dispatch.py) in arrival order, and moved to ``processed/``
or ``rejected/`` with their report beside them (daemon/service/outcome.py;
issue 4).

One worker thread processes the ready items one at a time, in arrival order:
so one at a time per UAI, too. An item that an outage stopped (store
unreachable, another delivery to finish first) stays in the inbox and is
tried again later; an item the service cannot read is set aside in
``rejected/`` with a reason code; the worker never stops on bad input.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from uuid import UUID

from adapters.sniff import kind_of
from daemon.bootstrap import Context
from daemon.observability.logs import event
from daemon.service import archive
from daemon.service.dispatch import SOURCES, Retry, process
from daemon.service.outcome import Outcome, file_away
from daemon.service.storehealth import StoreHealth
from daemon.service.watcher import MAX_BACKOFF, PROCESSED, REJECTED, Watcher
from events.clock import Clock
from projections.db import outage
from projections.directory_erasure import erased_before

log = logging.getLogger("entsync.inbox")

# An item that met a store outage is tried again this often, not after a
# growing delay: it is the store's fault, and the item must go through within
# seconds of the store's return.
STORE_RETRY_SECONDS = 2.0


class Inbox:
    """Watches ``root`` and processes its ready items on one worker thread.

    ``lock`` serialises every unit of work on ``ctx`` (the scheduler's jobs
    take it too). ``on_outcome(outcome, seconds)`` is told of each item
    finished (metrics); ``after_item()`` runs after each (the scheduler
    re-arms its timer: an ingest may bring new due instants)."""

    def __init__(
        self,
        root: str | Path,
        ctx: Context,
        lock: threading.RLock,
        *,
        quiet_seconds: float,
        poll_seconds: float = 1.0,
        on_outcome: Callable[[Outcome, float], None] | None = None,
        after_item: Callable[[], object] | None = None,
        clock: Clock,
        store_health: StoreHealth | None = None,
    ):
        self.root = Path(root).resolve()
        self.ctx, self.lock = ctx, lock
        self.poll_seconds = poll_seconds
        self.watcher = Watcher(self.root, quiet_seconds, clock)
        self.on_outcome, self.after_item = on_outcome, after_item
        self.store_health = store_health  # told of the outages items meet (daemon/service/storehealth.py)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.busy: str | None = None  # the item being processed, for the shutdown log
        self.clock = clock
        self.busy_since: float | None = None  # monotonic: when the current item was taken
        # Wall time the inbox last moved: an item finished, or a look found
        # nothing ready. A stalled worker stops moving it (/healthz, metrics).
        self.last_progress = self.clock.wall()
        for sub in (PROCESSED, REJECTED):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._expired_before: datetime | None = None  # the archive's last cut-off (daemon/service/archive.py)

    # -- lifecycle
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="inbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the worker to stop after the current item; True once it has."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive() and self.busy is None:
            self._thread.join(5)  # between two items: it is on its way out
        return not self._thread.is_alive()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stalled(self, bound_seconds: float) -> float | None:
        """How long the current item has been in hand, when longer than
        ``bound_seconds`` (no progress on it); None otherwise."""
        since = self.busy_since
        if since is None:
            return None
        held = self.clock.monotonic() - since
        return held if held > bound_seconds else None

    def _run(self) -> None:
        event(log, "inbox.started", inbox=str(self.root), quiet_seconds=self.watcher.quiet)
        try:
            try:
                self.resume()
            except Exception:  # the store is not there yet: the items stay, the loop retries them
                event(log, "inbox.resume_failed", logging.ERROR, exc_info=True)
            while not self._stop.is_set():
                try:
                    self.run_once()
                    self.last_progress = self.clock.wall()
                except Exception:  # the inbox itself (not an item) failed: say so, look again later
                    event(log, "inbox.poll_failed", logging.ERROR, exc_info=True)
                self._stop.wait(self.poll_seconds)
        except BaseException:
            event(log, "inbox.crashed", logging.CRITICAL, exc_info=True)
            raise
        event(log, "inbox.stopped")

    # -- work
    def resume(self) -> int:
        """Items whose ingest a crash interrupted, first: they were ready
        before, and nothing else can be applied until they are finished."""
        done = 0
        for path in self._interrupted():
            if self._stop.is_set():
                break
            event(log, "inbox.resuming", item=path.name)
            self.watcher.poll()
            done += self.handle(path)
        return done

    def _interrupted(self) -> list[Path]:
        with self.lock:
            sources = [i.source for i in self.ctx.staging.interrupted()]
            try:
                rows = self.ctx.siecle_queries.received_imports()
            except Exception:  # the SIECLE read model not created yet
                rows = []
            for row in rows:
                imp = self.ctx.log.find(UUID(row.import_id))
                if getattr(imp, "status", "") == "applying":
                    sources.append(getattr(imp, "source", ""))
        out = []
        for source in sources:
            path = Path(source)
            if path.exists() and path.resolve().parent == self.root:
                out.append(path)
        return out

    def run_once(self) -> int:
        """Process every item ready now, in arrival order; how many were finished."""
        self.expire()
        done = 0
        for path in self.watcher.poll():
            if self._stop.is_set():
                break
            done += self.handle(path)
        return done

    def expire(self) -> int:
        """The archive's items that may name an erased person deleted
        (daemon/service/archive.py), once each time an erasure moves the
        cut-off; how many."""
        try:
            with self.lock:
                before = erased_before(self.ctx.db)
        except Exception as exc:
            if outage(exc):
                return 0  # the items' own processing says the outage
            raise
        if before is None or before == self._expired_before:
            return 0
        n = archive.expire(self.root, before)
        self._expired_before = before
        return n

    def handle(self, path: Path) -> int:
        name = path.name
        self.busy = name
        self.busy_since = started = self.clock.monotonic()
        event(log, "inbox.processing", item=name)
        try:
            with self.lock:
                try:
                    outcome = process(path, self.ctx)
                except Retry:
                    raise
                except Exception as exc:
                    if outage(exc):
                        raise Retry("store_unavailable", outage(exc) or "") from None
                    if self._interrupted_here(path):
                        raise Retry("interrupted", type(exc).__name__) from None
                    event(log, "inbox.failed", logging.ERROR, exc_info=True, item=name)
                    outcome = Outcome(
                        SOURCES.get(_safe_kind(path), "unknown"),
                        _safe_kind(path),
                        "rejected",
                        "processing_error",
                        report={
                            "status": "rejected",
                            "reason": "processing_error",
                            "message": f"the service could not process this item ({type(exc).__name__}); "
                            "see the service log",
                        },
                    )
                seconds = self.clock.monotonic() - started
                try:
                    self._finish(path, outcome, seconds)
                except OSError as exc:
                    raise Retry("cannot_move", type(exc).__name__) from None
                except Exception as exc:
                    if outage(exc):  # the report reads the read model
                        raise Retry("store_unavailable", outage(exc) or "") from None
                    raise
        except Retry as exc:
            outage_now = exc.reason == "store_unavailable"
            if outage_now and self.store_health is not None:
                self.store_health.failed(exc.detail, "inbox")
            delay = self.watcher.later(name, STORE_RETRY_SECONDS if outage_now else MAX_BACKOFF)
            event(
                log,
                "inbox.retry_later",
                logging.WARNING,
                item=name,
                reason=exc.reason,
                detail=exc.detail,
                retry_in_seconds=round(delay, 1),
            )
            return 0
        finally:
            self.busy = None
            self.busy_since = None
        self.last_progress = self.clock.wall()
        if self.store_health is not None:
            self.store_health.answered()
        if self.on_outcome:
            try:
                self.on_outcome(outcome, seconds)
            except Exception:
                event(log, "inbox.observer_failed", logging.ERROR, exc_info=True, item=name)
        if self.after_item:
            try:
                self.after_item()
            except Exception:
                event(log, "inbox.after_item_failed", logging.ERROR, exc_info=True, item=name)
        return 1

    def _interrupted_here(self, path: Path) -> bool:
        try:
            return any(i.source == str(path) for i in self.ctx.staging.interrupted())
        except Exception:
            return True  # the store itself fails: an outage, try again later

    def _finish(self, path: Path, outcome: Outcome, seconds: float) -> None:
        """The outcome files written and the item moved (daemon/service/outcome.py),
        then its markers and its watch dropped."""
        dest_dir = self.root / (PROCESSED if outcome.accepted else REJECTED)
        target = file_away(path, dest_dir, outcome, seconds, self.ctx.clock)
        for marker in self.watcher.markers(path.name):
            marker.unlink(missing_ok=True)
        self.watcher.forget(path.name)
        event(
            log,
            "inbox.processed" if outcome.accepted else "inbox.rejected",
            logging.INFO if outcome.accepted else logging.WARNING,
            item=path.name,
            moved_to=f"{dest_dir.name}/{target.name}",
            kind=outcome.kind,
            source=outcome.source,
            outcome=outcome.outcome,
            reason=outcome.reason,
            uai=outcome.uai,
            id=outcome.report.get("delivery_id") or outcome.report.get("import_id") or "",
            records_rejected=sum(outcome.rejected_records.values()),
            seconds=round(seconds, 3),
        )


def _safe_kind(path: Path) -> str:
    try:
        return kind_of(path)
    except Exception:
        return "unknown"
