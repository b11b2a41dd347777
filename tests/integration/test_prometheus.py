"""The alert rules with promtool, and a real Prometheus server (Debian
package ``prometheus``) scraping the daemon's HTTP server: one more rejected
import shows as exactly one more in its (source, reason, UAI) series, and the
rules tell the harmless duplicate from the rejection that needs action."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metric_defs import HARMLESS_REASONS
from daemon.observability.metrics import Metrics
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.timetable_receive import receive
from tests.integration.conftest import Academie, make_academie

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
FIX = ROOT / "tests" / "fixtures"
T0 = datetime(2026, 8, 18, 6, 0, tzinfo=timezone.utc)
T_EDT = datetime(2026, 8, 28, 8, 0, tzinfo=timezone.utc)


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=RULES.parent)


def test_promtool_checks_the_rules(promtool):
    res = run(promtool, "check", "rules", "alerts.yml")
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stdout + res.stderr


def test_promtool_unit_tests_of_the_rules_pass(promtool):
    res = run(promtool, "test", "rules", "alerts_test.yml")
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stdout + res.stderr


def test_promtool_checks_the_example_scrape_config(promtool):
    res = run(promtool, "check", "config", "prometheus.yml")
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_alert_says_its_severity_and_whether_action_is_needed():
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    names = {r["alert"] for r in rules}
    assert {
        "EntsyncImportRejected",
        "EntsyncDuplicateFileRejected",
        "EntsyncCreationsOverdue",
        "EntsyncProjectionLag",
        "EntsyncNoAafDelivery",
        "EntsyncDeliveryHeld",
        "EntsyncDaemonDown",
    } <= names
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["labels"]["action"] in {"required", "none"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    by = {r["alert"]: r for r in rules}
    assert by["EntsyncDuplicateFileRejected"]["labels"] == {"severity": "info", "action": "none"}
    assert by["EntsyncImportRejected"]["labels"]["action"] == "required"


def test_the_rules_and_the_code_agree_on_harmless_reasons():
    rules = {r["alert"]: r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    harmless = "|".join(sorted(HARMLESS_REASONS))
    assert set(re.findall(r'reason!~"([^"]*)"', rules["EntsyncImportRejected"]["expr"])) == {harmless}
    assert set(re.findall(r'reason=~"([^"]*)"', rules["EntsyncDuplicateFileRejected"]["expr"])) == {harmless}


# ---- a real Prometheus -------------------------------------------------------------------


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("prometheus-academie"),
        "--students",
        "60",
        "--seed",
        "5",
        "--sources",
        "aaf,timetable",
        "--no-second",
    )


def wait_for(what, predicate, timeout: float = 30.0, server=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(
        f"timed out waiting for {what}; last: {last!r}"
        + (f"\n--- prometheus log ---\n{server.log()}" if server else "")
    )


def series_value(prom, promql: str) -> float | None:
    result = prom.query(promql)
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else None


def firing(prom) -> list[dict]:
    return [a["labels"] for a in prom.api("/api/v1/alerts")["alerts"] if a["state"] == "firing"]


def test_a_real_prometheus_sees_a_rejected_import_rise_by_exactly_one(prometheus_server, acad, tmp_path):
    ctx = bootstrap.build(f"sqlite:///{tmp_path / 'entsync.db'}", Policy())
    metrics = Metrics(CollectorRegistry())
    server = serve(
        "127.0.0.1:0", metrics, lambda: bootstrap.build(f"sqlite:///{tmp_path / 'entsync.db'}", Policy()), lambda: True
    )
    try:
        assert ingest(str(acad.first), ctx, T0).status == "applied"
        date = acad.manifest["dates"]["first"]
        uai, rel = next(iter(acad.manifest["sources"]["timetable"][date].items()))
        edt = acad.root / rel

        def receive_and_observe(hours: int) -> str:
            started = time.monotonic()
            result = receive(edt, ctx, T_EDT + timedelta(hours=hours))
            metrics.observe_result("timetable", result, time.monotonic() - started, ctx=ctx)
            return result.reason

        assert receive_and_observe(0) == ""  # awaiting validation
        assert receive_and_observe(1) == "duplicate_file"  # the same bytes again: rejected

        host, port = server.address
        prom = prometheus_server([f"{host}:{port}"], rule_files=[str(RULES)], scrape_interval="1s")
        series = f'entsync_imports_rejected_total{{source="timetable",reason="duplicate_file",uai="{uai}"}}'
        before = wait_for("the first scrape", lambda: series_value(prom, series), server=prom)
        total_before = series_value(prom, "sum(entsync_imports_rejected_total)")
        assert before == 1 and total_before == 1

        # The harmless duplicate: an info alert, no action; nothing needing action fires.
        dup = wait_for(
            "the duplicate-file alert",
            lambda: [a for a in firing(prom) if a["alertname"] == "EntsyncDuplicateFileRejected"],
            server=prom,
        )
        assert dup[0]["severity"] == "info" and dup[0]["action"] == "none" and dup[0]["uai"] == uai
        assert not [a for a in firing(prom) if a["alertname"] == "EntsyncImportRejected"]

        assert receive_and_observe(2) == "duplicate_file"
        after = wait_for("the next rejection", lambda: (v := series_value(prom, series)) != before and v, server=prom)
        assert after == before + 1
        # A few more scrapes change nothing: counted once, and no other series moved.
        time.sleep(3)
        assert series_value(prom, series) == before + 1
        assert series_value(prom, "sum(entsync_imports_rejected_total)") == total_before + 1

        # A malformed AAF delivery needs action: its own series and the action alert.
        started = time.monotonic()
        bad = ingest(str(FIX / "aaf" / "malformed"), ctx, T_EDT + timedelta(hours=3))
        assert (bad.status, bad.reason) == ("rejected", "malformed_xml")
        metrics.observe_result("aaf", bad, time.monotonic() - started, ctx=ctx)
        wait_for(
            "the malformed delivery",
            lambda: (
                series_value(prom, 'entsync_imports_rejected_total{source="aaf",reason="malformed_xml",uai="none"}')
                == 1
            ),
            server=prom,
        )
        alert = wait_for(
            "the action alert",
            lambda: [a for a in firing(prom) if a["alertname"] == "EntsyncImportRejected"],
            server=prom,
        )
        assert [(a["source"], a["reason"], a["uai"], a["action"], a["severity"]) for a in alert] == [
            ("aaf", "malformed_xml", "none", "required", "warning")
        ]
    finally:
        server.close()
        ctx.close()
