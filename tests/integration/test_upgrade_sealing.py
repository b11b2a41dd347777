"""A store written by an earlier release holds personal data in clear in its
stored events; opened by this release, it is sealed in place, batch by batch
(events/usecases/upgrade_sealing.py). Afterwards no generated name is left
in the event table, every event decodes to exactly the domain event it was,
and `verify` is equal. Killed after its second batch, the upgrade resumes
after it. The stores of earlier releases are the committed logs
(tests/fixtures/log_v1, log_v2) and one built by a log without a key ring,
which writes states in clear as those releases did."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.aaf.summary import canonical_record
from daemon import bootstrap
from events.account import Account
from events.application import DirectoryLog
from events.policy import Policy
from events.upgrade import Sealing, sealing_id
from events.usecases import aaf_scan, siecle_records
from events.usecases.aaf_ingest import ingest
from events.usecases.intake import Arrival, dispatch
from events.usecases.siecle_import import ingest_siecle
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
    """Every event decodes to the domain event it was, its digests re-keyed
    (the store's pepper is not the one that hashed them); after them, the
    fact of the sealing, once."""
    after = [(type(e), dict(vars(e))) for _, e in ctx.log.iter_events()]
    assert [(t, _without_digests(v)) for t, v in after[: len(before)]] == [(t, _without_digests(v)) for t, v in before]
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


# --- digests: an earlier release's plain hashes, re-keyed by the upgrade -----------------------------

# The facts a record whose digest differs from the read model's may record again with the same values.
RECORDED_AGAIN = (
    "entsync:Account.Changed.v1",
    "entsync:SourceRecord.Changed.v1",
    "entsync:SiecleStudent.Changed.v1",
    "entsync:SiecleStudent.GuardianLinkChanged.v1",
    "entsync:SiecleGuardian.Changed.v1",
)
T_SIECLE = datetime(2026, 9, 4, 6, tzinfo=timezone.utc)
T_AGAIN = datetime(2026, 9, 8, 6, tzinfo=timezone.utc)


def plain_aaf(text: str) -> str:
    """An AAF record's digest as the releases before issue 17 computed it."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def plain_siecle(pepper: bytes, values, purpose: str = "siecle-record") -> str:
    """A SIECLE digest as the releases before issue 17 computed it (no pepper, no purpose)."""
    return plain_aaf(json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


@pytest.fixture(scope="module")
def with_siecle(tmp_path_factory):
    """A delivery and SIECLE exports, and the same records delivered again
    (another date and part size, attributes in another order: other files)."""
    root = tmp_path_factory.mktemp("rekey")
    first = make_academie(root / "first", "--students", "60", "--seed", "17", "--sources", "aaf,siecle", "--no-second")
    again = make_academie(
        root / "again",
        *("--students", "60", "--seed", "17", "--sources", "aaf,siecle", "--no-second"),
        *("--date", "20260902", "--part-size", "23", "--shuffle-attributes"),
    )
    return first, again


def _siecle(acad) -> list[Path]:
    (exports,) = [e for date in acad.manifest["sources"]["siecle"].values() for e in date.values()]
    return [acad.root / exports["eleves"], acad.root / exports["responsables"]]


def topics(url: str) -> Counter[str]:
    db = Database(url)
    try:
        table = "stored_events" if db.dialect == "sqlite" else "entsync_events"
        return Counter({t: int(n) for t, n in db.query(f"SELECT topic, COUNT(*) FROM {table} GROUP BY topic")})
    finally:
        db.close()


def digests(url: str) -> set[str]:
    """The digests the change-detection indexes of AAF and SIECLE hold."""
    db = Database(url)
    try:
        return {d for table in ("records", "siecle_records") for (d,) in db.query(f"SELECT digest FROM {table}") if d}
    finally:
        db.close()


def _without_digests(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in ("digest", "links_digest")}


def test_the_same_records_delivered_after_the_upgrade_record_nothing(store_url, with_siecle, monkeypatch, capsys):
    first, again = with_siecle
    with monkeypatch.context() as earlier:
        # The earlier release's digests: plain hashes of the records, in clear.
        earlier.setattr(aaf_scan, "record_digester", lambda pepper: plain_aaf)
        earlier.setattr(siecle_records, "digest", plain_siecle)
        ctx = bootstrap.build(store_url, Policy())
        try:
            ctx.log.close()
            ctx.log = DirectoryLog(env=StoreURL(store_url).eventsourcing_env())
            assert dispatch(Arrival("aaf", str(first.first)), ctx, T0).status == "applied"
            tick(ctx, T_CREATE)
            for export in _siecle(first):
                assert ingest_siecle(export, ctx, T_SIECLE).status == "applied"
            for model in (ctx.projection, ctx.siecle):
                model.catch_up(ctx.log)
        finally:
            ctx.close()
    as_earlier_release(store_url)
    held = digests(store_url)
    before = decoded(store_url)
    # The earlier release's digests, in its events and its read model: plain hashes of the records.
    assert {plain_aaf(canonical_record(v["attrs"])) for t, v in before if t is Account.Appeared} <= held
    assert len(held) > 100

    ctx = bootstrap.build(store_url, Policy())
    try:
        report = ensure(ctx, "test")
        assert report is not None and report.sealing is not None
        rekeyed = digests(store_url)
        assert len(rekeyed) == len(held) and not rekeyed & held  # every digest re-keyed
        # Each event is the fact it was: only its digest, under the store's function now, and its sealing.
        after = [(type(e), dict(vars(e))) for _, e in ctx.log.iter_events()][: len(before)]
        assert [(t, _without_digests(v)) for t, v in after] == [(t, _without_digests(v)) for t, v in before]
        counted = topics(store_url)
        result = ingest(str(again.first), ctx, T_AGAIN)
        assert result.status == "applied", result
        for export in _siecle(again):
            assert ingest_siecle(export, ctx, T_AGAIN).status == "applied"
        recorded = topics(store_url) - counted
        assert not {t: n for t, n in recorded.items() if t in RECORDED_AGAIN}, recorded
        assert recorded["entsync:Delivery.Applied.v1"] == 1  # the delivery was read and applied
    finally:
        ctx.close()
    assert Cli(store_url, capsys).run("verify")[0] == 0
