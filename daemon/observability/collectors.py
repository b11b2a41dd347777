"""The gauges exposed at scrape time, as Prometheus collectors: the last
reading of the read models (daemon/observability/readings.py) and the
store's health (daemon/service/storehealth.py). Names and help texts are in
metric_defs.py."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from daemon.observability import metric_defs as d
from daemon.observability.readings import Reading


def _gauge(m: d.MetricDef, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(m.name, m.help, value=value)


def _labelled(m: d.MetricDef, values: Mapping[str, float]) -> GaugeMetricFamily:
    """A gauge with one label: one sample per key."""
    g = GaugeMetricFamily(m.name, m.help, labels=list(m.labels))
    for key, value in sorted(values.items()):
        g.add_metric([key], value)
    return g


class ReadModelCollector(Collector):
    """Exposes the last reading: a scrape sees one consistent set of gauges,
    and a label set gone from the read model is gone from the exposition."""

    def __init__(self, metrics: Any):
        self.metrics = metrics  # its ``reading``: a Reading, or None when the read models cannot be read

    def describe(self) -> Iterable[Metric]:
        return []  # values come at scrape time; nothing to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        r: Reading | None = self.metrics.reading
        if r is None:
            return
        g = GaugeMetricFamily(d.ACCOUNTS.name, d.ACCOUNTS.help, labels=list(d.ACCOUNTS.labels))
        for (profile, state), n in sorted(r.accounts.items()):
            g.add_metric([profile, state], n)
        yield g
        yield _gauge(d.CREATIONS_PENDING, r.creations_pending)
        yield _gauge(d.CREATIONS_OVERDUE, r.creations_overdue)
        yield _gauge(d.DEPARTURES_DUE, r.departures_due)
        yield _gauge(d.NEXT_TOUSSAINT, r.next_toussaint)
        yield _gauge(d.DELIVERIES_HELD, r.deliveries_held)
        yield _gauge(d.DELIVERIES_WAITING, r.deliveries_waiting)
        yield _gauge(d.SIECLE_HELD, r.siecle_held)
        yield _labelled(d.AWAITING_VALIDATION, r.awaiting_validation)
        yield _gauge(d.LOG_EVENTS, r.log_events)
        yield _labelled(d.LAG_EVENTS, r.lag_events)
        yield _labelled(d.LAG_SECONDS, r.lag_seconds)
        yield _labelled(d.LAST_SUCCESS, r.last_success)
        yield _labelled(d.DIRECTORY_ANOMALIES, r.directory_anomalies)
        yield _gauge(d.PURGE_HOLD, r.purge_hold)
        # A count of facts of the log read from the store: right after a restart, and never lower.
        yield CounterMetricFamily(d.ERASURES.name, d.ERASURES.help, value=r.erasures)
        yield _gauge(d.ERASURES_OVERDUE, r.erasures_overdue)


class StoreCollector(Collector):
    """Whether the store answers, read from the service's StoreHealth
    (daemon/service/storehealth.py) at scrape time."""

    def __init__(self, health: Any):
        self.health = health

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        h = self.health
        yield _gauge(d.STORE_UP, 1 if h.up else 0)
        yield _gauge(d.STORE_UNAVAILABLE_SECONDS, h.unavailable_seconds() or 0.0)
        yield CounterMetricFamily(d.STORE_OUTAGES.name, d.STORE_OUTAGES.help, value=h.outages)
        yield _gauge(d.STORE_LAST_OUTAGE_SECONDS, h.last_outage_seconds)
