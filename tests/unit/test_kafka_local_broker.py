"""The in-memory twin of the Kafka port (daemon/kafka/local.py) passes the
port's contract (tests/kafka_contract.py), as the kafka-python backend does
over the real broker (tests/integration/test_kafka_port.py)."""

from __future__ import annotations

import uuid

import pytest

from daemon.kafka.local import LocalBroker
from daemon.kafka.port import Consumer, Producer
from tests.kafka_contract import KafkaContract


class TestLocalBroker(KafkaContract):
    @pytest.fixture(autouse=True)
    def _broker(self):
        self.broker = LocalBroker()

    def new_topic(self, partitions: int) -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        self.broker.create_topic(name, partitions)
        return name

    def new_consumer(self, topic: str, group: str) -> Consumer:
        return self.broker.consumer(topic, group)

    def new_producer(self) -> Producer:
        return self.broker.producer()

    def test_the_earliest_open_member_holds_every_partition(self):
        topic = self.new_topic(2)
        first, second = self.broker.consumer(topic, "g"), self.broker.consumer(topic, "g")
        assert (first.assignment(), second.assignment()) == (frozenset({0, 1}), frozenset())
        with pytest.raises(RuntimeError):
            second.commit({0: 1})  # not its partition
        first.close()
        assert second.assignment() == frozenset({0, 1})

    def test_a_send_to_an_unknown_topic_creates_it(self):
        producer = LocalBroker(default_partitions=2).producer()
        assert producer.partitions("new") == [0, 1]
        assert producer.send("new", b"x", partition=5).exception() is not None
