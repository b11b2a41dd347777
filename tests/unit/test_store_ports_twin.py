"""The in-memory twin's store ports (``bootstrap.build("memory:")``) pass
the contracts the SQLite and PostgreSQL ones pass in tests/integration
(tests/store_ports_contract.py), and the composition root hands them out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from daemon import bootstrap
from projections.kafka_inbound import KafkaInbound, MemoryKafkaInbound
from projections.outbound_position import MemoryOutboundPositions, OutboundPositions
from tests.store_ports_contract import KafkaInboundContract, OutboundPositionsContract


@pytest.fixture
def twin() -> Iterator[bootstrap.Context]:
    ctx = bootstrap.build("memory:", simulation=True)
    yield ctx
    ctx.close()


class TestTwinKafkaInbound(KafkaInboundContract):
    @pytest.fixture
    def inbound(self, twin: bootstrap.Context) -> KafkaInbound:
        assert isinstance(twin.kafka_inbound, MemoryKafkaInbound)
        return twin.kafka_inbound

    @pytest.fixture
    def peer_inbound(self, inbound: KafkaInbound) -> KafkaInbound:
        return inbound  # the twin lives in one process: its daemons share the one store


class TestTwinOutboundPositions(OutboundPositionsContract):
    @pytest.fixture
    def positions(self, twin: bootstrap.Context) -> OutboundPositions:
        assert isinstance(twin.outbound_positions, MemoryOutboundPositions)
        return twin.outbound_positions

    @pytest.fixture
    def peer_positions(self, positions: OutboundPositions) -> OutboundPositions:
        return positions


def test_the_twin_creates_no_consumer_tables(twin: bootstrap.Context) -> None:
    assert not twin.db.table_exists("kafka_inbound") and not twin.db.table_exists("kafka_offsets")
