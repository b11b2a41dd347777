"""Consumes the deliveries topic as ``entsync consume --idle-exit`` does
(the same loop, daemon/kafka/loop.py), with the Faults port injected through
the composition root to stop the process at the first ``kafka.stored``
point: after its store commit, before Kafka's offset commit.

    python -m tests.integration.kafka_consume_runner STORE BROKERS TOPIC GROUP REBALANCE_MS NOW

Prints one JSON document per delivery ingested, as ``entsync --json consume``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from daemon import bootstrap
from daemon.kafka.ingest import DeliveryConsumer
from daemon.kafka.kafka_python import KafkaPythonConsumer, rebalance
from daemon.kafka.loop import consume
from events.faults import StopAt
from events.policy import Policy


def main(argv: list[str]) -> int:
    store, brokers, topic, group, rebalance_ms, now = argv
    ctx = bootstrap.build(store, Policy(), faults=StopAt(1, frozenset({"kafka.stored"})))
    kafka = KafkaPythonConsumer(brokers, topic, group, **rebalance(int(rebalance_ms)))
    try:
        consume(
            DeliveryConsumer(ctx, kafka),
            stopping=lambda: False,
            on_result=lambda r: print(json.dumps({"delivery_id": r.delivery_id, "status": r.status}), flush=True),
            idle_exit=15,
            now=datetime.fromisoformat(now),
        )
    finally:
        kafka.close()
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
