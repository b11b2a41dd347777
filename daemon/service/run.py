"""``entsync run``: the service (issue 4) — the scheduler, the inbox worker
and the HTTP server around one context, and their lifecycle.

Lifecycle: the HTTP server first (``/healthz`` answers at once, ``/readyz``
once the read models have caught up), then the scheduler, then the inbox.
SIGTERM or SIGINT sets a flag the main loop waits on; the inbox finishes the
item in hand (up to ``shutdown_timeout_seconds``), the scheduler finishes
its running job, the server stops, the process exits 0. An item still being
ingested when the timeout passes is left as a crash would leave it — its
facts are staged, its effects not yet visible — and the next start ingests
it again from the inbox, which finishes it (events/usecases/aaf_apply.py). The
process around it (signals, a failed start, the exit) is daemon/service/process.py.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from daemon import bootstrap, config
from daemon.observability.logs import event
from daemon.service.inbox import Inbox
from daemon.service.outcome import Outcome
from daemon.service.scheduler import Scheduler
from daemon.service.storehealth import StoreHealth
from events.clock import Clock, SystemClock
from events.usecases import upgrade

log = logging.getLogger("entsync.service")
upgrade_log = logging.getLogger("entsync.upgrade")  # named as before the upgrade moved: log filters keep working


class Service:
    """One daemon: a context for the work (guarded by one lock), the
    scheduler, the inbox worker and the HTTP server."""

    def __init__(self, settings: config.Settings, clock: Clock | None = None):
        # The one clock of the service: the context, the inbox, the store's
        # health and the metrics read it (the scheduler's timers excepted:
        # APScheduler runs them on the machine's clock).
        self.settings, self.clock = settings, clock or SystemClock()
        self.lock = threading.RLock()
        self.ready = threading.Event()
        self.ctx: bootstrap.Context | None = None
        self.metrics: Any = None
        self.http: Any = None
        self.scheduler: Scheduler | None = None
        self.inbox: Inbox | None = None
        self.outbound: Any = None
        self._stopping = threading.Event()
        self._consumer_thread: threading.Thread | None = None
        self.store_health = StoreHealth(self.clock)

    def context(self) -> bootstrap.Context:
        return bootstrap.build(self.settings.store, self.settings.policy, self.clock)

    def http_context(self) -> bootstrap.Context:
        """The HTTP workers' contexts: an admin action's save that finds the
        store taken after its probe (an ingest started in between) fails
        within seconds, a 503 with Retry-After, instead of waiting for it."""
        from daemon.http.site import WRITE_LOCK_WAIT_S

        return bootstrap.build(self.settings.store, self.settings.policy, self.clock, lock_wait=WRITE_LOCK_WAIT_S)

    def start(self) -> None:
        s = self.settings
        self.ctx = self.context()
        # A unit of work waiting for an event-store connection gets one as soon
        # as the server is back, not at the pool's next back-off step.
        self.store_health.on_recovered.append(self.ctx.log.reconnect_now)
        # A store built by an earlier release is corrected before anything runs (domain-rules §12).
        report = upgrade.ensure(self.ctx, bootstrap.release())
        if report is not None:
            event(
                upgrade_log,
                "store.upgraded",
                previous_rules=report.previous_rules,
                rules=report.rules,
                corrections=len(report.corrections),
                reread=len(report.reread),
                kept=len(report.kept),
            )
            event(log, "store.upgrade_applied", message=report.notice())
        http_side = True
        try:
            from daemon.http.server import serve
            from daemon.observability.metrics import Metrics
        except ImportError:  # the HTTP side is not installed: the service runs without it
            http_side = False
            event(
                log,
                "service.no_http",
                logging.WARNING,
                reason="daemon.http.server or daemon.observability.metrics missing",
            )
        if http_side:
            self.metrics = Metrics(clock=self.clock)
            self.metrics.watch_store(self.store_health)
            self.http = serve(
                s.listen,
                self.metrics,
                self.http_context,
                self.is_ready,
                health=self.health,
                store=self.store_health,
                lock=self.lock,
            )
            host, port = self.http.address
            event(log, "http.listening", host=host, port=port)
        publish = None
        if s.kafka_bootstrap:
            from daemon.kafka.kafka_python import KafkaPythonProducer
            from daemon.kafka.outbound import Outbound

            self.outbound = Outbound(self.ctx, KafkaPythonProducer(s.kafka_bootstrap), s.outbound_topic)
            publish = self.outbound.publish
        self.scheduler = Scheduler(
            self.ctx,
            self.lock,
            recheck_seconds=s.tick_recheck_seconds,
            overdue_seconds=s.overdue_check_seconds,
            catch_up_seconds=s.catch_up_seconds,
            on_anomaly=self._anomaly,
            ready=self.ready,
            publish=publish,
            on_run=self.metrics.observe_scheduler_run if self.metrics is not None else None,
            store_health=self.store_health,
            ping=bootstrap.store_ping(s.store, self.clock),
        )
        self.scheduler.start()
        self.inbox = Inbox(
            s.inbox,
            self.ctx,
            self.lock,
            quiet_seconds=s.quiet_seconds,
            poll_seconds=s.poll_seconds,
            on_outcome=self._observe,
            after_item=self.scheduler.rearm,
            clock=self.clock,
            store_health=self.store_health,
        )
        if self.metrics is not None:
            self.metrics.watch_inbox(self.inbox)
        self.inbox.start()
        if s.kafka_bootstrap and s.consume_deliveries:
            self._consumer_thread = threading.Thread(target=self._consume, name="kafka-deliveries", daemon=True)
            self._consumer_thread.start()
        event(log, "service.started", inbox=str(self.inbox.root), store=_store_kind(s.store), pid=os.getpid())

    def is_ready(self) -> bool:
        """/readyz: the read models caught up, and the store answers."""
        return self.ready.is_set() and self.store_health.up

    def health(self) -> dict[str, Any] | None:
        """What /healthz reports wrong: the inbox worker held one item longer
        than ``stall_seconds`` (a file that blocks, a stuck store), or None."""
        inbox = self.inbox
        held = inbox.stalled(self.settings.stall_seconds) if inbox is not None else None
        if inbox is None or held is None:
            return None
        return {"item": inbox.busy or "", "held_seconds": round(held, 1), "bound_seconds": self.settings.stall_seconds}

    def _consume(self) -> None:
        """The distributed ingest: this daemon's share of the deliveries topic."""
        from daemon.kafka.ingest import DeliveryConsumer
        from daemon.kafka.kafka_python import KafkaPythonConsumer, rebalance

        s, ctx = self.settings, self.ctx
        assert s.kafka_bootstrap and ctx is not None, "started by start(), with Kafka configured"
        kafka = KafkaPythonConsumer(
            s.kafka_bootstrap, s.deliveries_topic, s.consumer_group, **rebalance(s.consumer_rebalance_ms)
        )
        try:
            worker = DeliveryConsumer(ctx, kafka)
            while not self._stopping.is_set():
                started = self.clock.monotonic()
                try:
                    with self.lock:
                        results = worker.poll(1000)
                except Exception:  # broker or store down: the store's position is where it resumes
                    event(log, "kafka.consume_failed", logging.WARNING, exc_info=True)
                    self._stopping.wait(5)
                    continue
                for r in results:
                    event(log, "kafka.delivery", delivery=r.delivery_id, status=r.status, reason=r.reason)
                    if self.metrics is not None:
                        with self.lock:
                            self.metrics.observe_result("aaf", r, self.clock.monotonic() - started, ctx=self.ctx)
                if results and self.scheduler is not None:
                    self.scheduler.rearm()
        finally:
            kafka.close()

    def _observe(self, outcome: Outcome, seconds: float) -> None:
        if self.metrics is None:
            return
        with self.lock:  # the UAI label may read the read model, on the shared context
            self.metrics.observe_import(
                outcome.source, outcome.outcome, outcome.reason, outcome.uai or None, seconds, ctx=self.ctx
            )
            if outcome.outcome != "duplicate":
                for reason, n in outcome.rejected_records.items():
                    self.metrics.observe_records_rejected(outcome.source, reason, n)

    def _anomaly(self, kind: str, count: int, ids: list[str]) -> None:
        hook = getattr(self.metrics, "observe_anomaly", None)
        if hook is not None:
            hook(kind, count)

    def alive(self) -> bool:
        return self.inbox is not None and self.inbox.alive()

    def stop(self) -> bool:
        """Stop everything; False when the item in hand did not finish in time
        (it resumes at the next start)."""
        finished = True
        self._stopping.set()
        if self._consumer_thread is not None:
            self._consumer_thread.join(self.settings.shutdown_timeout_seconds)
        if self.inbox is not None:
            finished = self.inbox.stop(self.settings.shutdown_timeout_seconds)
            if not finished:
                event(
                    log,
                    "service.stop_timeout",
                    logging.WARNING,
                    item=self.inbox.busy or "",
                    note="left in the inbox; the next start ingests it again and finishes it",
                )
                return False
        if self.scheduler is not None:
            self.scheduler.shutdown()
        if self.outbound is not None:
            self.outbound.producer.close(timeout=10)
        if self.http is not None:
            self.http.close()
        if self.ctx is not None:
            self.ctx.close()
        return True


def _store_kind(url: str) -> str:
    return url.split(":", 1)[0]  # never the URL: it may carry a password
