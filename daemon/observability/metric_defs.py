"""Every Prometheus metric of the daemon: its name, type, help text and
labels, as a table (getsentry/arroyo's ``metric_defs.py``): the one place a
name is written, looked up and changed. Beside them, the closed sets a
label's values come from, which the alerting rules (deploy/prometheus/
alerts.yml) read too.

How the metrics are counted is daemon/observability/metrics.py; what the
gauges read is readings.py, how they are exposed collectors.py; how a
value becomes a label is labels.py. A data table: it may grow past 300 lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricDef:
    name: str  # the family's name: a counter's samples add _total
    type: str  # counter | gauge | histogram | info
    help: str
    labels: tuple[str, ...] = ()


# ---- label values ---------------------------------------------------------------------

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

# ---- fed by the service as it works (metrics.py) ---------------------------------------

IMPORTS = MetricDef("entsync_imports", "counter", "Imports finished, by source and outcome.", ("source", "outcome"))
IMPORTS_REJECTED = MetricDef(
    "entsync_imports_rejected",
    "counter",
    "Rejected imports by source, reason and establishment (uai: known UAI, 'unknown' or 'none').",
    ("source", "reason", "uai"),
)
RECORDS_REJECTED = MetricDef(
    "entsync_records_rejected",
    "counter",
    "Records rejected inside imports, by source and reason.",
    ("source", "reason"),
)
FIELDS_SET_ASIDE = MetricDef(
    "entsync_fields_set_aside",
    "counter",
    "Fields of kept records set aside for an implausible value, by source and reason (domain-rules §12).",
    ("source", "reason"),
)
IMPORT_DURATION = MetricDef(
    "entsync_import_duration_seconds", "histogram", "Time to ingest one delivery or export, by source.", ("source",)
)
ANOMALY_CHECKS_FAILED = MetricDef(
    "entsync_anomaly_checks_failed",
    "counter",
    "Scheduler checks that found anomalies, by kind (entsync_account_creations_overdue says how many now).",
    ("kind",),
)
INBOX_LAST_PROGRESS = MetricDef(
    "entsync_inbox_last_progress_timestamp_seconds",
    "gauge",
    "When the inbox last moved (an item finished, or a look found nothing ready), Unix time; a worker "
    "stalled on an item stops moving it.",
)
INBOX_ITEM_SECONDS = MetricDef(
    "entsync_inbox_item_seconds", "gauge", "How long the inbox worker has held its current item; 0 when idle."
)
SCHEDULER_LAST_RUN = MetricDef(
    "entsync_scheduler_last_run_timestamp_seconds",
    "gauge",
    "When the scheduler last completed a check (tick, re-arm or overdue check), Unix time; a scheduler "
    "that stopped ticking stops moving it (domain-rules §12).",
)
REFRESH_FAILURES = MetricDef(
    "entsync_metrics_refresh_failures", "counter", "Scrapes whose read-model gauges could not be read."
)
BUILD = MetricDef("entsync_build", "info", "The running entsync.", ("version",))
# The API's refusals (issue 12): 401 no or a wrong token, 403 a role that may not,
# 404 asked outside the caller's establishments, 429 too many failures from one address.
API_REFUSALS = MetricDef(
    "entsync_api_refusals",
    "counter",
    "API requests refused by the access checks, by HTTP status and reason code.",
    ("status", "code"),
)
API_AUDIT_DROPPED = MetricDef(
    "entsync_api_audit_dropped",
    "counter",
    "Access audit rows not written (the queue full, or the store unreachable).",
)
# The reason codes of refusals (events/access.py): a closed set, so the label is bounded.
API_REFUSAL_STATUSES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "too_many_failures"}
API_REFUSAL_CODES = tuple(API_REFUSAL_STATUSES.values())

# ---- read from the read models at scrape time (readings.py, collectors.py) -------------

ACCOUNTS = MetricDef(
    "entsync_accounts", "gauge", "Accounts by profile and state (directory read model).", ("profile", "state")
)
CREATIONS_PENDING = MetricDef(
    "entsync_account_creations_pending", "gauge", "Accounts waiting for their creation (domain-rules §3)."
)
CREATIONS_OVERDUE = MetricDef(
    "entsync_account_creations_overdue",
    "gauge",
    "Pending creations past their due time plus the grace (domain-rules §11).",
)
DEPARTURES_DUE = MetricDef(
    "entsync_departures_due_before_next_toussaint",
    "gauge",
    "Departing accounts whose removal falls on or before the first day of the next "
    "Toussaint holidays (domain-rules §4).",
)
NEXT_TOUSSAINT = MetricDef(
    "entsync_next_toussaint_timestamp_seconds",
    "gauge",
    "Start (local midnight) of the next Toussaint holidays, Unix time.",
)
DELIVERIES_HELD = MetricDef(
    "entsync_deliveries_held",
    "gauge",
    "AAF deliveries held by a brake, waiting for an operator (domain-rules §11).",
)
DELIVERIES_WAITING = MetricDef(
    "entsync_deliveries_waiting",
    "gauge",
    "AAF deltas waiting, in order, behind a held delivery of their scope (domain-rules §12).",
)
SIECLE_HELD = MetricDef(
    "entsync_siecle_imports_held",
    "gauge",
    "SIECLE exports held by the leaving-date brake, waiting for an operator (domain-rules §12).",
)
AWAITING_VALIDATION = MetricDef(
    "entsync_imports_awaiting_validation",
    "gauge",
    "Timetable and STS-web imports waiting for an operator's validation.",
    ("source",),
)
LOG_EVENTS = MetricDef("entsync_event_log_events", "gauge", "Events recorded in the log (highest notification id).")
LAG_EVENTS = MetricDef(
    "entsync_projection_lag_events",
    "gauge",
    "Events recorded but not yet applied to a read model.",
    ("projection",),
)
LAG_SECONDS = MetricDef(
    "entsync_projection_lag_seconds",
    "gauge",
    "Age of the oldest event not yet applied to a read model (0 when caught up).",
    ("projection",),
)
LAST_SUCCESS = MetricDef(
    "entsync_last_successful_import_timestamp_seconds",
    "gauge",
    "When the last import of each source was applied, Unix time (absent: never).",
    ("source",),
)
DIRECTORY_ANOMALIES = MetricDef(
    "entsync_directory_anomalies",
    "gauge",
    "What entsync anomalies lists, by kind (the catalogue's code, events/anomaly_kinds.py; 0 "
    "included): overdue creations, suspected overwrites and duplicates, fields set aside, "
    "structures and people that point nowhere or are withheld (domain-rules §12), merges that "
    "a source contradicts, teachers without classes, pupils without a class.",
    ("kind",),
)
PURGE_HOLD = MetricDef("entsync_purge_hold", "gauge", "1 while an operator holds removals (domain-rules §11).")
ERASURES = MetricDef(
    "entsync_erasures",
    "counter",
    "Persons whose personal data were erased: their keys destroyed (domain-rules §12, issue 17).",
)
ERASURES_OVERDUE = MetricDef(
    "entsync_erasures_overdue",
    "gauge",
    "Persons due for erasure for more than a day and not erased (a hold on purges, a failing tick).",
)

# ---- the store's health, read from the service's StoreHealth at scrape time ------------

STORE_UP = MetricDef(
    "entsync_store_up", "gauge", "1 when the store answered the service's last call, 0 during an outage."
)
STORE_UNAVAILABLE_SECONDS = MetricDef(
    "entsync_store_unavailable_seconds", "gauge", "How long the store has not answered; 0 when it answers."
)
STORE_OUTAGES = MetricDef("entsync_store_outages", "counter", "Outages of the store the service lived through.")
STORE_LAST_OUTAGE_SECONDS = MetricDef(
    "entsync_store_last_outage_seconds", "gauge", "How long the last finished outage lasted."
)

ALL = (
    IMPORTS,
    IMPORTS_REJECTED,
    RECORDS_REJECTED,
    FIELDS_SET_ASIDE,
    IMPORT_DURATION,
    ANOMALY_CHECKS_FAILED,
    INBOX_LAST_PROGRESS,
    INBOX_ITEM_SECONDS,
    SCHEDULER_LAST_RUN,
    REFRESH_FAILURES,
    API_REFUSALS,
    API_AUDIT_DROPPED,
    BUILD,
    ACCOUNTS,
    CREATIONS_PENDING,
    CREATIONS_OVERDUE,
    DEPARTURES_DUE,
    NEXT_TOUSSAINT,
    DELIVERIES_HELD,
    DELIVERIES_WAITING,
    SIECLE_HELD,
    AWAITING_VALIDATION,
    LOG_EVENTS,
    LAG_EVENTS,
    LAG_SECONDS,
    LAST_SUCCESS,
    DIRECTORY_ANOMALIES,
    PURGE_HOLD,
    ERASURES,
    ERASURES_OVERDUE,
    STORE_UP,
    STORE_UNAVAILABLE_SECONDS,
    STORE_OUTAGES,
    STORE_LAST_OUTAGE_SECONDS,
)
