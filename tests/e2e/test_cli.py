"""The CLI as an operator runs it: the installed `entsync` script in a
subprocess, on the embedded default store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENTSYNC = str(Path(sys.executable).with_name("entsync"))


def run(*args: str, cwd: Path, check_code: int | None = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTSYNC_")}
    proc = subprocess.run([ENTSYNC, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    if check_code is not None:
        assert proc.returncode == check_code, (args, proc.returncode, proc.stdout[-1500:], proc.stderr[-1500:])
    return proc


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """A generated académie ingested through the CLI: rentrée, creation tick, November."""
    work = tmp_path_factory.mktemp("cli")
    run("generate", "gen", "--students", "250", "--seed", "5", cwd=work)
    run("store", "init", "--simulation", cwd=work)  # the year is played at dates of its own
    first = run("--json", "ingest", "gen/aaf/20260818-complet", "--now", "2026-08-18T06:00:00+00:00", cwd=work)
    tick = run("tick", "--now", "2026-08-20T07:00:00+00:00", "--json", cwd=work)
    second = run("ingest", "gen/aaf/20261105-complet", "--now", "2026-11-05T06:00:00+00:00", "--json", cwd=work)
    manifest = json.loads((work / "gen" / "manifest.json").read_text())
    return work, json.loads(first.stdout), json.loads(tick.stdout), json.loads(second.stdout), manifest


def test_default_store_is_entsync_db_in_the_working_directory(year):
    work, first, _, second, _ = year
    assert (work / "entsync.db").exists()
    assert first["status"] == "applied" and second["status"] == "applied"
    assert first["counts"]["added"] > 250


def test_listings_in_json_and_text(year):
    work, _, tick, _, manifest = year
    created = [t for t in tick["transitions"] if t["kind"] == "create"]
    assert created
    accounts = json.loads(run("accounts", "--json", "--state", "active", "--profile", "ELEVE", cwd=work).stdout)
    assert accounts and all(a["state"] == "active" and a["profile"] == "ELEVE" for a in accounts)
    text = run("accounts", "--state", "departing", cwd=work).stdout
    assert manifest["churn"]["students_left"][0] in text
    uai = manifest["establishments"][0]["uai"]
    classes = json.loads(run("classes", uai, "--json", cwd=work).stdout)
    assert any(c["kind"] == "class" and c["students"] > 0 for c in classes)
    structures = json.loads(run("structures", "--json", cwd=work).stdout)
    assert {s["uai"] for s in structures} == {e["uai"] for e in manifest["establishments"]}


def test_account_and_history_by_login(year):
    work, _, tick, _, _ = year
    login = next(t["login"] for t in tick["transitions"] if t["kind"] == "create" and t["profile"] == "ELEVE")
    account = json.loads(run("account", login, "--json", cwd=work).stdout)
    assert account["login"] == login and account["memberships"] and account["guardians"]
    history = json.loads(run("history", login, "--json", cwd=work).stdout)
    assert [h["event"] for h in history][:2] == ["Appeared", "AccountCreated"]
    assert history[0]["file"].endswith("_Eleve_0000.xml") and history[0]["line"] > 0


def test_as_of_and_verify(year):
    work, _, _, _, manifest = year
    leaver = manifest["churn"]["students_left"][0]
    before = json.loads(run("account", leaver, "--json", "--as-of", "2026-09-01T00:00:00+00:00", cwd=work).stdout)
    now = json.loads(run("account", leaver, "--json", cwd=work).stdout)
    assert (before["state"], now["state"]) == ("active", "departing")
    assert "equals a rebuild" in run("verify", cwd=work).stdout


def test_tick_dry_run_records_nothing(year):
    work, *_ = year
    plan = json.loads(run("tick", "--dry-run", "--now", "2027-10-23T00:00:00+00:00", "--json", cwd=work).stdout)
    assert plan["dry_run"] and any(t["kind"] == "remove" and t["reason"] == "toussaint" for t in plan["transitions"])
    again = json.loads(run("tick", "--dry-run", "--now", "2027-10-23T00:00:00+00:00", "--json", cwd=work).stdout)
    assert again["transitions"] == plan["transitions"]


def test_errors_are_one_line_and_exit_1(year):
    work, *_ = year
    backwards = run("tick", "--now", "2026-01-01T00:00:00+00:00", cwd=work, check_code=1)
    assert backwards.stderr.startswith("entsync: error: --now") and "Traceback" not in backwards.stderr
    assert len(backwards.stderr.strip().splitlines()) == 1
    missing = run("account", "no-such-login", cwd=work, check_code=1)
    assert "no account" in missing.stderr and "Traceback" not in missing.stderr
    bad_store = run("--store", "mysql://x", "accounts", cwd=work, check_code=1)
    assert "store URL" in bad_store.stderr


def test_same_delivery_again_records_nothing(year):
    work, first, *_ = year
    again = json.loads(run("ingest", "gen/aaf/20260818-complet", "--json", cwd=work).stdout)
    assert again["status"] == "already-applied" and again["delivery_id"] == first["delivery_id"]


def test_other_sources_are_recognised_and_not_aaf_deliveries(year):
    work, *_ = year
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    before = json.loads(run("deliveries", "--json", cwd=work).stdout)
    # A SIECLE export goes to the SIECLE import (tests/e2e/test_siecle_cli.py): applied with rejected records.
    proc = run("ingest", str(fixtures / "siecle" / "ElevesSansAdresses.xml"), "--json", cwd=work, check_code=3)
    assert json.loads(proc.stdout)["kind"] == "eleves"
    assert json.loads(run("deliveries", "--json", cwd=work).stdout) == before
