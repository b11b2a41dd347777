"""The in-memory twin's store ports (``bootstrap.build("memory:")``) pass
the contracts the SQLite and PostgreSQL ones pass in tests/integration
(tests/store_ports_contract.py), and the composition root hands them out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from daemon import bootstrap
from projections.db import StoreUnavailable
from projections.kafka_inbound import KafkaInbound, MemoryKafkaInbound
from projections.outbound_position import MemoryOutboundPositions, OutboundPositions
from projections.store_ping import DatabasePing, MemoryPing, StorePing
from tests.store_ports_contract import KafkaInboundContract, OutboundPositionsContract, StorePingContract


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


class TestTwinStorePing(StorePingContract):
    @pytest.fixture
    def reachable(self) -> StorePing:
        ping = bootstrap.store_ping("memory:")
        assert isinstance(ping, MemoryPing)
        return ping

    @pytest.fixture
    def unreachable(self, reachable: MemoryPing) -> StorePing:
        reachable.lose("refused")
        return reachable

    def test_a_store_taken_away_answers_again_once_restored(self, unreachable: MemoryPing) -> None:
        with pytest.raises(StoreUnavailable, match="refused"):
            unreachable.ping()
        unreachable.restore()
        assert unreachable.lost is None
        unreachable.ping()  # answers: raises StoreUnavailable no more


def test_the_twin_creates_no_consumer_tables(twin: bootstrap.Context) -> None:
    assert not twin.db.table_exists("kafka_inbound") and not twin.db.table_exists("kafka_offsets")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("memory:", MemoryPing),
        ("postgresql://entsync@127.0.0.1:5432/entsync", DatabasePing),
        ("sqlite:///entsync.db", type(None)),  # a file has no server to lose: nothing to probe
    ],
)
def test_the_store_s_probe_by_kind_of_store(url: str, expected: type) -> None:
    assert type(bootstrap.store_ping(url)) is expected
