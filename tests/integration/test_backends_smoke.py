"""Smoke tests of the test fixtures themselves: each backend is really there."""

from __future__ import annotations

import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest


def test_store_url_select_one(backend, store_url):
    if backend == "sqlite":
        assert store_url.startswith("sqlite:///")
        path = Path(store_url[len("sqlite:///") :])
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            conn.close()
        assert path.exists()
    else:
        import psycopg

        assert store_url.startswith("postgresql://entsync@127.0.0.1:")
        with psycopg.connect(store_url, connect_timeout=10) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            dbname = conn.execute("SELECT current_database()").fetchone()[0]
        assert store_url.endswith("/" + dbname)
        assert dbname.startswith("t_")


@pytest.mark.postgres
def test_pg_server_connects_as_entsync(pg_server):
    import psycopg

    assert (pg_server.host, pg_server.user) == ("127.0.0.1", "entsync")
    assert pg_server.url("x") == f"postgresql://entsync@127.0.0.1:{pg_server.port}/x"
    with psycopg.connect(pg_server.url("postgres"), connect_timeout=10) as conn:
        user, port = conn.execute("SELECT current_user, current_setting('port')").fetchone()
    assert (user, int(port)) == ("entsync", pg_server.port)


@pytest.mark.kafka
def test_kafka_broker_produce_then_consume(kafka_broker):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = f"smoke-{uuid.uuid4().hex[:12]}"
    payload = f"hello {uuid.uuid4().hex}".encode()

    producer = KafkaProducer(
        bootstrap_servers=kafka_broker,
        bootstrap_timeout_ms=10_000,
        max_block_ms=10_000,
        request_timeout_ms=10_000,
    )
    try:
        meta = producer.send(topic, value=payload, key=b"k").get(timeout=20)
        producer.flush(timeout=10)
    finally:
        producer.close(timeout=5)
    assert meta.topic == topic

    consumer = KafkaConsumer(
        bootstrap_servers=kafka_broker,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        bootstrap_timeout_ms=10_000,
        request_timeout_ms=10_000,
    )
    try:
        tp = TopicPartition(topic, meta.partition)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        values: list[bytes] = []
        deadline = time.monotonic() + 20
        while not values and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values.extend(r.value for r in records)
    finally:
        consumer.close()
    assert values[:1] == [payload]


@pytest.mark.prometheus
def test_promtool_checks_metrics(promtool, tmp_path):
    from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

    registry = CollectorRegistry()
    Counter("entsync_smoke_events", "Events seen by the smoke test.", registry=registry).inc(3)
    Gauge("entsync_smoke_lag_seconds", "Lag of the smoke test.", registry=registry).set(1.5)
    valid = tmp_path / "valid.prom"
    valid.write_bytes(generate_latest(registry))

    with valid.open("rb") as stdin:
        ok = subprocess.run([promtool, "check", "metrics"], stdin=stdin, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    invalid = tmp_path / "invalid.prom"
    invalid.write_text("# TYPE entsync_broken counter\nentsync_broken{ 1 2 3\n")
    with invalid.open("rb") as stdin:
        bad = subprocess.run([promtool, "check", "metrics"], stdin=stdin, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1, bad.stdout + bad.stderr
