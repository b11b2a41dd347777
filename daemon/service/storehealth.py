"""Whether the store answers (issue 18, point 1): what the service saw the
last time it asked, since when it has not answered, how many outages it
has lived through. The scheduler's catch-up is the probe (every
``catch_up_seconds``, every ``STORE_PROBE_SECONDS`` while the store is
down); a unit of work that meets the outage says so too.

The outage is written to the log once when it begins (``store.unavailable``)
and once when it ends (``store.recovered``, with how long it lasted); the
metrics and ``/readyz`` read this object while it lasts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from daemon.observability.logs import event
from events.clock import Clock, SystemClock
from projections.db import outage
from projections.store_ping import StorePing

log = logging.getLogger("entsync.store")

# While the store is down the catch-up probes it this often, whatever its
# interval: the service is ready again within seconds of the server's return.
STORE_PROBE_SECONDS = 1.0


class StoreHealth:
    def __init__(self, clock: Clock | None = None):
        # Only what the service reports reads it (log, /readyz, metrics): the
        # machine's clock is a harmless default.
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.up = True
        self.down_since: float | None = None  # Unix time of the first failure of this outage
        self._down_mono: float | None = None
        self.outages = 0
        self.last_outage_seconds = 0.0
        self.detail = ""  # the last failure, one line (host and port, never a password)
        self.on_recovered: list[Callable[[], None]] = []  # told when an outage ends

    def failed(self, detail: str, what: str = "") -> None:
        """A call to the store failed because it cannot be reached."""
        with self._lock:
            self.detail = detail
            if not self.up:
                return
            self.up = False
            self.down_since, self._down_mono = self.clock.wall(), self.clock.monotonic()
            self.outages += 1
        event(
            log,
            "store.unavailable",
            logging.ERROR,
            during=what,
            detail=detail,
            note="the service keeps its inbox and retries; it is not ready until the store answers",
        )

    def answered(self) -> None:
        """A call to the store succeeded."""
        with self._lock:
            if self.up:
                return
            self.up = True
            now = self.clock.monotonic()
            lasted = now - (self._down_mono or now)
            self.last_outage_seconds = lasted
            self.down_since = self._down_mono = None
        event(log, "store.recovered", outage_seconds=round(lasted, 1))
        for hook in self.on_recovered:
            try:
                hook()
            except Exception:
                event(log, "store.recovery_hook_failed", logging.WARNING, exc_info=True)

    def probe(self, ping: StorePing) -> bool:
        """Ask the store's server directly (``ping`` uses a connection of its
        own: the service's may be held by a unit of work stuck in the
        outage); True when it answered."""
        try:
            ping.ping()
        except Exception as exc:
            line = outage(exc)
            if line is None:
                raise
            self.failed(line, "probe")
            return False
        self.answered()
        return True

    def unavailable_seconds(self) -> float | None:
        """How long the store has not answered, or None while it answers."""
        since = self.down_since
        if self.up or since is None:
            return None
        return max(0.0, self.clock.wall() - since)

    def readiness(self) -> dict[str, str | float] | None:
        """What ``/readyz`` adds while the store is down, or None."""
        seconds = self.unavailable_seconds()
        if seconds is None:
            return None
        return {"store": "unavailable", "unavailable_seconds": round(seconds, 1)}
