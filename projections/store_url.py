"""Where the store is: ``--store`` / ``ENTSYNC_STORE`` parsed into the
dialect and what each engine needs to connect (the read models through
projections/db.py, the event log through eventsourcing's environment)."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

# Seconds a PostgreSQL connection attempt may take, unless the store URL says
# otherwise with libpq's own ``?connect_timeout=N``.
DEFAULT_CONNECT_TIMEOUT = 10


class StoreURL:
    """``sqlite:///path`` or ``postgresql://user[:pw]@host[:port]/db[?connect_timeout=N]``,
    or ``memory:`` — the in-memory twin the unit tests use: the event log in
    eventsourcing's POPO recorder and the read models in an SQLite database
    held in memory, nothing on disk and no server."""

    memory = False

    def __init__(self, url: str):
        self.url = url
        parsed = urlparse(url)
        if url == "memory:":
            self.dialect, self.path, self.memory = "sqlite", ":memory:", True
        elif parsed.scheme == "sqlite":
            self.dialect = "sqlite"
            self.path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else parsed.path
            if not self.path:
                raise ValueError(f"store URL {url!r} names no SQLite file")
        elif parsed.scheme in ("postgresql", "postgres"):
            self.dialect = "postgres"
            self.host = parsed.hostname or "127.0.0.1"
            self.port = parsed.port or 5432
            self.user = unquote(parsed.username or "")
            self.password = unquote(parsed.password or "")
            self.dbname = parsed.path.lstrip("/")
            if not self.dbname:
                raise ValueError(f"store URL {url!r} names no database")
            timeout = parse_qs(parsed.query).get("connect_timeout", [str(DEFAULT_CONNECT_TIMEOUT)])[-1]
            try:
                self.connect_timeout = int(timeout)
            except ValueError:
                raise ValueError(f"store URL: connect_timeout={timeout!r} is not a whole number of seconds") from None
            if self.connect_timeout < 1:
                raise ValueError("store URL: connect_timeout must be at least 1 second")
        else:
            raise ValueError(f"store URL {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")

    def eventsourcing_env(self, lock_wait: int | None = None) -> dict[str, str]:
        """Environment for the eventsourcing application. ``lock_wait``: how
        many seconds a save waits for the store's write lock before failing
        (SQLite's 30 and PostgreSQL's forever when None)."""
        if self.memory:
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.dialect == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.path,
                "SQLITE_LOCK_TIMEOUT": str(lock_wait or 30),
            }
        # The event store's pool (psycopg_pool, through eventsourcing) checks a
        # connection before handing it out and replaces a broken one: after a
        # server restart the next write gets a fresh connection.
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_CONNECT_TIMEOUT": str(self.connect_timeout),
            "POSTGRES_PRE_PING": "y",
        }
        if lock_wait:
            env["POSTGRES_LOCK_TIMEOUT"] = str(lock_wait)
        return env

    def where(self) -> str:
        """The server, for an error message: never the password."""
        return self.path if self.dialect == "sqlite" else f"PostgreSQL at {self.host}:{self.port}"


def store_exists(url: str) -> bool:
    """Whether a SQLite store's file exists; a PostgreSQL database is asked
    when connecting (a missing one is refused then), and memory always is."""
    parsed = StoreURL(url)
    return parsed.dialect != "sqlite" or parsed.memory or os.path.exists(parsed.path)
