"""The daemon's Prometheus metrics, on a registry of their own: what the
service tells them as it works, and the gauges read at scrape time.

Counters and the ingest-duration histogram are fed by the service loop as it
finishes each delivery (``observe_import``); gauges are read from the read
models and the event log when Prometheus scrapes (``refresh``,
daemon/observability/readings.py), so they are right after a restart and
never drift from what the API shows. Every name, help text and label is in
metric_defs.py; how a value becomes a label (bounded cardinality, no person)
is labels.py.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tally
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from daemon.observability import metric_defs as d
from daemon.observability.collectors import ReadModelCollector, StoreCollector
from daemon.observability.labels import UAI, known_uais, outcome_label, outcome_of, reason_label, source_label
from daemon.observability.readings import Reading, read
from events.clock import Clock, SystemClock

log = logging.getLogger("entsync.metrics")  # named by its room, not its module: stable when modules move


class Metrics:
    """The daemon's metrics, on ``registry`` (a fresh one by default: never
    the process-wide default registry, so tests and several daemons in one
    process do not collide)."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        clock: Clock | None = None,
        version: str | None = None,
    ):
        self.registry = registry if registry is not None else CollectorRegistry()
        # Read for the projection lag in seconds only: the machine's clock is a harmless default.
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.reading: Reading | None = None
        self._known: frozenset[str] = frozenset()
        self.imports = _counter(d.IMPORTS, self.registry)
        self.imports_rejected = _counter(d.IMPORTS_REJECTED, self.registry)
        self.records_rejected = _counter(d.RECORDS_REJECTED, self.registry)
        self.fields_set_aside = _counter(d.FIELDS_SET_ASIDE, self.registry)
        self.import_duration = Histogram(
            d.IMPORT_DURATION.name,
            d.IMPORT_DURATION.help,
            d.IMPORT_DURATION.labels,
            buckets=d.DURATION_BUCKETS,
            registry=self.registry,
        )
        self.anomalies = _counter(d.ANOMALY_CHECKS_FAILED, self.registry)
        self.inbox_last_progress = _gauge(d.INBOX_LAST_PROGRESS, self.registry)
        self.inbox_item_seconds = _gauge(d.INBOX_ITEM_SECONDS, self.registry)
        self.scheduler_last_run = _gauge(d.SCHEDULER_LAST_RUN, self.registry)
        self.refresh_failures = _counter(d.REFRESH_FAILURES, self.registry)
        self.api_refusals = _counter(d.API_REFUSALS, self.registry)
        for status, code in d.API_REFUSAL_STATUSES.items():  # at 0 from the start: increase() sees the first one
            self.api_refusals.labels(str(status), code)
        self.api_audit_dropped = _counter(d.API_AUDIT_DROPPED, self.registry)
        if version is None:
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as dist_version

            try:
                version = dist_version("entsync")
            except PackageNotFoundError:
                version = "unknown"
        Info(d.BUILD.name, d.BUILD.help, registry=self.registry).info({"version": version})
        self.registry.register(ReadModelCollector(self))

    # ---- fed by the service loop ----------------------------------------------------
    def observe_import(
        self, source: str, outcome: str, reason: str, uai: str | None, seconds: float, *, ctx: Any = None
    ) -> None:
        """One import finished. source: aaf | siecle | sts | timetable; outcome:
        applied | applied_with_rejections | held | rejected | awaiting_validation |
        duplicate (a delivery seen before: counted as rejected with reason
        ``duplicate_file``). ``ctx`` (optional) lets a UAI the read model learnt
        since the last scrape keep its label."""
        src, out = source_label(source), outcome_label(outcome)
        self.imports.labels(src, out).inc()
        self.import_duration.labels(src).observe(max(0.0, float(seconds)))
        if out in d.REJECTED_OUTCOMES:
            why = d.DUPLICATE_REASON if out == "duplicate" else reason_label(reason)
            self.imports_rejected.labels(src, why, self.uai_label(uai, ctx)).inc()

    def watch_inbox(self, inbox: Any) -> None:
        """The inbox gauges read the worker at scrape time (daemon/service/inbox.py)."""
        self.inbox_last_progress.set_function(lambda: inbox.last_progress)
        self.inbox_item_seconds.set_function(lambda: inbox.stalled(0.0) or 0.0)

    def watch_store(self, health: Any) -> None:
        """The store gauges read the service's StoreHealth at scrape time."""
        self.registry.register(StoreCollector(health))

    def observe_scheduler_run(self, wall: float) -> None:
        """The scheduler completed a check at ``wall`` (Unix time)."""
        self.scheduler_last_run.set(wall)

    def observe_api_refusal(self, status: int, code: str) -> None:
        self.api_refusals.labels(str(status), code if code in d.API_REFUSAL_CODES else d.OTHER).inc()

    def observe_audit_dropped(self) -> None:
        self.api_audit_dropped.inc()

    def observe_anomaly(self, kind: str, count: int) -> None:
        """A scheduler check found ``count`` anomalies of ``kind`` (e.g. ``creation_overdue``)."""
        if count > 0:
            self.anomalies.labels(reason_label(kind)).inc()

    def observe_records_rejected(self, source: str, reason: str, count: int) -> None:
        if count > 0:
            self.records_rejected.labels(source_label(source), reason_label(reason)).inc(count)

    def observe_result(self, source: str, result: Any, seconds: float, *, ctx: Any = None) -> None:
        """``observe_import`` (and records rejected, fields set aside) from an
        import's answer (events/usecases/result.py)."""
        outcome = outcome_of(result)
        self.observe_import(source, outcome, result.reason, result.uai or None, seconds, ctx=ctx)
        if outcome != "duplicate":
            for reason, n in Tally(r.reason for r in result.rejections).items():
                self.observe_records_rejected(source, reason, n)
            for reason, n in Tally(a.reason for a in result.set_aside).items():
                self.fields_set_aside.labels(source_label(source), reason_label(reason)).inc(n)

    def uai_label(self, uai: str | None, ctx: Any = None) -> str:
        """The UAI itself when the directory read model knows it; else
        ``unknown``; ``none`` when there is no single establishment."""
        if not uai:
            return d.NO_UAI
        if uai in self._known:
            return uai
        if ctx is not None and UAI.fullmatch(uai):
            try:
                self._known = known_uais(ctx.db)
            except Exception as exc:  # a label is not worth failing an import for
                log.warning("could not read the known establishments for a metric label (%s)", type(exc).__name__)
        return uai if uai in self._known else d.UNKNOWN_UAI

    # ---- read at scrape time --------------------------------------------------------
    def refresh(self, ctx: Any) -> None:
        """Gauges read from the read models and the log: accounts by profile
        and state, creations pending and overdue, departures due before the
        next Toussaint, deliveries held, event log size, projection lag in
        events and seconds, last successful import time per source, purge
        hold. On failure the gauges are withdrawn (not left stale), the
        failure counted and the error raised."""
        with self._lock:
            try:
                reading = read(ctx, self.clock.wall())
            except Exception:
                self.reading = None
                self.refresh_failures.inc()
                raise
            self.reading = reading
            self._known = reading.known_uais

    def withdraw_gauges(self) -> None:
        """The read models cannot be read: no gauge rather than a stale one."""
        with self._lock:
            self.reading = None
            self.refresh_failures.inc()


def _counter(m: d.MetricDef, registry: CollectorRegistry) -> Counter:
    return Counter(m.name, m.help, m.labels, registry=registry)


def _gauge(m: d.MetricDef, registry: CollectorRegistry) -> Gauge:
    return Gauge(m.name, m.help, m.labels, registry=registry)
