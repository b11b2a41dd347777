"""Kafka: the consumer that ingests deliveries announced on a topic, and the outbound publisher."""
