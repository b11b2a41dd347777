"""SIGKILL at a commit point of a scenario (ingest, tick, ingest, tick;
events/faults.py lists the points), then restart: the log (every event,
storage timestamps aside) and every read-model row equal those of an
uninterrupted run. The points killed at: 24 spread over the whole run, and
each kind of point the scenario reaches, on its own, at its middle
occurrence. All of them on SQLite; on PostgreSQL every third of the spread
ones, over every phase of the scenario (the resume logic is the same code;
what PostgreSQL adds is its transactions, which any point exercises), to
keep CI within its time."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import declare_store
from tests.integration.conftest import make_academie
from tests.stored import store_snapshot

SPREAD = 24
# Every kind of commit point the scenario reaches (the reference run checks
# that it reaches these and no other), each killed at on its own too.
KINDS = (
    "details.destroyed",  # the scenario's last tick is past its deliveries' retention (issue 17)
    "log.saved",
    "readmodel.committed",
    "relink.starting",
    "staging.cleared",
    "staging.followed",
    "staging.phase",
    "staging.written",
)
CASES = (
    [pytest.param(p, "sqlite", id=f"sqlite-{p}") for p in range(SPREAD)]
    + [pytest.param(kind, "sqlite", id=f"sqlite-{kind}") for kind in KINDS]
    + [pytest.param(p, "postgres", id=f"postgres-{p}", marks=pytest.mark.postgres) for p in range(1, SPREAD, 3)]
)
ROOT = Path(__file__).resolve().parents[2]


def _run(store: str, stepfile: Path, kill_at: str, academie) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.crash_runner",
            store,
            str(stepfile),
            kill_at,
            str(academie.first),
            str(academie.second),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _snapshot(store: str) -> tuple[list, dict]:
    return store_snapshot(store)


@pytest.fixture(scope="module")
def small_academie(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("crash"), "--students", "120", "--seed", "11")


@pytest.fixture(scope="module")
def reference(small_academie, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    store = declare_store(f"sqlite:///{tmp}/reference.db")  # the pepper of the stores it is compared with
    done = _run(store, tmp / "steps", "0", small_academie)
    assert done.returncode == 0, done.stderr
    reached = json.loads(done.stdout.strip().splitlines()[-1])
    events, rows = _snapshot(store)
    assert sorted(reached) == sorted(KINDS) and sum(reached.values()) > SPREAD and len(events) > 500
    return reached, events, rows


@pytest.mark.slow
@pytest.mark.parametrize("point, backend", CASES)
def test_sigkill_then_restart_equals_uninterrupted(point, backend, store_url, small_academie, reference, tmp_path):
    reached, ref_events, ref_rows = reference
    if isinstance(point, int):
        total = sum(reached.values())
        kill_at = str(max(1, math.ceil(total * (point + 0.5) / SPREAD)))
    else:
        kill_at, total = f"{point}:{(reached[point] + 1) // 2}", reached[point]
    stepfile = tmp_path / "steps"
    killed = _run(store_url, stepfile, kill_at, small_academie)
    assert killed.returncode == -9, f"expected SIGKILL at point {kill_at} of {total}: {killed.stderr[-2000:]}"
    resumed = _run(store_url, stepfile, "0", small_academie)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    events, rows = _snapshot(store_url)
    assert len(events) == len(ref_events)
    assert events == ref_events
    assert rows == ref_rows
