"""``entsync run`` as an operator runs it: the installed script in a
subprocess, on a temporary store and inbox, fed with generated deliveries;
stopped with SIGTERM, killed with SIGKILL and restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
import zipfile

import pytest
from prometheus_client.parser import text_string_to_metric_families

from generator.cli import run as generate
from projections.db import Database
from tests.e2e.daemon_process import (
    ENTSYNC,
    Daemon,
    clean_env,
    cli,
    drop_with_marker,
    http_status,
    outcome_files,
    wait_until,
    write_slowly,
)


@pytest.fixture(scope="module")
def academie(tmp_path_factory):
    root = tmp_path_factory.mktemp("daemon-gen")
    assert (
        generate(
            [str(root), "--students", "60", "--seed", "3", "--part-size", "25", "--sources", "aaf,siecle,sts,timetable"]
        )
        == 0
    )
    return root, json.loads((root / "manifest.json").read_text())


def test_the_daemon_processes_its_inbox_and_stops_cleanly(store_url, academie, tmp_path, daemons):
    root, manifest = academie
    first = manifest["dates"]["first"]
    uai = manifest["establishments"][0]["uai"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    daemon = Daemon(tmp_path, store_url, inbox, quiet=1.5).start()
    daemons.append(daemon)
    assert http_status(daemon.url("/healthz")) == 200
    wait_until(lambda: http_status(daemon.url("/readyz")) == 200, 10, "/readyz once the projections caught up")

    # An AAF part set written slowly, a part of Eleve after a later one (a
    # gap while it is written), then marked done.
    delivery = root / manifest["deliveries"][f"{first}-complet"]["path"]
    parts = sorted(delivery.iterdir(), key=lambda p: (p.name.endswith("Eleve_0000.xml"), p.name))
    target = inbox / f"{first}-complet"
    target.mkdir()
    for part in parts:
        write_slowly(part, target / part.name, pause=0.05)
        time.sleep(0.05)
    (inbox / f"{first}-complet.done").touch()
    # A SIECLE export with a marker; an unknown file, random bytes named
    # like a zip, an empty file and an AAF zip whose XML is cut short: all
    # wait for the quiet period and are set aside.
    eleves = root / manifest["sources"]["siecle"][first][uai]["eleves"]
    drop_with_marker(eleves, inbox, "eleves.xml", ".ready")
    (inbox / "notes.txt").write_text("not a delivery\n")
    (inbox / "garbage.zip").write_bytes(b"PK\x03\x04" + os.urandom(2048))
    (inbox / "empty.xml").write_bytes(b"")
    eleve_part = next(p for p in parts if p.name.endswith("Eleve_0001.xml"))
    with zipfile.ZipFile(inbox / "broken-aaf.zip", "w") as zf:
        zf.writestr(eleve_part.name.replace("Complet", "Delta"), eleve_part.read_bytes()[:3000])

    processed = wait_until(
        lambda: (r := outcome_files(inbox, "processed")) and len(r) == 2 and r,
        20,
        "the AAF delivery and the SIECLE export in processed/",
    )
    rejected = wait_until(
        lambda: (r := outcome_files(inbox, "rejected")) and len(r) == 4 and r, 20, "the bad files in rejected/"
    )

    aaf = processed[f"{first}-complet"]
    expected = manifest["deliveries"][f"{first}-complet"]["records"]
    assert aaf["outcome"] == "applied" and aaf["status"] == "applied"
    assert aaf["counts"]["added"] == sum(r["add"] for r in expected.values())  # every part, none picked early
    siecle = processed["eleves.xml"]
    assert siecle["outcome"] in ("applied", "applied_with_rejections") and siecle["uai"] == uai
    assert {name: r["reason"] for name, r in rejected.items() if name != "broken-aaf.zip"} == {
        "notes.txt": "unknown_format",
        "garbage.zip": "unknown_format",
        "empty.xml": "unknown_format",
    }
    broken = rejected["broken-aaf.zip"]
    assert broken["kind"] == "aaf" and broken["outcome"] == "rejected" and broken["reason"]
    assert not [p for p in inbox.iterdir() if p.name not in ("processed", "rejected")]  # markers gone too

    # The service told the metrics of each outcome (daemon/observability/metrics.py).
    with urllib.request.urlopen(daemon.url("/metrics"), timeout=5) as resp:
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(resp.read().decode())
            for s in family.samples
        }
    assert samples[("entsync_imports_total", (("outcome", "applied"), ("source", "aaf")))] == 1
    assert (
        samples[
            ("entsync_imports_rejected_total", (("reason", "unknown_format"), ("source", "unknown"), ("uai", "none")))
        ]
        == 3
    )

    accounts = json.loads(cli(store_url, "accounts", "--json", cwd=tmp_path).stdout)
    people = sum(expected[c]["add"] for c in ("Eleve", "PersRelEleve", "PersEducNat"))
    assert len(accounts) == people and {a["state"] for a in accounts} == {"pending"}  # created in 48 h
    imports = json.loads(cli(store_url, "siecle", "imports", "--json", cwd=tmp_path).stdout)
    assert [(i["status"], i["uai"]) for i in imports] == [("applied", uai)]

    # SIGTERM while an item is in hand: it is finished, then the daemon exits 0.
    responsables = root / manifest["sources"]["siecle"][first][uai]["responsables"]
    drop_with_marker(responsables, inbox, "responsables.xml")
    wait_until(lambda: daemon.find("inbox.processing", item="responsables.xml"), 10, "the item to be taken")
    assert daemon.terminate() == 0, daemon.log.read_text()[-3000:]
    assert daemon.find("service.stopped", clean=True)
    assert "responsables.xml" in outcome_files(inbox, "processed")
    imports = json.loads(cli(store_url, "siecle", "imports", "--json", cwd=tmp_path).stdout)
    assert sorted(i["status"] for i in imports) == ["applied", "applied"]
    cli(store_url, "verify", cwd=tmp_path)


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    root = tmp_path_factory.mktemp("daemon-large")
    assert generate([str(root), "--students", "2500", "--seed", "9", "--no-second"]) == 0
    return root, json.loads((root / "manifest.json").read_text())


def test_kill_9_during_an_ingest_then_restart_finishes_it(store_url, large, tmp_path, daemons):
    root, manifest = large
    name = f"{manifest['dates']['first']}-complet"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    daemon = Daemon(tmp_path, store_url, inbox, quiet=0.3).start()
    daemons.append(daemon)
    db = Database(store_url)
    try:
        wait_until(lambda: db.table_exists("ingest_state"), 10, "the store")
        drop_with_marker(root / manifest["deliveries"][name]["path"], inbox, name)

        def applying() -> bool:  # the apply phase has begun writing events (events/usecases/aaf_apply.py)
            return bool(db.query("SELECT 1 FROM ingest_state WHERE phase = 'applying' AND apply_from > 0"))

        wait_until(lambda: applying() or daemon.find("inbox.processed"), 30, "the apply phase", step=0.005)
        assert daemon.find("inbox.processed") is None, "finished before it could be killed: make it larger"
        assert daemon.kill() == -signal.SIGKILL
        assert applying() and (inbox / name).is_dir()  # interrupted mid-apply, still in the inbox
    finally:
        db.close()
    (inbox / f"{name}.done").unlink()  # without its marker, only the resume takes it before 30 s

    restarted = Daemon(tmp_path, store_url, inbox, quiet=30).start()  # resumed first, not after 30 s
    daemons.append(restarted)
    wait_until(lambda: restarted.find("inbox.resuming", item=name), 10, "the interrupted item to resume")
    report = wait_until(lambda: outcome_files(inbox, "processed").get(name), 60, "the delivery to finish")
    assert report["outcome"] == "applied" and report["status"] == "applied"
    assert restarted.terminate() == 0
    cli(store_url, "verify", cwd=tmp_path)
    records = manifest["deliveries"][name]["records"]
    accounts = json.loads(cli(store_url, "accounts", "--json", cwd=tmp_path).stdout)
    assert len(accounts) == sum(records[c]["add"] for c in ("Eleve", "PersRelEleve", "PersEducNat"))
    deliveries = json.loads(cli(store_url, "deliveries", "--json", cwd=tmp_path).stdout)
    assert [d["status"] for d in deliveries] == ["applied"]


def test_sigterm_during_a_long_ingest_leaves_it_to_resume(large, tmp_path, daemons):
    """Past ``shutdown_timeout_seconds`` the unit of work is abandoned as a
    crash would leave it (rolled back, staged): exit 0, finished at restart."""
    root, manifest = large
    name = f"{manifest['dates']['first']}-complet"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    store = f"sqlite:///{tmp_path / 'entsync.db'}"
    daemon = Daemon(tmp_path, store, inbox, quiet=0.3, ENTSYNC_SHUTDOWN_TIMEOUT_SECONDS="0.2").start()
    daemons.append(daemon)
    drop_with_marker(root / manifest["deliveries"][name]["path"], inbox, name)
    wait_until(lambda: daemon.find("inbox.processing", item=name), 10, "the delivery to be taken")
    assert daemon.terminate() == 0
    stopped = daemon.find("service.stop_timeout")
    assert stopped and stopped["fields"]["item"] == name and (inbox / name).is_dir()

    restarted = Daemon(tmp_path, store, inbox, quiet=0.3).start()
    daemons.append(restarted)
    report = wait_until(lambda: outcome_files(inbox, "processed").get(name), 60, "the delivery to finish")
    assert report["outcome"] == "applied"
    assert restarted.terminate() == 0 and restarted.find("service.stopped", clean=True)
    cli(store, "verify", cwd=tmp_path)
    deliveries = json.loads(cli(store, "deliveries", "--json", cwd=tmp_path).stdout)
    assert [d["status"] for d in deliveries] == ["applied"]


def test_config_check(tmp_path):
    good = subprocess.run(
        [ENTSYNC, "config", "check", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(ENTSYNC_LISTEN="0.0.0.0:9100", ENTSYNC_STORE="postgresql://entsync:s3cret@db:5432/entsync"),
    )
    assert good.returncode == 0, good.stderr
    shown = json.loads(good.stdout)
    assert shown["listen"] == "0.0.0.0:9100" and shown["inbox"] == "./inbox" and "s3cret" not in good.stdout
    conf = tmp_path / "entsync.toml"
    conf.write_text('inbox = "/srv/entsync/inbox"\nquiet_seconds = "soon"\n')
    bad = subprocess.run(
        [ENTSYNC, "config", "check", "--config", str(conf)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert bad.returncode == 1 and "quiet_seconds" in bad.stderr and "Traceback" not in bad.stderr
