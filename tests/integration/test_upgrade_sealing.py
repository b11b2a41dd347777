"""A store written by an earlier release holds personal data in clear in its
stored events; opened by this release, it is sealed in place, batch by batch
(events/usecases/upgrade_sealing.py). Afterwards no generated name is left
in the event table, every event decodes to exactly the domain event it was,
and `verify` is equal. Killed after its second batch, the upgrade resumes
after it. The stores of earlier releases are the committed logs
(tests/fixtures/log_v1, log_v2) and one built by a log without a key ring,
which writes states in clear as those releases did."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from daemon import bootstrap
from events.application import DirectoryLog
from events.policy import Policy
from events.upgrade import Sealing, sealing_id
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from events.usecases.upgrade import ensure
from projections.db import Database
from projections.schema import dump
from projections.store_url import StoreURL
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie

FIX = Path(__file__).resolve().parents[1] / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 9, 3, 6, tzinfo=timezone.utc)
LATER = "2026-09-10T06:00:00+00:00"
BATCH = 40  # events per batch: several batches from a small académie


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("sealing"), "--students", "60", "--seed", "17")


def as_earlier_release(url: str) -> None:
    """What an earlier release's store lacks: the key ring and the sealing position."""
    db = Database(url)
    try:
        with db.transaction():
            db.execute("DROP TABLE IF EXISTS sealing")
            db.execute("DROP TABLE IF EXISTS keyring")
    finally:
        db.close()


def plaintext_store(url: str, academie) -> None:
    """A delivery ingested and its accounts created by a log without a key ring."""
    ctx = bootstrap.build(url, Policy())
    try:
        ctx.log.close()
        ctx.log = DirectoryLog(env=StoreURL(url).eventsourcing_env())
        dispatch(Arrival("aaf", str(academie.first)), ctx, T0)
        tick(ctx, T_CREATE)
        ctx.projection.catch_up(ctx.log)
    finally:
        ctx.close()
    as_earlier_release(url)


def fixture_store(url: str, name: str) -> None:
    lines = [json.loads(line) for line in (FIX / name / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    plain = DirectoryLog(env=StoreURL(url).eventsourcing_env())
    try:
        plain.recorder.insert_events(
            [
                StoredEvent(UUID(e["originator_id"]), e["originator_version"], e["topic"], e["state"].encode("utf-8"))
                for e in lines
            ]
        )
    finally:
        plain.close()


def decoded(url: str) -> list[tuple[type, dict]]:
    """Every stored event as the domain event it decodes to, read without keys (a plaintext store)."""
    log = DirectoryLog(env=StoreURL(url).eventsourcing_env())
    try:
        return [(type(e), dict(vars(e))) for _, e in log.iter_events()]
    finally:
        log.close()


def raw_states(url: str) -> list[bytes]:
    db = Database(url)
    try:
        table = "stored_events" if db.dialect == "sqlite" else "entsync_events"
        return [bytes(s) for (s,) in db.query(f"SELECT state FROM {table}")]
    finally:
        db.close()


def personal_values(url: str) -> set[str]:
    """The generated persons' names and birth dates, as JSON strings (a
    ciphertext in base64 never holds a quote)."""
    db = Database(url)
    try:
        values = set()
        for (attrs,) in db.query("SELECT attrs FROM accounts"):
            for key in ("sn", "givenName", "ENTPersonDateNaissance"):
                values.update(v for v in json.loads(attrs).get(key, []) if len(v) >= 4)
        return values
    finally:
        db.close()


def exposed(url: str, values: set[str]) -> set[str]:
    """The values found in the raw event table, escaped or not."""
    text = b"\n".join(raw_states(url)).decode("utf-8")
    return {v for v in values if json.dumps(v) in text or json.dumps(v, ensure_ascii=False) in text}


def after_upgrade(ctx, before: list[tuple[type, dict]]) -> None:
    """Every event decodes to the domain event it was; after them, the fact of the sealing, once."""
    after = [(type(e), dict(vars(e))) for _, e in ctx.log.iter_events()]
    assert after[: len(before)] == before
    assert [t for t, _ in after[len(before) :]].count(Sealing.Completed) == 1


def test_a_plaintext_store_is_sealed_in_place(store_url, small, capsys):
    plaintext_store(store_url, small)
    names = personal_values(store_url)
    assert len(names) > 100 and exposed(store_url, names) == names  # the earlier release's store, in clear
    before = decoded(store_url)
    rows = None
    cli = Cli(store_url, capsys)
    code, out = cli.run("tick", "--now", LATER)  # a command that writes upgrades first
    assert code == 0, out
    assert "sealed personal fields of" in cli.err and "events in 1 batches" in cli.err
    assert exposed(store_url, names) == set()
    ctx = bootstrap.build(store_url, Policy())
    try:
        after_upgrade(ctx, before)
        fact = ctx.log.get(sealing_id())
        assert fact.batches == 1 and fact.events == ctx.stored_states.progress().events > 100
        assert ctx.stored_states.progress().done
        rows = dump(ctx.db)
        assert ensure(ctx, "again") is None  # done: nothing walks again
    finally:
        ctx.close()
    assert cli.run("verify")[0] == 0
    ctx = bootstrap.build(store_url, Policy())
    try:
        ctx.projection.reset()
        ctx.projection.catch_up(ctx.log)
        assert dump(ctx.db) == rows  # the sealed log replays to the same read model
    finally:
        ctx.close()


@pytest.mark.parametrize("name", ["log_v1", "log_v2"])
@pytest.mark.raw_store
def test_the_committed_logs_of_earlier_releases_are_sealed(store_url, name, capsys):
    fixture_store(store_url, name)
    before = decoded(store_url)
    cli = Cli(store_url, capsys)
    report = cli.json("store", "upgrade")
    assert report["sealing"]["events"] > 0 and report["sealing"]["resumed_from"] == 0
    names = personal_values(store_url)  # the read model rebuilt from the log holds them in clear
    assert len(names) > 10 and exposed(store_url, names) == set()
    ctx = bootstrap.build(store_url, Policy())
    try:
        after_upgrade(ctx, before)
    finally:
        ctx.close()
    assert cli.run("verify")[0] == 0


def _run(url: str, stop_at: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.sealing_runner", url, str(stop_at), str(BATCH)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_upgrade_killed_after_its_second_batch_resumes_after_it(store_url, small):
    plaintext_store(store_url, small)
    names = personal_values(store_url)
    before = decoded(store_url)
    killed = _run(store_url, 2)
    assert killed.returncode == -9, killed.stderr[-2000:]
    ctx = bootstrap.build(store_url, Policy())
    try:
        progress = ctx.stored_states.progress()
        assert progress is not None and progress.batches == 2 and not progress.done
        assert progress.events == 2 * BATCH  # both batches committed; the rest still in clear
        assert set() != exposed(store_url, names) != names
    finally:
        ctx.close()
    resumed = _run(store_url, 0)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    counted = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert counted["resumed_from"] == progress.position
    ctx = bootstrap.build(store_url, Policy())
    try:
        final = ctx.stored_states.progress()
        # the batches committed before the kill were not walked again
        assert counted["batches"] == final.batches - 2 > 0
        assert final.done and ctx.log.get(sealing_id()).batches == final.batches
        after_upgrade(ctx, before)
    finally:
        ctx.close()
    assert exposed(store_url, names) == set()
