"""The distributed ingest over Kafka: ``entsync publish`` sends a
delivery to the deliveries topic, ``entsync consume`` ingests it in a
consumer group, ``entsync outbound`` publishes the domain events. Each builds
its own Kafka client, and its context when it needs one."""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Iterator
from contextlib import closing, contextmanager

from daemon import bootstrap, config
from daemon.cli.exits import EXIT_OK, EXIT_REJECTED, CommandFailed
from daemon.cli.render import Output
from daemon.config import Settings


def _kafka_settings(args: Namespace) -> tuple[Settings, str]:
    """The configuration and the brokers to reach; none is an error."""
    settings = config.load(args.config, args.store)
    brokers = args.bootstrap or settings.kafka_bootstrap
    if not brokers:
        raise CommandFailed(
            "no Kafka brokers: --bootstrap HOST:PORT or kafka_bootstrap in the configuration",
            data={"error": "no_kafka"},
        )
    return settings, str(brokers)


@contextmanager
def _kafka(brokers: str) -> Iterator[None]:
    """Kafka's own errors (brokers unreachable, a topic refused) in one line."""
    from kafka.errors import KafkaError

    try:
        yield
    except KafkaError as exc:
        raise CommandFailed(f"Kafka at {brokers}: {exc}") from None


def outbound(args: Namespace, ui: Output) -> int:
    from daemon.kafka.kafka_python import KafkaPythonProducer
    from daemon.kafka.outbound import Outbound

    settings, brokers = _kafka_settings(args)
    with _kafka(brokers), closing(bootstrap.build(settings.store, settings.policy)) as ctx:
        kafka = KafkaPythonProducer(brokers)
        try:
            ctx.projection.catch_up(ctx.log)
            outbound = Outbound(ctx, kafka, args.topic or settings.outbound_topic)
            sent = outbound.publish()
            position = outbound.position()  # read while the store is open
        finally:
            kafka.close(timeout=10)
    ui.show(
        {"topic": outbound.topic, "sent": sent, "position": position},
        f"{sent} events sent to {outbound.topic} (position {position})",
    )
    return EXIT_OK


def publish(args: Namespace, ui: Output) -> int:
    from adapters.errors import DeliveryRejected
    from daemon.kafka.ingest import publish
    from daemon.kafka.kafka_python import KafkaPythonProducer

    _, brokers = _kafka_settings(args)
    with _kafka(brokers):
        kafka = KafkaPythonProducer(brokers)
        try:
            sent = publish(args.path, kafka, args.topic)
        except DeliveryRejected as exc:
            ui.show({"status": "rejected", "reason": exc.reason, "message": str(exc)}, f"not published: {exc}")
            return EXIT_REJECTED
        finally:
            kafka.close(timeout=10)
    ui.show(
        sent,
        f"delivery {sent['delivery_id']}: {sent['records']} records sent to {args.topic} "
        f"({sent['partitions']} partitions)",
    )
    return EXIT_OK


def consume(args: Namespace, ui: Output) -> int:
    import signal

    from daemon.kafka.ingest import DeliveryConsumer
    from daemon.kafka.kafka_python import KafkaPythonConsumer, rebalance
    from daemon.kafka.loop import consume

    settings, brokers = _kafka_settings(args)
    stop: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    with _kafka(brokers), closing(bootstrap.build(settings.store, settings.policy)) as ctx:
        kafka = KafkaPythonConsumer(
            brokers, args.topic, args.group, **rebalance(args.rebalance_ms or settings.consumer_rebalance_ms)
        )
        try:
            ingested = consume(
                DeliveryConsumer(ctx, kafka),
                stopping=lambda: bool(stop),
                on_result=lambda r: ui.show(
                    r.as_dict("delivery_id", "status", "counts"), f"delivery {r.delivery_id}: {r.status}"
                ),
                idle_exit=args.idle_exit,
                now=args.now,
            )
        finally:
            kafka.close()
    if args.idle_exit is not None and not stop:  # never a silent exit 0
        print(
            f"entsync: consume: {args.topic} read to its end by the group, then {args.idle_exit:g} s idle; "
            f"{ingested} delivery(ies) ingested by this member" + ("" if ingested else " (nothing was waiting for it)"),
            file=sys.stderr,
        )
    return EXIT_OK
