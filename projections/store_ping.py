"""Whether the store's server answers, asked on a connection of the ping's
own (daemon/service/storehealth.py probes it while the service's connection
may be held by a unit of work stuck in an outage).

``StorePing`` is the port; ``DatabasePing`` asks the SQLite or PostgreSQL
store, ``MemoryPing`` stands for the ``memory:`` twin's store, which a test
may take away and bring back to play an outage. Both pass
tests/store_ports_contract.py."""

from __future__ import annotations

from abc import ABC, abstractmethod

from events.clock import Clock, SystemClock
from projections.db import Database, StoreUnavailable
from projections.store_url import StoreURL


class StorePing(ABC):
    @abstractmethod
    def ping(self) -> None:
        """Returns when the store answered. Raises StoreUnavailable (or
        another error ``projections.db.outage`` recognises) when its server
        cannot be reached; any other error is a fault of its own."""


class DatabasePing(StorePing):
    def __init__(self, url: str | StoreURL, clock: Clock | None = None):
        self.url = url if isinstance(url, StoreURL) else StoreURL(url)
        self.clock = clock or SystemClock()  # the connection's idle timer only: a harmless default

    def ping(self) -> None:
        db = Database(self.url, clock=self.clock)
        try:
            db.scalar("SELECT 1")
        finally:
            db.close()


class MemoryPing(StorePing):
    """Answers until ``lose`` is called, and again after ``restore``."""

    def __init__(self) -> None:
        self.lost: str | None = None

    def lose(self, detail: str = "the in-memory store was taken away") -> None:
        self.lost = detail

    def restore(self) -> None:
        self.lost = None

    def ping(self) -> None:
        if self.lost is not None:
            raise StoreUnavailable(self.lost)


__all__ = ["StorePing", "DatabasePing", "MemoryPing"]
