"""A thin SQL port shared by the SQLite and PostgreSQL read models.

SQL is written once with ``?`` placeholders and ``ON CONFLICT`` upserts,
which both engines understand; only the placeholder style differs."""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from events.clock import Clock, SystemClock
from projections.store_url import StoreURL

# A connection idle longer than this is pinged before it is used again: a
# server restarted in between is then met by a fresh connection, not by a
# failed statement.
IDLE_PING_SECONDS = 2.0


class StoreUnavailable(Exception):
    """The store's server cannot be reached (refused, timed out, or the
    connection broke). Not the input's fault: what was doing the work tries
    again later."""


# Advisory lock key of schema creation (any constant shared by every entsync process).
SCHEMA_LOCK = 0x656E7473796E63


class Database:
    """One connection; ``transaction()`` groups writes; reads outside a
    transaction see committed data.

    On PostgreSQL the connection is replaced when it breaks (the server
    restarted, the network dropped it): the statement that meets the broken
    connection fails with StoreUnavailable, and the next unit of work gets a
    fresh connection. Inside a transaction or a lock the connection is
    pinned: it is never swapped under a unit of work."""

    def __init__(self, url: str | StoreURL, *, clock: Clock | None = None):
        self.url = url if isinstance(url, StoreURL) else StoreURL(url)
        # Its monotonic reading tells an idle connection (IDLE_PING_SECONDS):
        # the machine's clock is a harmless default.
        self.clock = clock or SystemClock()
        self.dialect = self.url.dialect
        self._depth = 0  # transactions open (nested ones join the outer one)
        self._pins = 0  # locks holding the connection (session advisory locks)
        self._used = self.clock.monotonic()
        if self.dialect == "sqlite":
            try:
                self._conn: Any = sqlite3.connect(
                    self.url.path, timeout=60, isolation_level=None, check_same_thread=False
                )
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                # An erased person's rows (issue 17) and a destroyed key's secret are
                # overwritten in the file, not left in free space within the pages.
                self._conn.execute("PRAGMA secure_delete=FAST")
            except sqlite3.OperationalError as exc:  # a directory that does not exist, a file not writable
                raise StoreUnavailable(
                    f"cannot open the SQLite store {self.url.path} ({exc}); sqlite:///PATH "
                    "is relative to the working directory, sqlite:////PATH absolute"
                ) from None
        else:
            self._conn = self._connect()

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(
                host=self.url.host,
                port=self.url.port,
                user=self.url.user,
                password=self.url.password or None,
                dbname=self.url.dbname,
                autocommit=True,
                connect_timeout=self.url.connect_timeout,
                application_name="entsync",
            )
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"cannot connect to {self.url.where()}: {_first_line(exc)}") from None

    def _live(self) -> Any:
        """The connection for the next statement: outside a unit of work, a
        broken or closed one is replaced, and one idle for a while is pinged
        first."""
        if self.dialect == "sqlite" or self._depth or self._pins:
            return self._conn
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            conn = self._replace()
        elif self.clock.monotonic() - self._used > IDLE_PING_SECONDS:
            try:
                conn.execute("SELECT 1")
            except Exception:
                conn = self._replace()
        self._used = self.clock.monotonic()
        return conn

    def _replace(self) -> Any:
        old, self._conn = self._conn, None
        if old is not None:
            try:
                old.close()
            except Exception:
                pass
        self._conn = self._connect()
        return self._conn

    @contextmanager
    def _outage(self) -> Iterator[None]:
        """A statement that meets a lost server raises StoreUnavailable (its
        connection is replaced at the next unit of work); SQL errors pass."""
        if self.dialect == "sqlite":
            yield
            return
        import psycopg

        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            conn = self._conn
            if conn is None or conn.closed or conn.broken:
                raise StoreUnavailable(f"lost the connection to {self.url.where()}: {_first_line(exc)}") from None
            raise

    @contextmanager
    def _pinned(self) -> Iterator[Any]:
        conn = self._live()
        self._pins += 1
        try:
            yield conn
        finally:
            self._pins -= 1
            self._used = self.clock.monotonic()

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Serialise table creation between processes and threads that open the
        same PostgreSQL database at once (concurrent CREATE TABLE IF NOT EXISTS
        fails there); SQLite serialises writers itself."""
        if self.dialect == "sqlite":
            yield
            return
        with self._pinned() as conn:
            with self._outage():
                conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                yield
            finally:
                if not conn.broken:
                    with self._outage():
                        conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))

    @contextmanager
    def try_lock(self, name: str) -> Iterator[bool]:
        """True to the one holder, across processes, of the lock ``name`` on
        PostgreSQL (a session advisory lock, released if the holder dies);
        always True on SQLite, whose writers are serialised anyway."""
        if self.dialect == "sqlite":
            yield True
            return
        key = zlib.crc32(f"entsync:{name}".encode())
        with self._pinned() as conn:
            held = bool(self.scalar("SELECT pg_try_advisory_lock(?)", (key,)))
            try:
                yield held
            finally:
                if held and not conn.broken:
                    self.scalar("SELECT pg_advisory_unlock(?)", (key,))

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    @property
    def in_transaction(self) -> bool:
        """A unit of work is open: what it wrote may still be rolled back."""
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        conn = self._live()
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
                with self._outage(), conn.transaction():
                    yield
            finally:
                self._depth = 0
                self._used = self.clock.monotonic()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        conn = self._live()
        with self._outage():
            conn.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        conn = self._live()
        if self.dialect == "sqlite":
            conn.executemany(sql, rows)
        else:
            with self._outage(), conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """PostgreSQL's COPY of ``rows`` into ``table`` (projections/bulk.py)."""
        conn = self._live()
        with self._outage(), conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        conn = self._live()
        with self._outage():
            cur = conn.execute(self._sql(sql), tuple(params))
            return list(cur.fetchall())

    def query_dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        conn = self._live()
        with self._outage():
            cur = conn.execute(self._sql(sql), tuple(params))
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
        if self._conn is not None:
            self._conn.close()


def outage(exc: BaseException) -> str | None:
    """One line when ``exc`` says the store's server could not be reached
    (from the read model, the event store's pool, or psycopg itself); None
    for every other error."""
    if isinstance(exc, StoreUnavailable):
        return str(exc)
    try:
        import psycopg
        from eventsourcing.persistence import InterfaceError, OperationalError
    except ImportError:  # pragma: no cover - both are dependencies
        return None
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError, OperationalError, InterfaceError)):
        return f"the event store's server cannot be reached: {_first_line(exc)}"
    return None


def _first_line(exc: BaseException) -> str:
    """psycopg's message in one line (libpq writes several)."""
    return " ".join(part.strip() for part in str(exc).splitlines() if part.strip()) or type(exc).__name__
