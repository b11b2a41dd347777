"""The distributed ingest over Kafka: ``entsync publish`` sends a
delivery to the deliveries topic, ``entsync consume`` ingests it in a
consumer group, ``entsync outbound`` publishes the domain events. Each builds
its own Kafka client, and its context when it needs one."""

from __future__ import annotations

import sys

from daemon import bootstrap, config
from daemon.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_REJECTED


def outbound(args, out) -> int:
    from daemon.kafka.kafka_python import KafkaPythonProducer
    from daemon.kafka.outbound import Outbound

    settings = config.load(args.config, args.store)
    bootstrap_servers = args.bootstrap or settings.kafka_bootstrap
    if not bootstrap_servers:
        out(
            {"error": "no_kafka"},
            args.json,
            "no Kafka brokers: --bootstrap HOST:PORT or kafka_bootstrap in the configuration",
        )
        return EXIT_ERROR
    ctx = bootstrap.build(settings.store, settings.policy)
    kafka = KafkaPythonProducer(bootstrap_servers)
    try:
        ctx.projection.catch_up(ctx.log)
        outbound = Outbound(ctx, kafka, args.topic or settings.outbound_topic)
        sent = outbound.publish()
        out(
            {"topic": outbound.topic, "sent": sent, "position": outbound.position()},
            args.json,
            f"{sent} events sent to {outbound.topic} (position {outbound.position()})",
        )
        return EXIT_OK
    finally:
        kafka.close(timeout=10)
        ctx.close()


def _kafka_settings(args, out):
    settings = config.load(args.config, args.store)
    brokers = args.bootstrap or settings.kafka_bootstrap
    if not brokers:
        out(
            {"error": "no_kafka"},
            args.json,
            "no Kafka brokers: --bootstrap HOST:PORT or kafka_bootstrap in the configuration",
        )
    return settings, brokers


def publish(args, out) -> int:
    from adapters.errors import DeliveryRejected
    from daemon.kafka.ingest import publish
    from daemon.kafka.kafka_python import KafkaPythonProducer

    settings, brokers = _kafka_settings(args, out)
    if not brokers:
        return EXIT_ERROR
    kafka = KafkaPythonProducer(brokers)
    try:
        sent = publish(args.path, kafka, args.topic)
    except DeliveryRejected as exc:
        out({"status": "rejected", "reason": exc.reason, "message": str(exc)}, args.json, f"not published: {exc}")
        return EXIT_REJECTED
    finally:
        kafka.close(timeout=10)
    out(
        sent,
        args.json,
        f"delivery {sent['delivery_id']}: {sent['records']} records sent to {args.topic} "
        f"({sent['partitions']} partitions)",
    )
    return EXIT_OK


def consume(args, out) -> int:
    import signal

    from daemon.kafka.ingest import DeliveryConsumer
    from daemon.kafka.kafka_python import KafkaPythonConsumer, rebalance
    from daemon.kafka.loop import consume

    settings, brokers = _kafka_settings(args, out)
    if not brokers:
        return EXIT_ERROR
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    ctx = bootstrap.build(settings.store, settings.policy)
    kafka = KafkaPythonConsumer(
        brokers, args.topic, args.group, **rebalance(args.rebalance_ms or settings.consumer_rebalance_ms)
    )
    try:
        ingested = consume(
            DeliveryConsumer(ctx, kafka),
            stopping=lambda: bool(stop),
            on_result=lambda r: out(
                r.as_dict("delivery_id", "status", "counts"),
                args.json,
                f"delivery {r.delivery_id}: {r.status}",
            ),
            idle_exit=args.idle_exit,
            now=args.now,
        )
    finally:
        kafka.close()
        ctx.close()
    if args.idle_exit is not None and not stop:  # never a silent exit 0
        print(
            f"entsync: consume: {args.topic} read to its end by the group, then {args.idle_exit:g} s idle; "
            f"{ingested} delivery(ies) ingested by this member" + ("" if ingested else " (nothing was waiting for it)"),
            file=sys.stderr,
        )
    return EXIT_OK
