"""A thin SQL port shared by the SQLite and PostgreSQL read models.

SQL is written once with ``?`` placeholders and ``ON CONFLICT`` upserts,
which both engines understand; only the placeholder style differs."""
from __future__ import annotations

import sqlite3
import zlib
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import unquote, urlparse


class StoreURL:
    """``sqlite:///path`` or ``postgresql://user[:pw]@host[:port]/db``."""

    def __init__(self, url: str):
        self.url = url
        parsed = urlparse(url)
        if parsed.scheme == "sqlite":
            self.dialect = "sqlite"
            self.path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
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
        else:
            raise ValueError(f"store URL {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")

    def eventsourcing_env(self) -> dict[str, str]:
        """Environment for the eventsourcing application."""
        if self.dialect == "sqlite":
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": self.path,
                    "SQLITE_LOCK_TIMEOUT": "30"}
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": self.dbname,
                "POSTGRES_HOST": self.host, "POSTGRES_PORT": str(self.port),
                "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password}


# Advisory lock key of schema creation (any constant shared by every entsync process).
SCHEMA_LOCK = 0x656E7473796E63


class Database:
    """One connection; ``transaction()`` groups writes; reads outside a
    transaction see committed data."""

    def __init__(self, url: str | StoreURL):
        self.url = url if isinstance(url, StoreURL) else StoreURL(url)
        self.dialect = self.url.dialect
        if self.dialect == "sqlite":
            self._conn = sqlite3.connect(self.url.path, timeout=60, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        else:
            import psycopg

            self._conn = psycopg.connect(
                host=self.url.host, port=self.url.port, user=self.url.user,
                password=self.url.password or None, dbname=self.url.dbname, autocommit=True,
            )
        self._depth = 0

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Serialise table creation between processes and threads that open the
        same PostgreSQL database at once (concurrent CREATE TABLE IF NOT EXISTS
        fails there); SQLite serialises writers itself."""
        if self.dialect == "sqlite":
            yield
            return
        self._conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))

    @contextmanager
    def try_lock(self, name: str) -> Iterator[bool]:
        """True to the one holder, across processes, of the lock ``name`` on
        PostgreSQL (a session advisory lock, released if the holder dies);
        always True on SQLite, whose writers are serialised anyway."""
        if self.dialect == "sqlite":
            yield True
            return
        key = zlib.crc32(f"entsync:{name}".encode())
        held = bool(self.scalar("SELECT pg_try_advisory_lock(?)", (key,)))
        try:
            yield held
        finally:
            if held:
                self.scalar("SELECT pg_advisory_unlock(?)", (key,))

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        if self.dialect == "sqlite":
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0
        else:
            try:
                with self._conn.transaction():
                    yield
            finally:
                self._depth = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.dialect == "sqlite":
            self._conn.executemany(sql, rows)
        else:
            with self._conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cur = self._conn.execute(self._sql(sql), tuple(params))
        return list(cur.fetchall())

    def query_dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._conn.execute(self._sql(sql), tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def table_exists(self, name: str) -> bool:
        if self.dialect == "sqlite":
            return bool(self.query("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)))
        return bool(self.query("SELECT 1 FROM information_schema.tables WHERE table_name=?", (name,)))

    def close(self) -> None:
        self._conn.close()
