"""The inbox: deliveries dropped in a directory, picked up once they are
complete, recognised by content, ingested in arrival order and moved to
``processed/`` or ``rejected/`` with their report beside them (issue 4).

An item is a top-level file (zip, tgz, xml) or a directory of AAF part files.
It is *ready* when it has not changed (sizes, mtimes, names) for the quiet
period, or when a completion marker ``<name>.done`` / ``<name>.ready`` newer
than its content exists — and, for an AAF part set, no part is missing below
the highest one (else it waits for the quiet period, then the ingest holds it
as incomplete, domain-rules §11). Nothing waits on a fixed sleep: the watcher
compares what it sees from one look to the next.

One worker thread processes the ready items one at a time, in arrival order:
so one at a time per UAI, too. An item that an outage stopped (store
unreachable, another delivery to finish first) stays in the inbox and is
tried again later; an item the service cannot read is set aside in
``rejected/`` with a reason code; the worker never stops on bad input.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import stat
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from adapters.aaf.files import NAME_RE
from adapters.sniff import kind_of
from adapters.timetable.files import KINDS as TIMETABLE_KINDS
from daemon.bootstrap import Context, TimeWentBackwards
from daemon.observability.logs import event
from daemon.service.storehealth import StoreHealth
from events.clock import Clock
from events.timetable.labels import bilan_title, report_text
from events.usecases.aaf_ingest import ingest
from events.usecases.aaf_result import IngestRefused
from events.usecases.formats import not_importable
from events.usecases.siecle_import import ImportInterrupted, ingest_siecle
from events.usecases.timetable_receive import receive
from events.usecases.timetable_work import ImportRefused
from projections import import_queries
from projections.db import outage

log = logging.getLogger("entsync.inbox")

PROCESSED, REJECTED = "processed", "rejected"
MARKERS = (".done", ".ready")
# Names a writer uses while a file is incomplete (scp, WinSCP, browsers…).
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload")
SOURCES = {
    "aaf": "aaf",
    "siecle-eleves": "siecle",
    "siecle-responsables": "siecle",
    "siecle-nomenclatures": "siecle",
    "sts": "sts",
    "edt-sts": "sts",
    "timetable-edt": "timetable",
}
_PER_ETAB = re.compile(r"^ENT_(?P<uai>\d{7}[A-Z])$")
MAX_BACKOFF = 300.0
# An item that met a store outage is tried again this often, not after a
# growing delay: it is the store's fault, and the item must go through within
# seconds of the store's return.
STORE_RETRY_SECONDS = 2.0


class Retry(Exception):
    """Not now: the store is unreachable, or another delivery must be finished
    first. The item stays in the inbox and is tried again (an outage, not a
    bad delivery)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


# ---------------------------------------------------------------------------- readiness


@dataclass
class _Seen:
    seq: int
    signature: tuple
    changed_at: float
    retry_at: float = 0.0
    failures: int = 0


def signature(path: Path) -> tuple:
    """What changes while an item is being written: names, sizes, mtimes. A
    link is not followed (lstat), a FIFO not opened (adapters/items.py)."""
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        return (("", st.st_size, st.st_mtime_ns),)
    out = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                fst = os.stat(full)
            except FileNotFoundError:
                continue
            out.append((os.path.relpath(full, path), fst.st_size, fst.st_mtime_ns))
    return tuple(out)


def missing_parts(names: Iterable[str]) -> dict[str, list[int]]:
    """AAF part numbers absent below the highest of each category, by name only
    (cheap: the ingest reads the content; formats §1)."""
    parts: dict[str, set[int]] = {}
    for name in names:
        m = NAME_RE.match(name.rsplit("/", 1)[-1])
        if m:
            parts.setdefault(m.group("category"), set()).add(int(m.group("part")))
    return {
        cat: gaps
        for cat, numbers in parts.items()
        if (gaps := [n for n in range(max(numbers) + 1) if n not in numbers])
    }


class Watcher:
    """Which items of the inbox are ready, in arrival order.

    Arrival order is the order in which the watcher first saw each item
    (items already there at start: by modification time, then name)."""

    def __init__(self, root: Path, quiet_seconds: float, clock: Clock):
        self.root = Path(root)
        self.quiet = quiet_seconds
        self.clock = clock  # its monotonic reading: the quiet period and the retries
        self._seen: dict[str, _Seen] = {}
        self._seq = 0

    def _entries(self) -> dict[str, Path]:
        out = {}
        try:
            it = list(os.scandir(self.root))
        except FileNotFoundError:
            return out
        for entry in it:
            name = entry.name
            if (
                name.startswith(".")
                or name in (PROCESSED, REJECTED)
                or name.endswith(MARKERS)
                or name.lower().endswith(PARTIAL_SUFFIXES)
            ):
                continue
            out[name] = Path(entry.path)
        return out

    def _marker(self, name: str) -> Path | None:
        for suffix in MARKERS:
            marker = self.root / f"{name}{suffix}"
            if marker.exists():
                return marker
        return None

    def markers(self, name: str) -> list[Path]:
        return [self.root / f"{name}{s}" for s in MARKERS if (self.root / f"{name}{s}").exists()]

    def poll(self) -> list[Path]:
        """Look at the inbox once; the ready items in arrival order."""
        now = self.clock.monotonic()
        entries = self._entries()
        for name in set(self._seen) - set(entries):
            del self._seen[name]  # moved away or deleted by someone
        fresh = []
        for name, path in entries.items():
            try:
                sig = signature(path)
                mtime = path.stat().st_mtime_ns
            except OSError:
                continue  # vanished between the listing and the look
            seen = self._seen.get(name)
            if seen is None:
                fresh.append((mtime, name, sig))
            elif sig != seen.signature:
                seen.signature, seen.changed_at = sig, now
        for _, name, sig in sorted(fresh):
            self._seq += 1
            self._seen[name] = _Seen(self._seq, sig, now)
        ready = []
        for name, seen in sorted(self._seen.items(), key=lambda kv: kv[1].seq):
            if self._ready(name, seen, now):
                ready.append(entries[name])
        return ready

    def _ready(self, name: str, seen: _Seen, now: float) -> bool:
        if seen.retry_at > now or not seen.signature:  # waiting to retry, or an empty directory
            return False
        path = self.root / name
        marker = self._marker(name)
        if marker is not None:
            try:
                marked = marker.stat().st_mtime_ns >= max(m for _, _, m in seen.signature)
            except OSError:
                marked = False
            if marked and not (path.is_dir() and missing_parts(n for n, _, _ in seen.signature)):
                return True
        return now - seen.changed_at >= self.quiet

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)

    def later(self, name: str, cap: float = MAX_BACKOFF) -> float:
        """Try this item again after a growing delay, at most ``cap``; returns the delay."""
        seen = self._seen.get(name)
        if seen is None:
            return 0.0
        seen.failures += 1
        delay = min(cap, MAX_BACKOFF, max(1.0, self.quiet) * 2 ** (seen.failures - 1))
        seen.retry_at = self.clock.monotonic() + delay
        return delay


# ---------------------------------------------------------------------------- processing


@dataclass
class Outcome:
    """What became of one inbox item."""

    source: str  # aaf | siecle | sts | timetable | unknown (the metrics' source label)
    kind: str  # what adapters/sniff.py recognised
    outcome: str  # applied | applied_with_rejections | held | awaiting_validation | rejected | duplicate
    reason: str = ""
    uai: str = ""
    report: dict = field(default_factory=dict)
    bilan: str | None = None  # the French report of a timetable import
    rejected_records: Counter = field(default_factory=Counter)

    @property
    def accepted(self) -> bool:
        return self.outcome in ("applied", "applied_with_rejections", "held", "awaiting_validation")


def _applied(rejections: list) -> str:
    return "applied_with_rejections" if rejections else "applied"


def process(path: Path, ctx: Context) -> Outcome:
    """Recognise ``path`` by its content and hand it to its pipeline.

    Raises Retry for what is not the item's fault; anything else the
    pipelines raise is the caller's to set aside."""
    kind = kind_of(path)
    try:
        if kind == "aaf":
            return _aaf(path, ctx)
        if kind in ("siecle-eleves", "siecle-responsables"):
            return _siecle(path, ctx, kind)
        if kind in TIMETABLE_KINDS:
            return _timetable(path, ctx, kind)
    except (IngestRefused, ImportInterrupted) as exc:
        raise Retry("interrupted_import_first", str(exc)) from None
    except TimeWentBackwards as exc:
        raise Retry("time_went_backwards", str(exc)) from None
    except sqlite3.OperationalError as exc:
        raise Retry("store_unavailable", type(exc).__name__) from None
    except Exception as exc:
        line = outage(exc)
        if line:
            raise Retry("store_unavailable", line) from None
        raise
    # Not an export the service imports: the same answer as `entsync ingest`
    # (events/usecases/formats.py), nothing recorded.
    refused = not_importable(path, kind)
    return Outcome(
        refused.source,
        kind,
        "rejected",
        refused.reason,
        report={"status": "rejected", "reason": refused.reason, "message": refused.message},
    )


def _aaf(path: Path, ctx: Context) -> Outcome:
    result = ingest(str(path), ctx)
    delivery = ctx.log.find(UUID(result.delivery_id))
    prefix = getattr(delivery, "prefix", "") or ""
    m = _PER_ETAB.match(prefix)
    uai = m.group("uai") if m else ""
    report = {
        "delivery_id": result.delivery_id,
        "status": result.status,
        "reason": result.reason,
        "message": result.message,
        "counts": result.counts,
        "rejections": [r.__dict__ for r in result.rejections],
    }
    records = Counter(r.reason for r in result.rejections)
    status = result.status
    if status.startswith("already-"):
        before = status.removeprefix("already-")
        if getattr(delivery, "source", None) == str(path) and before in ("applied", "held"):
            # This very item, finished before a crash and not yet moved: its
            # outcome was never reported.
            report["resumed"] = True
            return Outcome(
                "aaf",
                "aaf",
                "applied" if before == "applied" else "held",
                result.reason if before == "held" else "",
                uai,
                report,
                None,
                Counter(),
            )
        if before == "rejected" and getattr(delivery, "source", None) == str(path):
            return Outcome("aaf", "aaf", "rejected", result.reason, uai, report)
        report["reason"] = "duplicate_file"
        return Outcome("aaf", "aaf", "duplicate", "duplicate_file", uai, report)
    if status == "applied":
        return Outcome("aaf", "aaf", _applied(result.rejections), "", uai, report, None, records)
    if status == "held":
        return Outcome("aaf", "aaf", "held", result.reason, uai, report, None, records)
    return Outcome("aaf", "aaf", "rejected", result.reason, uai, report, None, records)


def _siecle(path: Path, ctx: Context, kind: str) -> Outcome:
    result = ingest_siecle(path, ctx)
    report = {
        "import_id": result.import_id,
        "status": result.status,
        "reason": result.reason,
        "message": result.message,
        "uai": result.uai,
        "kind": result.kind,
        "counts": result.counts,
        "rejections": [r.__dict__ for r in result.rejections],
    }
    records = Counter(r.reason for r in result.rejections)
    if result.status == "applied":
        return Outcome("siecle", kind, _applied(result.rejections), "", result.uai, report, None, records)
    outcome = "duplicate" if result.reason == "duplicate_file" else "rejected"
    return Outcome("siecle", kind, outcome, result.reason, result.uai, report, None, records)


def _timetable(path: Path, ctx: Context, kind: str) -> Outcome:
    try:
        result = receive(path, ctx)
    except ImportRefused:
        return Outcome(
            SOURCES[kind],
            kind,
            "rejected",
            "unreadable_file",
            report={"status": "rejected", "reason": "unreadable_file", "message": "cannot read the file"},
        )
    source = "sts" if kind in ("sts", "edt-sts") else "timetable"
    report = result.as_dict()
    if result.status == "applied":
        outcome, reason = "applied", ""
    elif result.status == "awaiting_validation":
        outcome, reason = "awaiting_validation", ""
    elif result.reason == "duplicate_file":
        outcome, reason = "duplicate", "duplicate_file"
    else:
        outcome, reason = "rejected", result.reason
    row = import_queries.detail(ctx.db, result.import_id)
    return Outcome(source, kind, outcome, reason, result.uai, report, _bilan(row, ctx.policy.timezone) if row else None)


def _when(iso: str | None, tz: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y à %H:%M") if iso else ""


def _bilan(row: dict, tz: str) -> str:
    """The establishment's report (bilan, seed 004) in French: counts and
    codes, no person named."""
    title = bilan_title(row["status"])
    head = [
        f"Établissement : {row['uai'] or '(inconnu)'}",
        f"Fichier : {row['file']}",
        f"Reçu le : {_when(row['received_at'], tz)}",
        f"Statut : {row['label']}",
    ]
    body = report_text(title, dict(row["report"])) if row["report"] else title
    return body + "\n\n" + "\n".join(head) + "\n"


# ---------------------------------------------------------------------------- the worker


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
        lock: threading.Lock,
        *,
        quiet_seconds: float,
        poll_seconds: float = 1.0,
        on_outcome: Callable[[Outcome, float], None] | None = None,
        after_item: Callable[[], None] | None = None,
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
        done = 0
        for path in self.watcher.poll():
            if self._stop.is_set():
                break
            done += self.handle(path)
        return done

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
        """Report beside the item, then the item moved: a crash in between
        leaves the item in the inbox (processed again: nothing lost) and at
        most a hidden temporary report."""
        dest_dir = self.root / (PROCESSED if outcome.accepted else REJECTED)
        stamp = self.ctx.clock.now().strftime("%Y%m%dT%H%M%SZ")
        target = dest_dir / f"{stamp}-{path.name}"
        n = 1
        while target.exists() or Path(f"{target}.report.json").exists():
            n += 1
            target = dest_dir / f"{stamp}-{n}-{path.name}"
        report = {
            "item": path.name,
            "kind": outcome.kind,
            "source": outcome.source,
            "outcome": outcome.outcome,
            "reason": outcome.reason,
            "uai": outcome.uai,
            "seconds": round(seconds, 3),
            "finished_at": self.ctx.clock.now().isoformat(),
            "moved_to": f"{dest_dir.name}/{target.name}",
            **{k: v for k, v in outcome.report.items() if k not in ("item", "kind", "source", "outcome")},
        }
        writes = [(Path(f"{target}.report.json"), json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")]
        if outcome.bilan is not None:
            writes.append((Path(f"{target}.report.txt"), outcome.bilan))
        temps = []
        for final, text in writes:
            tmp = final.with_name(f".{final.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            temps.append((tmp, final))
        os.rename(path, target)
        for tmp, final in temps:
            os.replace(tmp, final)
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
