"""The sealing upgrade on the in-memory twin (events/usecases/upgrade_sealing.py):
a log written in clear, as an earlier release wrote it, sealed in place;
each event decodes as before; once done, nothing walks again."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from daemon import bootstrap
from daemon.preview import copy_log
from events.application import DirectoryLog
from events.faults import CountingFaults
from events.policy import Policy
from events.upgrade import Sealing
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from events.usecases.upgrade import ensure
from events.usecases.upgrade_sealing import StoredState, resealed
from generator.cli import run as generate
from tests.conftest import TEST_PEPPER

T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)


def plaintext_twin(tmp_path):
    """The twin holding a log written without a key ring, its sealing not begun."""
    assert generate([str(tmp_path), "--students", "12", "--seed", "5"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    first = tmp_path / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]
    # One pepper: the digests the earlier log holds are this store's already, and re-keying them changes nothing
    # (tests/integration/test_upgrade_sealing.py re-keys an earlier release's plain ones).
    earlier = bootstrap.build("memory:", Policy(), pepper=TEST_PEPPER)
    earlier.log = DirectoryLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    dispatch(Arrival("aaf", str(first)), earlier, T0)
    tick(earlier, datetime(2026, 9, 3, 6, tzinfo=timezone.utc))
    ctx = bootstrap.build("memory:", Policy(), faults=CountingFaults(), batch=25, pepper=TEST_PEPPER)
    copy_log(earlier.log, ctx.log)
    ctx.db.execute("DELETE FROM sealing")  # an earlier release had no position row
    return ctx, earlier.log


def test_a_plaintext_log_is_sealed_in_batches_and_decodes_as_before(tmp_path):
    ctx, plain = plaintext_twin(tmp_path)
    before = [(type(e), vars(e)) for _, e in plain.iter_events()]
    report = ensure(ctx, "test")
    assert report is not None and report.sealing is not None and not report.needed
    sealing = report.sealing
    assert sealing.events > 25 and sealing.batches == ctx.faults.counts["upgrade.sealed"] > 1
    assert (
        report.notice()
        == f"sealed personal fields of {sealing.events} events in {sealing.batches} batches; the store is sealed"
    )
    after = [(type(e), vars(e)) for _, e in ctx.log.iter_events()]
    assert after[:-1] == before and after[-1][0] is Sealing.Completed
    stored = ctx.log.recorder._stored_events
    assert sum(b'"sealed":1' in s.state for s in stored) == sealing.events
    assert ensure(ctx, "test") is None and ctx.faults.counts["upgrade.sealed"] == sealing.batches


def test_a_state_sealed_or_without_personal_fields_is_left_as_it_is(tmp_path):
    ctx, plain = plaintext_twin(tmp_path)
    notes = plain.notifications(0, 10_000)
    mapper = ctx.log.mapper
    rows = [StoredState(n.id, str(n.originator_id), n.topic, n.state) for n in notes]
    personal = [r for r in rows if r.topic in mapper.sealer.spec]
    other = [r for r in rows if r.topic not in mapper.sealer.spec]
    assert personal and other and all(resealed(mapper, r) is None for r in other)
    sealed = [StoredState(r.position, r.originator_id, r.topic, s) for r in personal if (s := resealed(mapper, r))]
    assert sealed and all(resealed(mapper, r) is None for r in sealed)
