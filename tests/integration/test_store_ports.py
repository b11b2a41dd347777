"""The store's small ports used by daemon/ on the real stores, SQLite and
PostgreSQL: the contracts the in-memory twin passes in tests/unit
(tests/store_ports_contract.py), the handles built by the composition root,
a peer being another daemon's context (its own connection)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon import bootstrap
from events.policy import Policy
from projections.kafka_inbound import KafkaInbound, SqlKafkaInbound
from projections.outbound_position import OutboundPositions, SqlOutboundPositions
from projections.store_ping import DatabasePing, StorePing
from tests.conftest import free_port
from tests.store_ports_contract import KafkaInboundContract, OutboundPositionsContract, StorePingContract


@pytest.fixture
def daemons(store_url: str) -> Iterator[tuple[bootstrap.Context, bootstrap.Context]]:
    """Two daemons' contexts on one store."""
    one, two = bootstrap.build(store_url, Policy()), bootstrap.build(store_url, Policy())
    yield one, two
    one.close()
    two.close()


class TestKafkaInbound(KafkaInboundContract):
    @pytest.fixture
    def inbound(self, daemons: tuple[bootstrap.Context, bootstrap.Context]) -> KafkaInbound:
        assert isinstance(daemons[0].kafka_inbound, SqlKafkaInbound)
        return daemons[0].kafka_inbound

    @pytest.fixture
    def peer_inbound(self, daemons: tuple[bootstrap.Context, bootstrap.Context]) -> KafkaInbound:
        return daemons[1].kafka_inbound


class TestOutboundPositions(OutboundPositionsContract):
    @pytest.fixture
    def positions(self, daemons: tuple[bootstrap.Context, bootstrap.Context]) -> OutboundPositions:
        assert isinstance(daemons[0].outbound_positions, SqlOutboundPositions)
        return daemons[0].outbound_positions

    @pytest.fixture
    def peer_positions(self, daemons: tuple[bootstrap.Context, bootstrap.Context]) -> OutboundPositions:
        return daemons[1].outbound_positions


class TestStorePing(StorePingContract):
    @pytest.fixture
    def reachable(self, store_url: str) -> StorePing:
        return DatabasePing(store_url)

    @pytest.fixture
    def unreachable(self, backend: str, tmp_path: Path) -> StorePing:
        if backend == "sqlite":
            return DatabasePing(f"sqlite:///{tmp_path}/no-such-directory/entsync.db")
        return DatabasePing(f"postgresql://entsync@127.0.0.1:{free_port()}/entsync?connect_timeout=2")
