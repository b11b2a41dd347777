"""The contracts of the store's small ports used by daemon/ (issue 11): the
Kafka consumer's working storage (projections/kafka_inbound.py), the
outbound position (projections/outbound_position.py) and the store's ping
(projections/store_ping.py). One mixin per port, run against the in-memory
twin in tests/unit and against SQLite and PostgreSQL in tests/integration.

A subclass gives the fixtures: ``inbound`` and ``peer_inbound`` (another
daemon's handle on the same store: another connection where there is one),
``positions`` and ``peer_positions``, ``reachable`` and ``unreachable``
pings."""

from __future__ import annotations

import pytest

from projections.db import outage
from projections.kafka_inbound import InboundMessage, KafkaInbound, Marker
from projections.outbound_position import OutboundPositions
from projections.store_ping import StorePing

TOPIC, OTHER_TOPIC = "deliveries", "other-deliveries"


def begin(partition: int, offset: int, delivery: str = "d1") -> InboundMessage:
    return InboundMessage(partition, offset, delivery, "begin", -1, f'{{"type":"begin","p":{partition}}}')


def record(partition: int, offset: int, seq: int, delivery: str = "d1") -> InboundMessage:
    return InboundMessage(partition, offset, delivery, "record", seq, f'{{"type":"record","seq":{seq}}}')


def end(partition: int, offset: int, delivery: str = "d1", kind: str = "end") -> InboundMessage:
    return InboundMessage(partition, offset, delivery, kind, -1, f'{{"type":"{kind}","p":{partition}}}')


# Two partitions of one delivery, the records' order in the delivery crossing them.
DELIVERY = [
    begin(0, 0),
    record(0, 1, seq=1),
    record(0, 2, seq=3),
    end(0, 3),
    begin(1, 0),
    record(1, 1, seq=0),
    record(1, 2, seq=2),
]


class KafkaInboundContract:
    @pytest.fixture
    def inbound(self) -> KafkaInbound:
        raise NotImplementedError

    @pytest.fixture
    def peer_inbound(self, inbound: KafkaInbound) -> KafkaInbound:
        raise NotImplementedError

    def test_nothing_kept_at_first(self, inbound: KafkaInbound) -> None:
        assert inbound.position(TOPIC, 0) is None
        assert inbound.ended(TOPIC) == set()
        assert (inbound.markers(TOPIC, "d1"), inbound.record_counts(TOPIC, "d1"), inbound.records(TOPIC, "d1")) == (
            [],
            {},
            [],
        )

    def test_what_is_stored_is_read_back_by_another_daemon(
        self, inbound: KafkaInbound, peer_inbound: KafkaInbound
    ) -> None:
        inbound.store(TOPIC, DELIVERY)
        for store in (inbound, peer_inbound):
            assert [store.position(TOPIC, p) for p in (0, 1, 2)] == [3, 2, None]
            assert store.ended(TOPIC) == {"d1"}
            assert store.markers(TOPIC, "d1") == [
                Marker(0, "begin", DELIVERY[0].payload),
                Marker(0, "end", DELIVERY[3].payload),
                Marker(1, "begin", DELIVERY[4].payload),
            ]
            assert store.record_counts(TOPIC, "d1") == {0: 2, 1: 2}
            assert store.records(TOPIC, "d1") == [
                '{"type":"record","seq":0}',
                '{"type":"record","seq":1}',
                '{"type":"record","seq":2}',
                '{"type":"record","seq":3}',
            ]

    def test_a_message_stored_again_stays_as_it_was(self, inbound: KafkaInbound) -> None:
        inbound.store(TOPIC, DELIVERY[:2])
        inbound.store(TOPIC, [InboundMessage(0, 1, "d1", "record", 1, '{"changed":true}'), record(0, 2, seq=3)])
        assert inbound.records(TOPIC, "d1") == ['{"type":"record","seq":1}', '{"type":"record","seq":3}']
        assert inbound.record_counts(TOPIC, "d1") == {0: 2}
        assert inbound.position(TOPIC, 0) == 2  # the last message given

    def test_topics_and_deliveries_are_kept_apart(self, inbound: KafkaInbound) -> None:
        inbound.store(TOPIC, DELIVERY)
        inbound.store(OTHER_TOPIC, [begin(0, 0, "d2"), record(0, 1, seq=0, delivery="d2")])
        inbound.store(TOPIC, [begin(1, 3, "d3"), end(1, 4, "d3", kind="abort")])
        assert (inbound.position(TOPIC, 0), inbound.position(OTHER_TOPIC, 0)) == (3, 1)
        assert inbound.ended(OTHER_TOPIC) == set() and inbound.ended(TOPIC) == {"d1"}
        assert inbound.records(OTHER_TOPIC, "d1") == [] and inbound.records(TOPIC, "d2") == []
        assert [m.kind for m in inbound.markers(TOPIC, "d3")] == ["begin", "abort"]

    def test_a_delivery_forgotten_leaves_the_positions_and_the_others(self, inbound: KafkaInbound) -> None:
        inbound.store(TOPIC, DELIVERY)
        inbound.store(TOPIC, [begin(1, 3, "d3"), record(1, 4, seq=0, delivery="d3")])
        inbound.forget(TOPIC, "d1")
        assert inbound.markers(TOPIC, "d1") == [] and inbound.records(TOPIC, "d1") == []
        assert inbound.ended(TOPIC) == set()
        assert inbound.record_counts(TOPIC, "d3") == {1: 1}
        assert [inbound.position(TOPIC, p) for p in (0, 1)] == [3, 4]

    def test_a_claim_held_refuses_another_daemon_where_the_store_can_tell(
        self, inbound: KafkaInbound, peer_inbound: KafkaInbound
    ) -> None:
        with inbound.claim("d1") as mine:
            assert mine
            with peer_inbound.claim("d1") as theirs:
                assert theirs is not inbound.exclusive
            with peer_inbound.claim("d2") as other:
                assert other  # another delivery is free
        with peer_inbound.claim("d1") as after:
            assert after  # released with the block


class OutboundPositionsContract:
    @pytest.fixture
    def positions(self) -> OutboundPositions:
        raise NotImplementedError

    @pytest.fixture
    def peer_positions(self, positions: OutboundPositions) -> OutboundPositions:
        raise NotImplementedError

    def test_nothing_published_is_position_0(self, positions: OutboundPositions) -> None:
        assert positions.position("outbound:events") == 0

    def test_a_position_recorded_is_read_back_by_another_daemon(
        self, positions: OutboundPositions, peer_positions: OutboundPositions
    ) -> None:
        positions.record("outbound:events", 42)
        positions.record("outbound:audit", 7)
        positions.record("outbound:events", 1000)
        for store in (positions, peer_positions):
            assert (store.position("outbound:events"), store.position("outbound:audit")) == (1000, 7)


class StorePingContract:
    @pytest.fixture
    def reachable(self) -> StorePing:
        raise NotImplementedError

    @pytest.fixture
    def unreachable(self) -> StorePing:
        raise NotImplementedError

    def test_a_store_there_answers(self, reachable: StorePing) -> None:
        reachable.ping()
        reachable.ping()  # and again: the ping holds nothing between calls

    def test_a_store_that_cannot_be_reached_is_an_outage(self, unreachable: StorePing) -> None:
        with pytest.raises(Exception) as raised:
            unreachable.ping()
        assert outage(raised.value)  # what the store's health turns into one line, not a fault
