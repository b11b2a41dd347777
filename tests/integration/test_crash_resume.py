"""SIGKILL at 24 points of a scenario (ingest, tick, ingest, tick), then
restart: the log (every event, storage timestamps aside) and every read-model
row equal those of an uninterrupted run. Every point on SQLite; on PostgreSQL
every third point, spread over every phase of the scenario (the resume logic
is the same code; what PostgreSQL adds is its transactions, which any point
exercises), to keep CI within its time."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from daemon import bootstrap
from events.policy import Policy
from projections.schema import dump
from tests.integration.conftest import make_academie

POINTS = 24
CASES = [pytest.param(p, "sqlite", id=f"sqlite-{p}") for p in range(POINTS)] + [
    pytest.param(p, "postgres", id=f"postgres-{p}", marks=pytest.mark.postgres) for p in range(1, POINTS, 3)
]
ROOT = Path(__file__).resolve().parents[2]


def _run(store: str, stepfile: Path, kill_at: int, academie) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.crash_runner",
            store,
            str(stepfile),
            str(kill_at),
            str(academie.first),
            str(academie.second),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _snapshot(store: str) -> tuple[list, dict]:
    ctx = bootstrap.build(store, Policy())
    events = []
    for note in ctx.log.notifications(0, 1_000_000):
        state = json.loads(note.state)
        state.pop("timestamp", None)  # storage time, not a fact
        state.pop("declared_at", None)  # the wall-clock time the store was declared (events/store.py)
        events.append((note.topic, str(note.originator_id), note.originator_version, state))
    ctx.projection.catch_up(ctx.log)
    rows = dump(ctx.db)
    ctx.close()
    return events, rows


@pytest.fixture(scope="module")
def small_academie(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("crash"), "--students", "120", "--seed", "11")


@pytest.fixture(scope="module")
def reference(small_academie, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    store = f"sqlite:///{tmp}/reference.db"
    done = _run(store, tmp / "steps", 0, small_academie)
    assert done.returncode == 0, done.stderr
    writes = int(done.stdout.strip().splitlines()[-1])
    events, rows = _snapshot(store)
    assert writes > POINTS and len(events) > 500
    return writes, events, rows


@pytest.mark.slow
@pytest.mark.parametrize("point, backend", CASES)
def test_sigkill_then_restart_equals_uninterrupted(point, backend, store_url, small_academie, reference, tmp_path):
    writes, ref_events, ref_rows = reference
    kill_at = max(1, math.ceil(writes * (point + 0.5) / POINTS))
    stepfile = tmp_path / "steps"
    killed = _run(store_url, stepfile, kill_at, small_academie)
    assert killed.returncode == -9, f"expected SIGKILL at write {kill_at}/{writes}: {killed.stderr[-2000:]}"
    resumed = _run(store_url, stepfile, 0, small_academie)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    events, rows = _snapshot(store_url)
    assert len(events) == len(ref_events)
    assert events == ref_events
    assert rows == ref_rows
