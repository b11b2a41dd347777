"""Static checks of deploy/: no Docker engine, systemd or Grafana runs here,
so the files are parsed, cross-checked with the code and, for the unit,
verified by ``systemd-analyze verify``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from daemon import bootstrap, config
from daemon.observability.metrics import Metrics
from daemon.service.storehealth import StoreHealth

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNTESTED = [
    "Dockerfile",
    "compose.yaml",
    "systemd/entsync.service",
    "compose/entsync.toml",
    "grafana/provisioning/datasources/prometheus.yml",
    "grafana/provisioning/dashboards/entsync.yml",
]


def test_files_that_cannot_run_here_say_so_at_the_top():
    for name in UNTESTED:
        head = "\n".join((DEPLOY / name).read_text().splitlines()[:6])
        assert "UNTESTED" in head and head.lstrip().startswith("#"), name
    assert "UNTESTED" in json.loads((DEPLOY / "grafana" / "entsync-dashboard.json").read_text())["description"]


@pytest.mark.parametrize(
    "name",
    [
        "compose.yaml",
        "prometheus/alerts.yml",
        "prometheus/alerts_test.yml",
        "prometheus/prometheus.yml",
        "grafana/provisioning/datasources/prometheus.yml",
        "grafana/provisioning/dashboards/entsync.yml",
    ],
)
def test_yaml_files_parse(name):
    assert isinstance(yaml.safe_load((DEPLOY / name).read_text()), dict)


def test_compose_stack_names_its_services_and_existing_files():
    stack = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = stack["services"]
    assert set(services) == {"kafka", "postgres", "entsync", "prometheus", "grafana"}
    kafka = services["kafka"]["environment"]
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"] and "KAFKA_CONTROLLER_QUORUM_VOTERS" in kafka
    assert not any("zookeeper" in json.dumps(s).lower() for s in services.values())  # KRaft mode
    build = services["entsync"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"
            else:
                assert source in stack["volumes"], f"{name}: {source}"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    command = services["entsync"]["command"]
    assert command[:3] == ["run", "--config", "/etc/entsync/entsync.toml"]
    assert services["entsync"]["environment"]["ENTSYNC_STORE"].startswith("postgresql://")


def test_example_configurations_validate():
    for path in (DEPLOY / "compose" / "entsync.toml", DEPLOY / "entsync.example.toml"):
        settings = config.load(str(path), environ={})
        assert settings.store


def test_dockerfile_copies_what_exists_and_runs_unprivileged():
    text = (DEPLOY / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source
    assert re.search(r"^USER entsync$", text, flags=re.M)
    assert 'ENTRYPOINT ["entsync"]' in text and "/healthz" in text
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    for source in (
        "pyproject.toml",
        "README.md",
        "adapters",
        "events",
        "projections",
        "daemon",
        "deploy/compose/entsync.toml",
    ):
        assert f"!{source}" in ignore


def test_systemd_unit_is_hardened_and_verifies(tmp_path):
    unit = (DEPLOY / "systemd" / "entsync.service").read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, flags=re.M))
    assert settings["User"] == "entsync" and settings["ProtectSystem"] == "strict"
    assert settings["NoNewPrivileges"] == "yes" and settings["StateDirectory"].startswith("entsync")
    assert settings["PrivateTmp"] == "yes" and settings["ProtectHome"] == "yes"
    assert " run --config /etc/entsync/entsync.toml" in settings["ExecStart"]
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed: the unit was checked for its keys only")
    # verify wants an executable ExecStart: the entsync of this environment.
    entsync = shutil.which("entsync") or str(Path(__import__("sys").executable).parent / "entsync")
    assert Path(entsync).exists()
    (tmp_path / "entsync.service").write_text(unit.replace("/opt/entsync/bin/entsync", entsync))
    res = subprocess.run(
        [analyze, "verify", str(tmp_path / "entsync.service")], capture_output=True, text=True, timeout=120
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0 and "Unknown" not in out and "ignoring" not in out, out


# ---- the names the rules and the dashboard use exist ------------------------------------


@pytest.fixture(scope="module")
def exposed(tmp_path_factory) -> set[str]:
    """Every sample name the daemon exposes (one of each counter observed)."""
    ctx = bootstrap.build(f"sqlite:///{tmp_path_factory.mktemp('names') / 'e.db'}")
    try:
        m = Metrics(CollectorRegistry())
        m.observe_import("aaf", "rejected", "malformed_xml", None, 1.0)
        m.observe_records_rejected("aaf", "invalid_date", 1)
        m.observe_anomaly("creation_overdue", 1)
        m.watch_store(StoreHealth())  # as the service does (daemon/service/run.py)
        m.refresh(ctx)
        text = generate_latest(m.registry).decode()
    finally:
        ctx.close()
    names = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    return names | {f.name for f in text_string_to_metric_families(text)}


def metric_names(promql: str) -> set[str]:
    return set(re.findall(r"\b(entsync_[a-z_]+)", promql))


def test_alert_rules_use_only_exposed_metrics(exposed):
    rules = [
        r for g in yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"] for r in g["rules"]
    ]
    used = set().union(*(metric_names(r["expr"]) for r in rules))
    assert used and used <= exposed, used - exposed


def test_dashboard_shows_rejected_imports_first_and_uses_exposed_metrics(exposed):
    dash = json.loads((DEPLOY / "grafana" / "entsync-dashboard.json").read_text())
    rows = [p["title"] for p in dash["panels"] if p["type"] == "row"]
    assert rows[:5] == ["Rejected imports", "Account states", "Pending creations", "Departures", "Lag"]
    first = next(p for p in dash["panels"] if p["type"] != "row")
    assert "entsync_imports_rejected_total" in first["targets"][0]["expr"]
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    used = set().union(*(metric_names(t["expr"]) for p in dash["panels"] for t in p.get("targets", [])))
    assert used <= exposed, used - exposed
