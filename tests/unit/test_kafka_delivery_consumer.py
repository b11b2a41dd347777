"""The distributed ingest's consumer (daemon/kafka/ingest.py) on the
in-memory broker, with a SQLite store in a temporary directory: a delivery
announced is ingested, Kafka's offsets are committed only after the store's
commit, and a member that dies between the two leaves the delivery to the
next member of the group, which ingests it once."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from daemon.kafka.ingest import DeliveryConsumer, publish
from daemon.kafka.local import LocalBroker, LocalConsumer
from daemon.kafka.loop import consume
from daemon.kafka.port import Message
from events.clock import ManualClock
from events.faults import Faults
from events.policy import Policy

VALUES = Path(__file__).resolve().parents[1] / "fixtures" / "aaf" / "values"  # complete, 11 records
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
TOPIC, GROUP, PARTITIONS = "deliveries", "daemons", 3


class Died(Exception):
    """A process dying at a commit point, as far as the test can tell."""


class DieAt(Faults):
    def __init__(self, point: str):
        self.point = point

    def reached(self, point: str) -> None:
        super().reached(point)
        if point == self.point:
            raise Died(point)


class Watch(Faults):
    """Notes, at ``kafka.stored``, what the store holds and what Kafka has committed."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, dict]] = []
        self.consumer: LocalConsumer | None = None
        self.worker: DeliveryConsumer | None = None

    def reached(self, point: str) -> None:
        super().reached(point)
        if point == "kafka.stored":
            assert self.consumer is not None and self.worker is not None
            committed = {p: self.consumer.committed(p) for p in range(PARTITIONS)}
            self.seen.append((self.worker.backlog(), committed))


@pytest.fixture
def store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/store.db"
    bootstrap.build(url, Policy(), simulation=True).close()  # runs at dates of its own, as the tests' stores
    return url


@pytest.fixture
def broker() -> LocalBroker:
    broker = LocalBroker()
    broker.create_topic(TOPIC, PARTITIONS)
    return broker


def _applied(store: str) -> int:
    ctx = bootstrap.build(store, Policy())
    try:
        ctx.projection.catch_up(ctx.log)
        return int(ctx.db.scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'applied'"))
    finally:
        ctx.close()


def test_the_schema_holds_the_consumer_tables_before_any_consumer(store):
    ctx = bootstrap.build(store, Policy())
    try:
        assert ctx.db.table_exists("kafka_inbound") and ctx.db.table_exists("kafka_offsets")
    finally:
        ctx.close()


def test_a_delivery_announced_is_ingested_and_its_offsets_committed_after_the_store(store, broker):
    sent = publish(str(VALUES), broker.producer(), TOPIC)
    assert (sent["records"], sent["partitions"]) == (11, PARTITIONS)
    watch = Watch()
    ctx = bootstrap.build(store, Policy(), faults=watch)
    consumer = broker.consumer(TOPIC, GROUP)
    worker = DeliveryConsumer(ctx, consumer)
    watch.consumer, watch.worker = consumer, worker
    try:
        ends = consumer.end_offsets()
        assert worker.backlog() == sum(ends.values()) == 11 + 2 * PARTITIONS
        results = worker.poll(0, T0)
        assert [(r.delivery_id, r.status) for r in results] == [(sent["delivery_id"], "applied")]
        # At the commit point, the store held every message and Kafka had committed nothing.
        assert watch.seen == [(0, {p: None for p in range(PARTITIONS)})]
        assert {p: consumer.committed(p) for p in ends} == ends
        assert {p: worker.position(p) for p in ends} == {p: end - 1 for p, end in ends.items()}
        assert worker.poll(0, T0) == [] and worker.stored == 0
    finally:
        consumer.close()
        ctx.close()
    assert _applied(store) == 1


class Reading(LocalConsumer):
    """A member that keeps what it was handed."""

    def __init__(self, broker: LocalBroker, topic: str, group: str):
        super().__init__(broker, topic, group)
        self.read: list[Message] = []

    def poll(self, timeout: float) -> list[Message]:
        got = super().poll(timeout)
        self.read += got
        return got


def test_a_member_dead_between_the_store_and_kafka_leaves_the_delivery_to_the_next(store, broker):
    sent = publish(str(VALUES), broker.producer(), TOPIC)
    dying = bootstrap.build(store, Policy(), faults=DieAt("kafka.stored"))
    victim = broker.consumer(TOPIC, GROUP)
    with pytest.raises(Died):
        DeliveryConsumer(dying, victim).poll(0, T0)
    victim.close()  # the broker sees the member go
    dying.close()
    # Nothing committed: Kafka hands the whole topic to the next member again.
    assert {p: victim.committed(p) for p in range(PARTITIONS)} == {p: None for p in range(PARTITIONS)}
    assert _applied(store) == 0

    ctx = bootstrap.build(store, Policy())
    survivor = Reading(broker, TOPIC, GROUP)
    worker = DeliveryConsumer(ctx, survivor)
    try:
        assert worker.backlog() == 0  # all of it in the store already
        results = worker.poll(0, T0)
        # It resumed from the store's position, not from Kafka's: nothing read twice.
        assert survivor.read == [] and worker.stored == 0
        assert [(r.delivery_id, r.status) for r in results] == [(sent["delivery_id"], "applied")]
        assert worker.poll(0, T0) == []

        # Delivered again past the store's position (a new group, the position
        # lost): stored again, and the second ingest is answered already-applied.
        events = ctx.log.max_position()
        with ctx.db.transaction():
            ctx.db.execute("DELETE FROM kafka_offsets")
        again = Reading(broker, TOPIC, "another-group")
        outcomes = DeliveryConsumer(ctx, again).poll(0, T0)
        again.close()
        assert len(again.read) == 11 + 2 * PARTITIONS
        assert [(r.delivery_id, r.status) for r in outcomes] == [(sent["delivery_id"], "already-applied")]
        assert ctx.log.max_position() == events
    finally:
        survivor.close()
        ctx.close()
    assert _applied(store) == 1


def test_consume_waits_for_what_the_group_has_left(store, broker):
    """`entsync consume --idle-exit`'s loop: a member holding no partition
    does not go idle while a peer holds unread messages; it takes them over
    when the peer leaves, then stops once the topic is read to its end."""
    sent = publish(str(VALUES), broker.producer(), TOPIC)
    peer = broker.consumer(TOPIC, GROUP)  # joined first: holds every partition, and never polls
    clock = ManualClock(T0)
    ctx = bootstrap.build(store, Policy(), clock)
    member = broker.consumer(TOPIC, GROUP)
    polls, heard = [], []

    def stopping() -> bool:
        polls.append(member.assignment())
        clock.advance(1)
        if len(polls) == 30:
            peer.close()
        return len(polls) > 100  # a bound, should it never go idle

    try:
        ingested = consume(
            DeliveryConsumer(ctx, member), stopping=stopping, on_result=heard.append, idle_exit=5, now=T0
        )
    finally:
        member.close()
        ctx.close()
    assert ingested == 1 and [(r.delivery_id, r.status) for r in heard] == [(sent["delivery_id"], "applied")]
    assert polls[:30] == [frozenset()] * 30  # thirty idle seconds of its own, but the group had messages left
    assert 30 < len(polls) <= 40  # then it took over, ingested, and stopped after 5 s idle


def test_on_the_twin_a_delivery_announced_is_ingested_once(broker):
    """The consumer on ``memory:`` (its working storage in memory,
    projections/kafka_inbound.py): the same story as on a store."""
    sent = publish(str(VALUES), broker.producer(), TOPIC)
    ctx = bootstrap.build("memory:", Policy(), simulation=True)
    consumer = broker.consumer(TOPIC, GROUP)
    try:
        worker = DeliveryConsumer(ctx, consumer)
        assert [(r.delivery_id, r.status) for r in worker.poll(0, T0)] == [(sent["delivery_id"], "applied")]
        assert worker.backlog() == 0 and ctx.kafka_inbound.ended(TOPIC) == set()  # forgotten once applied
        assert worker.poll(0, T0) == [] and worker.stored == 0
    finally:
        consumer.close()
        ctx.close()
