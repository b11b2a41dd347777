"""Prometheus metrics of the daemon: every name and label in this module.

Counters and the ingest-duration histogram are fed by the service loop as it
finishes each delivery (``observe_import``); gauges are read from the read
models and the event log when Prometheus scrapes (``refresh``), so they are
right after a restart and never drift from what the API shows.

Label cardinality is bounded by construction: ``source`` and ``outcome`` come
from closed sets, ``reason`` and ``profile`` must look like the codes the
code base emits, and ``uai`` is kept only for establishments the directory
read model knows (else ``unknown``; ``none`` for a delivery of no single
establishment, such as an académie-wide AAF delivery). No person id, login or
name ever becomes a label.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from events.clock import Clock, SystemClock
from events.rules import toussaint_start
from projections import facts
from projections.schema import iso
from projections.served import counts as served_counts
from projections.served import structure_anomalies, withheld_jointures

log = logging.getLogger("entsync.metrics")  # named by its room, not its module: stable when modules move

NAMESPACE = "entsync"
SOURCES = ("aaf", "siecle", "sts", "timetable", "unknown")  # unknown: a file recognised as nothing
# The timetable pipeline records its source as "edt" (Index Education's EDT).
SOURCE_ALIASES = {"edt": "timetable", "timetable-edt": "timetable", "edt-sts": "sts"}
OUTCOMES = (
    "applied",
    "applied_with_rejections",
    "held",
    "rejected",
    "awaiting_validation",
    "duplicate",
    "released",
    "failed",
)
# Outcomes counted as a rejected import (the headline counter).
REJECTED_OUTCOMES = ("rejected", "duplicate")
# Rejection reasons that need no one: the same bytes came again and nothing
# changed. Every other reason needs an operator (deploy/prometheus/alerts.yml
# tells them apart by this list; a test keeps the two in step).
HARMLESS_REASONS = frozenset({"duplicate_file"})
DUPLICATE_REASON = "duplicate_file"
UNKNOWN_UAI, NO_UAI, OTHER = "unknown", "none", "other"

DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_PROFILE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
_UAI = re.compile(r"[0-9]{7}[A-Z]")


def source_label(source: str) -> str:
    source = SOURCE_ALIASES.get(source, source)
    return source if source in SOURCES else OTHER


def outcome_label(outcome: str) -> str:
    if outcome.startswith("already-"):
        return "duplicate"
    return outcome if outcome in OUTCOMES else OTHER


def reason_label(reason: str | None) -> str:
    if not reason:
        return "none"
    return reason if _CODE.fullmatch(reason) else OTHER


def needs_action(reason: str) -> bool:
    """Whether a rejection with this reason needs an operator."""
    return reason not in HARMLESS_REASONS


def outcome_of(result: Any) -> str:
    """The outcome label of a service result (``IngestResult``,
    ``ImportResult``, ``SiecleResult``)."""
    status = str(result.status)
    if status == "applied" and getattr(result, "rejections", None):
        return "applied_with_rejections"
    return outcome_label(status)


@dataclass(frozen=True)
class _Reading:
    """Gauge values read from the read models at one instant."""

    accounts: dict[tuple[str, str], int] = field(default_factory=dict)
    creations_pending: int = 0
    creations_overdue: int = 0
    departures_due: int = 0
    next_toussaint: float = 0.0
    deliveries_held: int = 0
    deliveries_waiting: int = 0
    siecle_held: int = 0
    awaiting_validation: dict[str, int] = field(default_factory=dict)
    log_events: int = 0
    lag_events: dict[str, int] = field(default_factory=dict)
    lag_seconds: dict[str, float] = field(default_factory=dict)
    last_success: dict[str, float] = field(default_factory=dict)
    purge_hold: int = 0
    known_uais: frozenset[str] = frozenset()
    directory_anomalies: dict[str, int] = field(default_factory=dict)


def _labelled(name: str, doc: str, label: str, values: dict) -> GaugeMetricFamily:
    """A gauge with one label: one sample per key."""
    g = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        g.add_metric([key], value)
    return g


class _ReadModelCollector(Collector):
    """Exposes the last reading: a scrape sees one consistent set of gauges,
    and a label set gone from the read model is gone from the exposition."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def describe(self) -> Iterable:
        return []  # values come at scrape time; nothing to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        r = self.metrics.reading
        if r is None:
            return
        g = GaugeMetricFamily(
            f"{NAMESPACE}_accounts",
            "Accounts by profile and state (directory read model).",
            labels=["profile", "state"],
        )
        for (profile, state), n in sorted(r.accounts.items()):
            g.add_metric([profile, state], n)
        yield g
        yield GaugeMetricFamily(
            f"{NAMESPACE}_account_creations_pending",
            "Accounts waiting for their creation (domain-rules §3).",
            value=r.creations_pending,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_account_creations_overdue",
            "Pending creations past their due time plus the grace (domain-rules §11).",
            value=r.creations_overdue,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_departures_due_before_next_toussaint",
            "Departing accounts whose removal falls on or before the first day of the next "
            "Toussaint holidays (domain-rules §4).",
            value=r.departures_due,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_next_toussaint_timestamp_seconds",
            "Start (local midnight) of the next Toussaint holidays, Unix time.",
            value=r.next_toussaint,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_deliveries_held",
            "AAF deliveries held by a brake, waiting for an operator (domain-rules §11).",
            value=r.deliveries_held,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_deliveries_waiting",
            "AAF deltas waiting, in order, behind a held delivery of their scope (domain-rules §12).",
            value=r.deliveries_waiting,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_siecle_imports_held",
            "SIECLE exports held by the leaving-date brake, waiting for an operator (domain-rules §12).",
            value=r.siecle_held,
        )
        yield _labelled(
            f"{NAMESPACE}_imports_awaiting_validation",
            "Timetable and STS-web imports waiting for an operator's validation.",
            "source",
            r.awaiting_validation,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_event_log_events", "Events recorded in the log (highest notification id).", value=r.log_events
        )
        yield _labelled(
            f"{NAMESPACE}_projection_lag_events",
            "Events recorded but not yet applied to a read model.",
            "projection",
            r.lag_events,
        )
        yield _labelled(
            f"{NAMESPACE}_projection_lag_seconds",
            "Age of the oldest event not yet applied to a read model (0 when caught up).",
            "projection",
            r.lag_seconds,
        )
        yield _labelled(
            f"{NAMESPACE}_last_successful_import_timestamp_seconds",
            "When the last import of each source was applied, Unix time (absent: never).",
            "source",
            r.last_success,
        )
        yield _labelled(
            f"{NAMESPACE}_directory_anomalies",
            "What the directory holds that points nowhere or is withheld (domain-rules §12): structures "
            "kept although their code fails the check letter, people attached to structures the "
            "directory does not hold, teachers withheld because no structure of theirs is served, "
            "teacher categories that contradict the functions.",
            "kind",
            r.directory_anomalies,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_purge_hold", "1 while an operator holds removals (domain-rules §11).", value=r.purge_hold
        )


class _StoreCollector(Collector):
    """Whether the store answers, read from the service's StoreHealth
    (daemon/service/storehealth.py) at scrape time."""

    def __init__(self, health: Any):
        self.health = health

    def describe(self) -> Iterable:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        h = self.health
        yield GaugeMetricFamily(
            f"{NAMESPACE}_store_up",
            "1 when the store answered the service's last call, 0 during an outage.",
            value=1 if h.up else 0,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_store_unavailable_seconds",
            "How long the store has not answered; 0 when it answers.",
            value=h.unavailable_seconds() or 0.0,
        )
        yield CounterMetricFamily(
            f"{NAMESPACE}_store_outages", "Outages of the store the service lived through.", value=h.outages
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_store_last_outage_seconds",
            "How long the last finished outage lasted.",
            value=h.last_outage_seconds,
        )


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
        self.reading: _Reading | None = None
        self._known: frozenset[str] = frozenset()
        self.imports = Counter(
            f"{NAMESPACE}_imports",
            "Imports finished, by source and outcome.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.imports_rejected = Counter(
            f"{NAMESPACE}_imports_rejected",
            "Rejected imports by source, reason and establishment (uai: known UAI, 'unknown' or 'none').",
            ["source", "reason", "uai"],
            registry=self.registry,
        )
        self.records_rejected = Counter(
            f"{NAMESPACE}_records_rejected",
            "Records rejected inside imports, by source and reason.",
            ["source", "reason"],
            registry=self.registry,
        )
        self.fields_set_aside = Counter(
            f"{NAMESPACE}_fields_set_aside",
            "Fields of kept records set aside for an implausible value, by source and reason (domain-rules §12).",
            ["source", "reason"],
            registry=self.registry,
        )
        self.import_duration = Histogram(
            f"{NAMESPACE}_import_duration_seconds",
            "Time to ingest one delivery or export, by source.",
            ["source"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.anomalies = Counter(
            f"{NAMESPACE}_anomaly_checks_failed",
            "Scheduler checks that found anomalies, by kind (entsync_account_creations_overdue says how many now).",
            ["kind"],
            registry=self.registry,
        )
        self.inbox_last_progress = Gauge(
            f"{NAMESPACE}_inbox_last_progress_timestamp_seconds",
            "When the inbox last moved (an item finished, or a look found nothing ready), Unix time; a worker "
            "stalled on an item stops moving it.",
            registry=self.registry,
        )
        self.inbox_item_seconds = Gauge(
            f"{NAMESPACE}_inbox_item_seconds",
            "How long the inbox worker has held its current item; 0 when idle.",
            registry=self.registry,
        )
        self.scheduler_last_run = Gauge(
            f"{NAMESPACE}_scheduler_last_run_timestamp_seconds",
            "When the scheduler last completed a check (tick, re-arm or overdue check), Unix time; a scheduler "
            "that stopped ticking stops moving it (domain-rules §12).",
            registry=self.registry,
        )
        self.refresh_failures = Counter(
            f"{NAMESPACE}_metrics_refresh_failures",
            "Scrapes whose read-model gauges could not be read.",
            registry=self.registry,
        )
        if version is None:
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as dist_version

            try:
                version = dist_version("entsync")
            except PackageNotFoundError:
                version = "unknown"
        Info(f"{NAMESPACE}_build", "The running entsync.", registry=self.registry).info({"version": version})
        self.registry.register(_ReadModelCollector(self))

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
        if out in REJECTED_OUTCOMES:
            why = DUPLICATE_REASON if out == "duplicate" else reason_label(reason)
            self.imports_rejected.labels(src, why, self.uai_label(uai, ctx)).inc()

    def watch_inbox(self, inbox: Any) -> None:
        """The inbox gauges read the worker at scrape time (daemon/service/inbox.py)."""
        self.inbox_last_progress.set_function(lambda: inbox.last_progress)
        self.inbox_item_seconds.set_function(lambda: inbox.stalled(0.0) or 0.0)

    def watch_store(self, health: Any) -> None:
        """The store gauges read the service's StoreHealth at scrape time."""
        self.registry.register(_StoreCollector(health))

    def observe_scheduler_run(self, wall: float) -> None:
        """The scheduler completed a check at ``wall`` (Unix time)."""
        self.scheduler_last_run.set(wall)

    def observe_anomaly(self, kind: str, count: int) -> None:
        """A scheduler check found ``count`` anomalies of ``kind`` (e.g. ``creation_overdue``)."""
        if count > 0:
            self.anomalies.labels(reason_label(kind)).inc()

    def observe_records_rejected(self, source: str, reason: str, count: int) -> None:
        if count > 0:
            self.records_rejected.labels(source_label(source), reason_label(reason)).inc(count)

    def observe_result(self, source: str, result: Any, seconds: float, *, ctx: Any = None) -> None:
        """``observe_import`` (and records rejected) from a service result:
        ``events.usecases.aaf_result.IngestResult``, ``events.usecases.timetable_work.ImportResult`` or
        ``events.usecases.siecle_apply.SiecleResult``."""
        outcome = outcome_of(result)
        self.observe_import(
            source, outcome, getattr(result, "reason", ""), getattr(result, "uai", None) or None, seconds, ctx=ctx
        )
        if outcome != "duplicate":
            for reason, n in Tally(r.reason for r in getattr(result, "rejections", None) or ()).items():
                self.observe_records_rejected(source, reason, n)
            for reason, n in Tally(a.reason for a in getattr(result, "set_aside", None) or ()).items():
                self.fields_set_aside.labels(source_label(source), reason_label(reason)).inc(n)

    def uai_label(self, uai: str | None, ctx: Any = None) -> str:
        """The UAI itself when the directory read model knows it; else
        ``unknown``; ``none`` when there is no single establishment."""
        if not uai:
            return NO_UAI
        if uai in self._known:
            return uai
        if ctx is not None and _UAI.fullmatch(uai):
            try:
                self._known = known_uais(ctx.db)
            except Exception as exc:  # a label is not worth failing an import for
                log.warning("could not read the known establishments for a metric label (%s)", type(exc).__name__)
        return uai if uai in self._known else UNKNOWN_UAI

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


def known_uais(db: Any) -> frozenset[str]:
    return frozenset(u for (u,) in db.query("SELECT DISTINCT uai FROM structures") if u and _UAI.fullmatch(u))


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    at = datetime.fromisoformat(text)
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()


def next_toussaint(now: datetime, calendar: dict, zone: ZoneInfo) -> datetime:
    """Local midnight starting the next Toussaint holidays (today's, if they start today)."""
    today = now.astimezone(zone).date()
    start, _ = toussaint_start(today.year, calendar)
    if start < today:
        start, _ = toussaint_start(today.year + 1, calendar)
    return datetime(start.year, start.month, start.day, tzinfo=zone)


def read(ctx: Any, wall_now: float) -> _Reading:
    """One reading of every gauge. Reads only: never catches a projection up."""
    db, policy = ctx.db, ctx.policy
    now = ctx.judged_now().astimezone(timezone.utc)
    accounts: dict[tuple[str, str], int] = {}
    for profile, state, n in db.query("SELECT profile, state, COUNT(*) FROM accounts GROUP BY profile, state"):
        key = (profile if profile and _PROFILE.fullmatch(profile) else OTHER, reason_label(state))
        accounts[key] = accounts.get(key, 0) + int(n)
    # ISO strings in UTC compare in time order: due + grace < now ⇔ due < now - grace.
    pending = int(db.scalar("SELECT COUNT(*) FROM accounts WHERE state = 'pending'") or 0)
    withheld = withheld_jointures(db, policy)  # not created on purpose: listed as not_served
    overdue = sum(
        1
        for (j,) in db.query(
            "SELECT jointure FROM accounts WHERE state = 'pending' AND creation_due < ?",
            (iso(now - policy.overdue_grace),),
        )
        if j not in withheld
    )
    directory_anomalies = served_counts(structure_anomalies(db, policy))
    toussaint = next_toussaint(now, policy.calendar(), ZoneInfo(policy.timezone))
    departures = int(
        db.scalar(
            "SELECT COUNT(*) FROM accounts WHERE state = 'departing' AND removal_due < ?",
            (iso(toussaint + timedelta(days=1)),),
        )
        or 0
    )
    held = int(db.scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'held'") or 0)
    waiting = int(db.scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'waiting'") or 0)
    siecle_held = (
        int(db.scalar("SELECT COUNT(*) FROM siecle_imports WHERE status = 'held'") or 0)
        if ctx.siecle is not None
        else 0
    )

    last: dict[str, float] = {}
    stamp = _epoch(db.scalar("SELECT MAX(finished_at) FROM deliveries WHERE status = 'applied'"))
    if stamp is not None:
        last["aaf"] = stamp
    awaiting: dict[str, int] = {s: 0 for s in ("sts", "timetable")}
    if ctx.imports is not None:
        for source, finished in db.query(
            "SELECT source, MAX(finished_at) FROM imports WHERE status = 'applied' GROUP BY source"
        ):
            if _epoch(finished) is not None:
                last[source_label(source)] = _epoch(finished)
        for source, n in db.query(
            "SELECT source, COUNT(*) FROM imports WHERE status = 'awaiting_validation' GROUP BY source"
        ):
            awaiting[source_label(source)] = awaiting.get(source_label(source), 0) + int(n)
    if ctx.siecle is not None:
        stamp = _epoch(db.scalar("SELECT MAX(finished_at) FROM siecle_imports WHERE status = 'applied'"))
        if stamp is not None:
            last["siecle"] = stamp

    hold = db.scalar("SELECT value FROM meta WHERE key = 'purge_hold'")
    top = ctx.log.max_position()
    lag_events, lag_seconds = _lags(ctx, top, wall_now)
    return _Reading(
        accounts=accounts,
        creations_pending=pending,
        creations_overdue=overdue,
        departures_due=departures,
        next_toussaint=toussaint.timestamp(),
        deliveries_held=held,
        deliveries_waiting=waiting,
        siecle_held=siecle_held,
        awaiting_validation=awaiting,
        log_events=top,
        lag_events=lag_events,
        lag_seconds=lag_seconds,
        last_success=last,
        purge_hold=int(bool(hold and json.loads(hold).get("held"))),
        known_uais=known_uais(db),
        directory_anomalies=directory_anomalies,
    )


# The imports and SIECLE read models follow only their own topics: their lag
# counts those, up to this many (an alert needs to know it lags, not by how
# much exactly).
LAG_SCAN_LIMIT = 10_000


def _topics_of(name: str, projection: Any) -> list[str] | None:
    """The topics a read model follows, None for all of them."""
    if name == "imports":
        from projections.imports import TOPICS

        return list(TOPICS)
    topics = getattr(projection, "topics", None) or getattr(projection, "_topics", None)
    return list(topics) if topics else None


def _lags(ctx: Any, top: int, wall_now: float) -> tuple[dict[str, int], dict[str, float]]:
    log_ = ctx.log
    decode = facts.decoder(log_)
    events: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def age(note) -> float:
        stamp = getattr(decode(note), "timestamp", None)
        return max(0.0, wall_now - stamp.timestamp()) if isinstance(stamp, datetime) else 0.0

    for name, projection in (("directory", ctx.projection), ("imports", ctx.imports), ("siecle", ctx.siecle)):
        if projection is None:
            continue
        position = projection.position()
        topics = _topics_of(name, projection)
        if top <= position:
            notes = []
        elif topics is None:
            notes = log_.notifications(position, 1)
        else:
            notes = log_.recorder.select_notifications(
                position, LAG_SCAN_LIMIT, topics=topics, inclusive_of_start=False
            )
        events[name] = (top - position if notes else 0) if topics is None else len(notes)
        seconds[name] = age(notes[0]) if notes else 0.0
    return events, seconds
