"""The service lives through a PostgreSQL restart (issue 18, point 1).

A real server of the test's own is stopped under the running `entsync run`
and started again: while it is down `/readyz` says why, the metrics say the
store is down, the log says it once, and the delivery that arrived in the
meantime waits in the inbox; once the server is back the service recovers
by itself and applies it, with no restart of the daemon. The command line
facing the stopped server answers in one line within its connect timeout.

The recovery time is measured in bench/pg_restart.py; here the waits are
the tests' timeouts, not a figure."""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.daemon_process import (
    Daemon,
    cli,
    drop_with_marker,
    http_status,
    outcome_files,
    wait_until,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"

pytestmark = pytest.mark.postgres


def samples(daemon: Daemon) -> dict[str, float]:
    with urllib.request.urlopen(daemon.url("/metrics"), timeout=5) as resp:
        return {
            s.name: s.value for family in text_string_to_metric_families(resp.read().decode()) for s in family.samples
        }


def readyz(daemon: Daemon) -> tuple[int, dict]:
    import json
    import urllib.error

    try:
        with urllib.request.urlopen(daemon.url("/readyz"), timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_service_recovers_by_itself_after_postgresql_restarts(restartable_pg, tmp_path, daemons):
    store = restartable_pg.new_store(query="?connect_timeout=2")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # The catch-up interval of a real deployment: recovery must not wait for it.
    daemon = Daemon(tmp_path, store, inbox, quiet=0.3, ENTSYNC_CATCH_UP_SECONDS="10").start()
    daemons.append(daemon)
    wait_until(lambda: http_status(daemon.url("/readyz")) == 200, 20, "/readyz")
    drop_with_marker(FIX / "values", inbox, "values", ".done")
    wait_until(lambda: "values" in outcome_files(inbox, "processed"), 30, "the first delivery applied")
    assert samples(daemon)["entsync_store_up"] == 1

    restartable_pg.halt()
    drop_with_marker(FIX / "delta", inbox, "delta", ".done")  # arrives while the store is down
    status, body = wait_until(lambda: (r := readyz(daemon))[0] == 503 and r, 30, "/readyz to say not ready")
    assert body["ready"] is False and body["store"] == "unavailable"
    down = samples(daemon)
    assert down["entsync_store_up"] == 0 and down["entsync_store_outages_total"] == 1
    assert (inbox / "delta").exists() and "delta" not in outcome_files(inbox, "rejected")
    unavailable = daemon.find("store.unavailable")
    assert unavailable is not None and "cannot" in unavailable["fields"]["detail"]

    # The command line facing the stopped server: one line, within its connect timeout.
    started = time.monotonic()
    proc = cli(store, "deliveries", cwd=tmp_path, code=1)
    assert time.monotonic() - started < 30
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("entsync: error: the store cannot be reached"), proc.stderr

    time.sleep(3)  # an outage of a few seconds, as a restart is
    restartable_pg.resume()
    wait_until(lambda: "delta" in outcome_files(inbox, "processed"), 60, "the waiting delivery applied")
    wait_until(lambda: http_status(daemon.url("/readyz")) == 200, 60, "/readyz after the restart")
    recovered = wait_until(lambda: daemon.find("store.recovered"), 10, "store.recovered in the log")
    assert recovered["fields"]["outage_seconds"] >= 3
    up = samples(daemon)
    assert up["entsync_store_up"] == 1 and up["entsync_store_outages_total"] == 1
    assert up["entsync_store_last_outage_seconds"] >= 3
    assert outcome_files(inbox, "processed")["delta"]["outcome"] == "applied"
    listed = cli(store, "deliveries", "--json", cwd=tmp_path).stdout
    assert listed.count('"delivery_id"') == 2
    assert daemon.terminate() == 0
    shutil.rmtree(inbox)


def test_the_service_started_against_a_stopped_server_exits_in_one_line(restartable_pg, tmp_path):
    store = restartable_pg.new_store(query="?connect_timeout=2")
    restartable_pg.halt()
    started = time.monotonic()
    proc = cli(store, "run", "--inbox", str(tmp_path / "inbox"), "--listen", "127.0.0.1:0", cwd=tmp_path, code=1)
    assert time.monotonic() - started < 30
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "entsync: error: the store cannot be reached" in proc.stderr


def test_a_context_outlives_the_restart_of_its_server(restartable_pg):
    """The read model's connection and the event store's pool are replaced
    after a restart: the same context answers again, no rebuild."""
    from daemon import bootstrap
    from projections.db import StoreUnavailable, outage

    # The event store's calls are retried ten times (eventsourcing), each waiting for a
    # connection up to the connect timeout: the shortest one keeps the outage's failure short.
    ctx = bootstrap.build(restartable_pg.new_store(query="?connect_timeout=1"))
    try:
        facts = ctx.log.max_position()
        assert facts >= 1 and ctx.db.scalar("SELECT 1") == 1
        restartable_pg.halt()
        with pytest.raises(StoreUnavailable) as lost:
            ctx.db.scalar("SELECT 1")
        assert "127.0.0.1" in str(lost.value)
        with pytest.raises(Exception) as failed:
            ctx.log.max_position()
        assert outage(failed.value) is not None
        restartable_pg.resume()
        ctx.log.reconnect_now()
        assert ctx.db.scalar("SELECT 1") == 1
        assert ctx.log.max_position() == facts
        with ctx.db.transaction():  # a unit of work on the fresh connection
            assert ctx.db.scalar("SELECT 1") == 1
    finally:
        ctx.close()
