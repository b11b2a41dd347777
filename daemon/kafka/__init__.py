"""Kafka: the consumer that ingests deliveries announced on a topic and the
outbound publisher, on the consumer/producer port (``port``) with its
kafka-python backend (``kafka_python``) and its in-memory twin (``local``)."""
