"""The metrics' counters and their label rules, on a fresh registry per test
(prometheus/client_python's habit: assert with get_sample_value)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from prometheus_client import CollectorRegistry

from adapters.errors import Rejection
from daemon.observability import metric_defs
from daemon.observability.labels import needs_action, outcome_label, reason_label, source_label
from daemon.observability.metric_defs import HARMLESS_REASONS
from daemon.observability.metrics import Metrics
from daemon.observability.readings import Reading
from events.usecases.result import Result


class FakeDb:
    def __init__(self, uais: list[str]):
        self.uais = uais
        self.queries = 0

    def query(self, sql: str, params=()):
        self.queries += 1
        assert sql.startswith("SELECT DISTINCT uai FROM structures")
        return [(u,) for u in self.uais]


@dataclass
class FakeCtx:
    db: FakeDb


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry(), version="test")


def rejected(m: Metrics, source: str, reason: str, uai: str) -> float | None:
    return m.registry.get_sample_value(
        "entsync_imports_rejected_total", {"source": source, "reason": reason, "uai": uai}
    )


def test_a_rejected_import_counts_by_source_reason_and_known_uai(metrics):
    ctx = FakeCtx(FakeDb(["0740263J"]))
    metrics.observe_import("timetable", "rejected", "threshold_exceeded", "0740263J", 1.5, ctx=ctx)
    metrics.observe_import("timetable", "rejected", "threshold_exceeded", "0740263J", 0.5, ctx=ctx)
    assert rejected(metrics, "timetable", "threshold_exceeded", "0740263J") == 2
    assert (
        metrics.registry.get_sample_value("entsync_imports_total", {"source": "timetable", "outcome": "rejected"}) == 2
    )
    assert metrics.registry.get_sample_value("entsync_import_duration_seconds_count", {"source": "timetable"}) == 2
    assert metrics.registry.get_sample_value("entsync_import_duration_seconds_sum", {"source": "timetable"}) == 2.0
    # The known UAIs were read once, then remembered.
    assert ctx.db.queries == 1


def test_an_unknown_or_missing_uai_never_becomes_a_label(metrics):
    ctx = FakeCtx(FakeDb(["0740263J"]))
    metrics.observe_import("sts", "rejected", "unknown_uai", "0999999Z", 0.1, ctx=ctx)
    metrics.observe_import("sts", "rejected", "unknown_uai", "not a uai", 0.1, ctx=ctx)
    metrics.observe_import("aaf", "rejected", "malformed_xml", None, 0.1)
    assert rejected(metrics, "sts", "unknown_uai", "unknown") == 2
    assert rejected(metrics, "aaf", "malformed_xml", "none") == 1
    # Without a context and before any scrape, no UAI is known yet.
    fresh = Metrics(CollectorRegistry(), version="test")
    fresh.observe_import("timetable", "rejected", "invalid_code", "0740263J", 0.1)
    assert rejected(fresh, "timetable", "invalid_code", "unknown") == 1


def test_a_duplicate_counts_as_a_harmless_rejection(metrics):
    metrics.observe_import("aaf", "duplicate", "", None, 0.2)
    metrics.observe_import("siecle", "already-applied", "whatever", None, 0.2)
    assert rejected(metrics, "aaf", "duplicate_file", "none") == 1
    assert rejected(metrics, "siecle", "duplicate_file", "none") == 1
    assert not needs_action("duplicate_file") and needs_action("malformed_xml")
    assert HARMLESS_REASONS == {"duplicate_file"}


def test_applied_and_held_imports_are_not_rejections(metrics):
    for outcome in ("applied", "applied_with_rejections", "held", "awaiting_validation"):
        metrics.observe_import("aaf", outcome, "", None, 1.0)
    samples = [s for f in metrics.registry.collect() if f.name == "entsync_imports_rejected" for s in f.samples]
    assert samples == []
    assert metrics.registry.get_sample_value("entsync_imports_total", {"source": "aaf", "outcome": "held"}) == 1


@pytest.mark.parametrize(
    "given, label",
    [
        ("aaf", "aaf"),
        ("edt", "timetable"),
        ("timetable", "timetable"),
        ("sts", "sts"),
        ("siecle", "siecle"),
        ("unknown", "unknown"),
        ("Jean Dupont", "other"),
    ],
)
def test_source_labels_are_a_closed_set(given, label):
    assert source_label(given) == label


@pytest.mark.parametrize(
    "given, label",
    [
        ("malformed_xml", "malformed_xml"),
        ("", "none"),
        (None, "none"),
        ("Dupont Jean", "other"),
        ("x" * 80, "other"),
        ("1028813", "other"),
    ],
)
def test_reason_labels_must_look_like_codes(given, label):
    assert reason_label(given) == label


@pytest.mark.parametrize(
    "given, label",
    [
        ("applied", "applied"),
        ("already-rejected", "duplicate"),
        ("exploded", "other"),
        ("held", "held"),
    ],
)
def test_outcome_labels_are_a_closed_set(given, label):
    assert outcome_label(given) == label


def test_observe_result_reads_a_service_result(metrics):
    ctx = FakeCtx(FakeDb(["0740263J"]))
    bad = [
        Rejection("invalid_date", "F.xml", 3, "123", "dateNaissance", "bad date"),
        Rejection("invalid_date", "F.xml", 9, "124", "dateNaissance", "bad date"),
        Rejection("missing_field", "F.xml", 12, "125", "sn", "missing"),
    ]
    metrics.observe_result("aaf", Result("aaf", "applied", rejections=bad), 3.0, ctx=ctx)
    metrics.observe_result("siecle", Result("siecle", "rejected", reason="older_export", uai="0740263J"), 0.1, ctx=ctx)
    assert (
        metrics.registry.get_sample_value(
            "entsync_imports_total", {"source": "aaf", "outcome": "applied_with_rejections"}
        )
        == 1
    )
    assert (
        metrics.registry.get_sample_value("entsync_records_rejected_total", {"source": "aaf", "reason": "invalid_date"})
        == 2
    )
    assert (
        metrics.registry.get_sample_value(
            "entsync_records_rejected_total", {"source": "aaf", "reason": "missing_field"}
        )
        == 1
    )
    assert rejected(metrics, "siecle", "older_export", "0740263J") == 1


def test_fields_set_aside_are_counted_by_source_and_reason(metrics):
    from adapters.errors import SetAside

    aside = [
        SetAside("name_too_long", "F.xml", 3, "123", "sn", "too long"),
        SetAside("name_too_long", "F.xml", 9, "124", "givenName", "too long"),
        SetAside("birth_date_in_future", "F.xml", 9, "124", "ENTPersonDateNaissance", "future"),
    ]
    metrics.observe_result("aaf", Result("aaf", "applied", set_aside=aside), 1.0)
    metrics.observe_result("siecle", Result("siecle", "applied", set_aside=aside[:1]), 1.0)
    metrics.observe_result("aaf", Result("aaf", "already-applied", set_aside=aside), 1.0)  # a duplicate: not again
    value = metrics.registry.get_sample_value
    assert value("entsync_fields_set_aside_total", {"source": "aaf", "reason": "name_too_long"}) == 2
    assert value("entsync_fields_set_aside_total", {"source": "aaf", "reason": "birth_date_in_future"}) == 1
    assert value("entsync_fields_set_aside_total", {"source": "siecle", "reason": "name_too_long"}) == 1
    assert value("entsync_imports_total", {"source": "aaf", "outcome": "applied"}) == 1  # not a rejection


def test_anomaly_checks_are_counted_by_kind(metrics):
    metrics.observe_anomaly("creation_overdue", 3)
    metrics.observe_anomaly("creation_overdue", 0)
    assert metrics.registry.get_sample_value("entsync_anomaly_checks_failed_total", {"kind": "creation_overdue"}) == 1


def test_a_failed_refresh_withdraws_the_gauges_and_is_counted(metrics):
    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("store down")

    with pytest.raises(RuntimeError):
        metrics.refresh(Broken())
    assert metrics.registry.get_sample_value("entsync_metrics_refresh_failures_total") == 1
    assert metrics.registry.get_sample_value("entsync_account_creations_pending") is None
    assert metrics.registry.get_sample_value("entsync_build_info", {"version": "test"}) == 1


def test_every_metric_exposed_is_the_one_its_definition_says(metrics):
    """metric_defs.py is the one place a name is written: every family the
    daemon exposes is in its table with that type, help text and labels,
    and nothing in the table goes unexposed."""

    class Health:
        up, outages, last_outage_seconds = True, 0, 0.0

        def unavailable_seconds(self) -> float:
            return 0.0

    metrics.watch_store(Health())
    metrics.observe_import("aaf", "rejected", "malformed_xml", None, 1.0)
    metrics.observe_records_rejected("aaf", "invalid_date", 1)
    metrics.fields_set_aside.labels("aaf", "name_blank").inc()
    metrics.observe_anomaly("creation_overdue", 1)
    metrics.observe_api_refusal(401, "unauthorized")
    one = {"directory": 1}
    metrics.reading = Reading(
        accounts={("ELEVE", "active"): 1},
        awaiting_validation={"sts": 1},
        lag_events=one,
        lag_seconds=one,
        last_success={"aaf": 1.0},
        directory_anomalies={"not_served": 1},
    )
    defs = {m.name: m for m in metric_defs.ALL}
    exposed = {}
    for family in metrics.registry.collect():
        labels = {k for s in family.samples for k in s.labels if k != "le"}
        exposed[family.name] = (family.type, family.documentation, labels)
    assert exposed == {m.name: (m.type, m.help, set(m.labels)) for m in defs.values()}
    assert len(defs) == len(metric_defs.ALL)  # no name defined twice


def test_api_refusals_are_counted_by_status_and_a_bounded_code(metrics):
    metrics.observe_api_refusal(403, "forbidden")
    metrics.observe_api_refusal(403, "forbidden")
    metrics.observe_api_refusal(401, "some code nobody declared")
    assert metrics.api_refusals.labels("403", "forbidden")._value.get() == 2
    assert metrics.api_refusals.labels("401", "other")._value.get() == 1
