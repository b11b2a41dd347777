"""The time guard (domain-rules §12, issue 8): a typo in ``--now`` must not
move a production store's clock for ever, nor end in a traceback. Through the
`entsync` CLI in-process, on both store backends.

- a ``--now`` out of range (year 0, year 10000, 9999-12-31) is a one-line
  usage error, exit 1 (2 means rejected or held), nothing recorded;
- a ``--now`` beyond the wall clock on a production store is refused, exit 1,
  nothing recorded, and the store goes on working at the wall clock;
- ``--force`` accepts it, records that it was forced, and `store info` says
  the store's clock is ahead;
- a simulation store (declared when it is created, never later) takes any
  ``--now``, and judges overdue creations at its last recorded time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon.cli import main

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
PAST = "2026-08-18T06:00:00+00:00"  # the fixtures' delivery date, before any wall clock this runs on


class Cli:
    def __init__(self, store_url: str, capsys):
        self.store_url, self.capsys = store_url, capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--store", self.store_url, *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str):
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def facts(self) -> int:
        return self.json("store", "info")["facts"]


@pytest.fixture
def cli(store_url, capsys) -> Cli:
    return Cli(store_url, capsys)


def in_days(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@pytest.mark.production_store
@pytest.mark.parametrize(
    "typo",
    ["9999-12-31T23:59:59", "10000-01-01T00:00:00", "0000-01-01", "1999-12-31", "2200-01-01", "2026-13-01", "tomorrow"],
)
def test_a_now_out_of_range_is_a_one_line_error(cli, typo):
    before = cli.facts()
    with pytest.raises(SystemExit) as exc:
        main(["--store", cli.store_url, "tick", "--now", typo])
    assert exc.value.code == 1  # a usage error is an error; 2 means rejected or held (README)
    err = cli.capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("entsync: error: tick: argument --now"), err
    assert cli.facts() == before


@pytest.mark.production_store
def test_a_future_now_on_a_production_store_is_refused_and_the_store_still_works(cli):
    info = cli.json("store", "info")
    assert info["kind"] == "production"
    code, _, _ = cli.run("ingest", str(FIX / "values"), "--now", PAST)
    assert code == 0
    facts = cli.facts()

    for command in (["tick"], ["group-source", "0011068F", "manual"], ["purge", "hold"]):
        code, out, err = cli.run(*command, "--now", in_days(2))
        assert code == 1, (command, out)
        assert err.count("\n") == 1 and "beyond the wall clock" in err and "--force" in err
        assert "Traceback" not in err
    assert cli.facts() == facts, "a refused --now recorded something"

    # The store goes on at the wall clock: the accounts become active.
    code, out, err = cli.run("tick", "--json")
    assert code == 0, err
    assert json.loads(out)["transitions"], "the 48 h were long over: creations were due"
    # Within the skew (default 1 h) a --now slightly ahead of the wall clock is a clock, not a typo.
    code, _, err = cli.run("tick", "--now", in_days(10 / 1440))
    assert code == 0, err
    states = {a["state"] for a in cli.json("accounts")}
    assert states == {"active"}
    info = cli.json("store", "info")
    assert info["clock_forced"] == 0
    assert info["ahead_of_wall_clock_seconds"] <= 15 * 60


@pytest.mark.production_store
def test_force_moves_the_clock_and_says_so(cli):
    future = in_days(400)
    code, out, err = cli.run("tick", "--now", future, "--force", "--dry-run")
    assert code == 0, err
    assert cli.json("store", "info")["clock_forced"] == 0, "a dry run records nothing"

    code, out, err = cli.run("tick", "--now", future, "--force")
    assert code == 0, err
    info = cli.json("store", "info")
    assert info["clock_forced"] == 1
    assert info["last_forced"] == datetime.fromisoformat(future).isoformat()
    assert info["last_recorded_time"] == info["last_forced"]
    assert info["ahead_of_wall_clock_seconds"] > 399 * 86400
    code, out, _ = cli.run("store", "info")
    assert "AHEAD of the wall clock" in out

    code, _, err = cli.run("tick")
    assert code == 1
    assert "before the last recorded effective time" in err and "entsync store info" in err


@pytest.mark.production_store
def test_a_store_is_declared_once(cli, tmp_path, capsys):
    code, _, err = cli.run("store", "init", "--simulation")
    assert code == 1
    assert "declared a production store when it was created; that cannot change" in err
    assert cli.json("store", "info")["kind"] == "production"

    # A store of an earlier release has facts and no declaration: a production store, for good.
    old = Cli(f"sqlite:///{tmp_path / 'old.db'}", capsys)
    assert old.run("ingest", str(FIX / "values"), "--now", PAST)[0] == 0
    assert old.json("store", "info")["declared_at"] is None
    code, _, err = old.run("store", "init", "--simulation")
    assert code == 1
    assert "declared a simulation when it is created, never later" in err
    assert old.json("store", "info")["kind"] == "production"


def test_a_simulation_store_takes_any_now_and_judges_at_its_own_time(cli):
    info = cli.json("store", "info")
    assert info["kind"] == "simulation" and info["declared_at"]
    assert cli.run("ingest", str(FIX / "values"), "--now", PAST)[0] == 0
    # Judged at the last recorded time (the delivery), nothing is overdue yet,
    # although the wall clock is months after the 48 h.
    assert [a for a in cli.json("anomalies") if a["anomaly"] == "creation_overdue"] == []
    # A production store is declared once: init cannot turn it around.
    code, _, err = cli.run("store", "init")
    assert code == 1 and "declared a simulation" in err

    far = "2150-06-01T00:00:00+00:00"
    code, out, err = cli.run("tick", "--now", far, "--json")
    assert code == 0, err
    assert cli.json("store", "info")["clock_forced"] == 0
    # Without --now the simulation goes on at its own time, not the wall clock.
    code, out, err = cli.run("tick", "--json")
    assert code == 0, err
    assert json.loads(out)["at"].startswith("2150-06-01")


@pytest.mark.production_store
def test_a_production_store_judges_overdue_creations_at_the_wall_clock(cli):
    assert cli.run("ingest", str(FIX / "values"), "--now", PAST)[0] == 0
    overdue = [a for a in cli.json("anomalies") if a["anomaly"] == "creation_overdue"]
    assert len(overdue) == len(cli.json("accounts")) > 0
