"""The contract of the Kafka port (daemon/kafka/port.py), one mixin run
against every implementation: the in-memory ``LocalBroker`` in tests/unit,
the kafka-python backend over the real broker in tests/integration. A
subclass says how to make a topic, a consumer and a producer.

The members of one group are used one after the other (the next one made
after the previous closed): how a broker shares partitions between members
alive at the same time is its own business, what the daemon relies on is
that a partition left behind resumes at the group's committed offset."""

from __future__ import annotations

import uuid

import pytest

from daemon.kafka.port import Consumer, Message, Producer, Sent


class KafkaContract:
    # Polls allowed to receive what is expected: a real broker's first polls
    # may go to joining the group.
    polls = 1

    def new_topic(self, partitions: int) -> str:
        raise NotImplementedError

    def new_consumer(self, topic: str, group: str) -> Consumer:
        raise NotImplementedError

    def new_producer(self) -> Producer:
        raise NotImplementedError

    @pytest.fixture
    def producer(self):
        producer = self.new_producer()
        yield producer
        producer.close(timeout=5)

    @pytest.fixture
    def member(self):
        """Makes members of groups, and closes those still open at the end."""
        made: list[Consumer] = []

        def make(topic: str, group: str) -> Consumer:
            made.append(self.new_consumer(topic, group))
            return made[-1]

        yield make
        for consumer in made:
            consumer.close()

    def receive(self, consumer: Consumer, count: int) -> list[Message]:
        got: list[Message] = []
        for _ in range(self.polls):
            got += consumer.poll(0.5)
            if len(got) >= count:
                break
        return got

    def send(self, producer: Producer, topic: str, *messages: tuple) -> list[Sent]:
        """Send (value, key, headers, partition) tuples; wait for their acknowledgement."""
        futures = [producer.send(topic, v, key=k, headers=h, partition=p) for v, k, h, p in messages]
        producer.flush(timeout=30)
        return [f.result(timeout=30) for f in futures]

    def test_what_is_sent_is_polled_with_its_key_value_and_headers(self, producer, member):
        topic = self.new_topic(1)
        assert producer.partitions(topic) == [0]
        sent = self.send(
            producer,
            topic,
            (b"first", b"k1", [("entsync-topic", b"t"), ("entsync-event-id", b"e:1")], None),
            (b"second", None, [], 0),
        )
        assert sent == [Sent(topic, 0, 0), Sent(topic, 0, 1)]
        consumer = member(topic, f"g-{uuid.uuid4().hex[:8]}")
        assert consumer.topic == topic
        assert self.receive(consumer, 2) == [
            Message(topic, 0, 0, b"k1", b"first", (("entsync-topic", b"t"), ("entsync-event-id", b"e:1"))),
            Message(topic, 0, 1, None, b"second", ()),
        ]
        assert consumer.assignment() == frozenset({0})

    def test_one_key_one_partition_in_order(self, producer, member):
        topic = self.new_topic(3)
        assert producer.partitions(topic) == [0, 1, 2]
        sent = self.send(producer, topic, *[(str(i).encode(), b"person:1", [], None) for i in range(5)])
        assert len({s.partition for s in sent}) == 1
        assert [s.offset for s in sent] == [0, 1, 2, 3, 4]
        pinned = self.send(producer, topic, (b"pinned", b"person:1", [], (sent[0].partition + 1) % 3))
        assert pinned[0].partition == (sent[0].partition + 1) % 3
        got = self.receive(member(topic, f"g-{uuid.uuid4().hex[:8]}"), 6)
        assert len(got) == 6
        assert [m.value for m in got if m.partition == sent[0].partition] == [b"0", b"1", b"2", b"3", b"4"]
        assert [(m.partition, m.value) for m in got if m.partition != sent[0].partition] == [
            (pinned[0].partition, b"pinned")
        ]

    def test_uncommitted_messages_go_to_the_next_member_after_close(self, producer, member):
        topic, group = self.new_topic(1), f"g-{uuid.uuid4().hex[:8]}"
        self.send(producer, topic, (b"a", None, [], 0), (b"b", None, [], 0))
        first = member(topic, group)
        assert [m.value for m in self.receive(first, 2)] == [b"a", b"b"]
        assert first.committed(0) is None
        first.close()
        first.close()  # closing twice does nothing
        second = member(topic, group)
        assert [(m.offset, m.value) for m in self.receive(second, 2)] == [(0, b"a"), (1, b"b")]

    def test_committed_messages_do_not(self, producer, member):
        topic, group = self.new_topic(1), f"g-{uuid.uuid4().hex[:8]}"
        self.send(producer, topic, (b"a", None, [], 0), (b"b", None, [], 0))
        first = member(topic, group)
        assert len(self.receive(first, 2)) == 2
        first.commit({0: 1})  # "a" is done with, "b" is not
        assert first.committed(0) == 1
        first.close()
        second = member(topic, group)
        assert [(m.offset, m.value) for m in self.receive(second, 1)] == [(1, b"b")]
        assert second.committed(0) == 1
        other = member(topic, f"g-{uuid.uuid4().hex[:8]}")
        assert other.committed(0) is None  # offsets are the group's

    def test_end_offsets_count_every_partition_whoever_holds_it(self, producer, member):
        topic = self.new_topic(2)
        consumer = member(topic, f"g-{uuid.uuid4().hex[:8]}")
        assert consumer.end_offsets() == {0: 0, 1: 0}
        # One acknowledged send at a time: the test broker (Tansu) answers the
        # end of a partition whose last batch holds several messages as that
        # batch's first offset + 1. publish() sends each partition's end
        # marker alone, after a flush, so the daemon's backlog is not misled.
        for message in [(b"x", None, [], 0)] * 3 + [(b"y", None, [], 1)]:
            self.send(producer, topic, message)
        assert consumer.end_offsets() == {0: 3, 1: 1}
        assert len(self.receive(consumer, 4)) == 4
        assert consumer.end_offsets() == {0: 3, 1: 1}  # reading moves no end

    def test_seek_reads_a_partition_again_from_an_offset(self, producer, member):
        topic = self.new_topic(1)
        self.send(producer, topic, *[(v, None, [], 0) for v in (b"a", b"b", b"c")])
        consumer = member(topic, f"g-{uuid.uuid4().hex[:8]}")
        assert len(self.receive(consumer, 3)) == 3
        consumer.seek(0, 1)
        assert [(m.offset, m.value) for m in self.receive(consumer, 2)] == [(1, b"b"), (2, b"c")]
        with pytest.raises(ValueError):
            consumer.seek(7, 0)  # not a partition it holds
