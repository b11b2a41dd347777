"""The read model's fast decoder reads every stored event exactly as the
eventsourcing mapper does (same fields, same values, same types)."""

from __future__ import annotations

import dataclasses

from daemon import bootstrap
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from projections import facts
from tests.integration.conftest import T1, academie_started


def test_fast_decoder_equals_the_mapper(request, backend, academie):
    # From a copy of the store where the first delivery was applied at T0 and its accounts created at T_CREATE.
    ctx = bootstrap.build(academie_started(request, backend, academie), Policy())
    request.addfinalizer(ctx.close)
    ingest(str(academie.second), ctx, T1)
    decode = facts.decoder(ctx.log)  # no cipher, no compressor: the fast path, opening sealed fields
    assert decode is not facts._fast and decode.__name__ == "opened"
    topics, sealed = set(), 0
    for note in ctx.log.notifications(0, 1_000_000):
        fast = decode(note)
        sealed += facts.SEALED in note.state
        event = ctx.log.mapper.to_domain_event(note)
        expected = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
        got = {k: v for k, v in vars(fast).items() if k != "topic"}
        assert got == expected, note.topic
        assert fast.topic == note.topic
        topics.add(note.topic)
    assert {
        "entsync:Account.Appeared.v1",
        "entsync:Account.Departed.v1",
        "entsync:Login.Reserved.v1",
        "entsync:Delivery.Applied.v1",
        "entsync:SourceRecord.Appeared.v1",
    } <= topics
    assert sealed > 0  # personal fields were sealed, and read back equal to the mapper's


def test_compressed_or_encrypted_logs_use_the_mapper(request, backend, academie):
    from types import SimpleNamespace

    ctx = bootstrap.build(academie_started(request, backend, academie), Policy())  # a log of the year started
    request.addfinalizer(ctx.close)
    note = next(n for n in ctx.log.notifications(0, 10) if not n.topic.startswith("entsync:Store."))
    compressed = SimpleNamespace(
        mapper=SimpleNamespace(cipher=None, compressor=object(), to_domain_event=ctx.log.mapper.to_domain_event)
    )
    decode = facts.decoder(compressed)
    assert decode is not facts._fast
    event = decode(note)
    assert event.topic == note.topic and event.originator_id == note.originator_id
    assert vars(facts._fast(note))["at"] == event.at
