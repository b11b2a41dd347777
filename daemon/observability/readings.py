"""What the gauges read at scrape time (daemon/observability/collectors.py
exposes them): one ``Reading`` of the read models and the event log at one
instant, so that the gauges are right after a restart and never drift from
what the API shows. Reads only: never catches a projection up."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Notification

from daemon.observability.labels import known_uais, profile_label, reason_label, source_label
from events.rules import toussaint_start
from events.usecases import erasure
from projections import anomaly_queries, facts
from projections import gauge_queries as gauges
from projections.schema import iso
from projections.served import withheld_jointures


@dataclass(frozen=True)
class Reading:
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
    erasures: int = 0
    erasures_overdue: int = 0
    known_uais: frozenset[str] = frozenset()
    directory_anomalies: dict[str, int] = field(default_factory=dict)


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    at = datetime.fromisoformat(text)
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()


def next_toussaint(now: datetime, calendar: dict[int, date], zone: ZoneInfo) -> datetime:
    """Local midnight starting the next Toussaint holidays (today's, if they start today)."""
    today = now.astimezone(zone).date()
    start, _ = toussaint_start(today.year, calendar)
    if start < today:
        start, _ = toussaint_start(today.year + 1, calendar)
    return datetime(start.year, start.month, start.day, tzinfo=zone)


def read(ctx: Any, wall_now: float) -> Reading:
    """One reading of every gauge. Reads only: never catches a projection up."""
    db, policy = ctx.db, ctx.policy
    now = ctx.judged_now().astimezone(timezone.utc)
    accounts: dict[tuple[str, str], int] = {}
    for profile, state, n in gauges.accounts_by_profile_and_state(db):
        key = (profile_label(profile), reason_label(state))
        accounts[key] = accounts.get(key, 0) + n
    # ISO strings in UTC compare in time order: due + grace < now ⇔ due < now - grace.
    pending = gauges.pending_creations(db)
    withheld = withheld_jointures(db, policy)  # not created on purpose: listed as not_served
    overdue = sum(1 for j in gauges.pending_due_before(db, iso(now - policy.overdue_grace)) if j not in withheld)
    listed = anomaly_queries.anomalies(db, now, policy.overdue_grace, policy)
    directory_anomalies = {
        reason_label(kind): n for kind, n in anomaly_queries.counts(db, listed).items()
    }  # what entsync anomalies lists, by kind
    toussaint = next_toussaint(now, policy.calendar(), ZoneInfo(policy.timezone))
    departures = gauges.departing_due_before(db, iso(toussaint + timedelta(days=1)))
    held = gauges.deliveries_in(db, "held")
    waiting = gauges.deliveries_in(db, "waiting")
    siecle_held = gauges.siecle_imports_held(db) if ctx.siecle is not None else 0

    last: dict[str, float] = {}
    stamp = _epoch(gauges.last_applied_delivery(db))
    if stamp is not None:
        last["aaf"] = stamp
    awaiting: dict[str, int] = {s: 0 for s in ("sts", "timetable")}
    if ctx.imports is not None:
        for source, finished in gauges.last_applied_imports(db):
            if (stamp := _epoch(finished)) is not None:
                last[source_label(source)] = stamp
        for source, n in gauges.imports_awaiting_validation(db):
            awaiting[source_label(source)] = awaiting.get(source_label(source), 0) + n
    if ctx.siecle is not None:
        stamp = _epoch(gauges.last_applied_siecle_import(db))
        if stamp is not None:
            last["siecle"] = stamp

    hold = gauges.purge_hold_value(db)
    top = ctx.log.max_position()
    lag_events, lag_seconds = _lags(ctx, top, wall_now)
    return Reading(
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
        erasures=erasure.erased_count(ctx),
        erasures_overdue=erasure.overdue_count(ctx, now),
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

    def age(note: Notification) -> float:
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
