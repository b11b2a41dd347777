"""The consume loop of ``entsync consume``: one member's share of the
deliveries topic, until told to stop or, with an idle exit, until the group
has read the topic to its end and nothing happened for that long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from daemon.kafka.ingest import DeliveryConsumer
from events.usecases.result import Result


def consume(
    worker: DeliveryConsumer,
    *,
    stopping: Callable[[], bool],
    on_result: Callable[[Result], None],
    idle_exit: float | None = None,
    now: datetime | None = None,
    timeout_ms: int = 1000,
) -> int:
    """Poll until ``stopping()``, or until ``idle_exit`` seconds (of the
    context's clock) passed with nothing ingested, stored or left to read;
    ``on_result`` hears of every delivery ingested. Returns how many."""
    clock = worker.ctx.clock
    last = clock.monotonic()
    ingested = 0
    while not stopping():
        results = worker.poll(timeout_ms, now)
        for r in results:
            on_result(r)
        ingested += len(results)
        # Idle is the group having nothing left to read, not this member
        # receiving nothing: a member whose own partitions were empty used
        # to exit while a peer still held (or had died holding) the rest.
        backlog = worker.backlog() if idle_exit is not None else 0
        if results or worker.stored or backlog:
            last = clock.monotonic()
        if idle_exit is not None and clock.monotonic() - last > idle_exit:
            break
    return ingested


__all__ = ["consume"]
