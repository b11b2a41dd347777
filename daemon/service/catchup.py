"""The projections' catch-up: the scheduler's interval job that is also the
store's probe (daemon/service/storehealth.py). It sets ``ready`` (``/readyz``)
once the read models have caught up, clears it while the store is down,
says an outage once and asks for the next run soon, records what fell due
during an outage once the store answers again, and publishes the domain
events after each catch-up (when the service has Kafka)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from daemon.bootstrap import Context
from daemon.observability.logs import event
from daemon.service.storehealth import StoreHealth
from projections.db import outage
from projections.store_ping import StorePing

log = logging.getLogger("entsync.scheduler")  # the scheduler's job: its logger


class CatchUp:
    """``run()`` catches the three read models up under the work lock, or
    probes the store when the lock is held. ``probe_soon()`` brings the next
    run forward; ``rearm()`` arms the due-transitions timer again."""

    def __init__(
        self,
        ctx: Context,
        lock: threading.RLock,
        store_health: StoreHealth,
        ready: threading.Event,
        *,
        ping: StorePing | None,
        publish: Callable[[], int] | None,
        probe_soon: Callable[[], None],
        rearm: Callable[[], None],
    ):
        self.ctx, self.lock, self.store_health, self.ready = ctx, lock, store_health, ready
        self.ping = ping  # for the probe while the work holds the lock (None: nothing to probe)
        self.publish = publish  # after each catch-up: the domain events for downstream services
        self.probe_soon, self.rearm = probe_soon, rearm

    def run(self) -> int:
        # A unit of work in progress catches the read models up itself when it
        # ends: no need to queue behind it. It may be stuck in a store outage,
        # though: the store is then asked directly.
        if not self.lock.acquire(blocking=False):
            if self.ping is not None and not self.store_health.probe(self.ping):
                self.ready.clear()
                self.probe_soon()
            return 0
        try:
            n = self.ctx.projection.catch_up(self.ctx.log)
            for view in (self.ctx.imports, self.ctx.siecle):
                if view is not None:
                    n += view.catch_up(self.ctx.log)
        except Exception as exc:
            self.ready.clear()
            line = outage(exc)
            if line:  # said once by the store's health, then probed again soon
                self.store_health.failed(line, "catch_up")
                self.probe_soon()
            else:
                event(log, "projections.catch_up_failed", logging.ERROR, exc_info=True)
            return 0
        finally:
            self.lock.release()
        recovered = not self.store_health.up
        self.store_health.answered()
        if recovered:  # what fell due during the outage is ticked now
            self.rearm()
        if not self.ready.is_set():
            self.ready.set()
            event(log, "projections.caught_up", events=n)
        if self.publish is not None:
            try:
                with self.lock:
                    sent = self.publish()
                if sent:
                    event(log, "outbound.published", events=sent)
            except Exception:  # the broker is down: the next run sends from the recorded position
                event(log, "outbound.publish_failed", logging.WARNING, exc_info=True)
        return n
