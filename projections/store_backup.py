"""A SQLite store's file for ``entsync backup`` and ``entsync restore``:
the online copy (SQLite's backup API, from a read-only connection, so one
consistent state even while the service writes), the checks that a file is
an entsync store, and the swap of the store's file.

A file written here is always whole: it is made under a temporary name in
its final directory and renamed (atomic on one file system), and a copy is
left in rollback-journal mode, one self-contained file without ``-wal``."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from projections.store_copy import copy_sqlite

EVENT_TABLE = "stored_events"  # eventsourcing's SQLite recorder: its rowid is the log's position


class StoreInUse(Exception):
    """Another process has the store open (a running service, a command)."""


@dataclass(frozen=True)
class StoreFile:
    path: Path
    size: int  # bytes
    position: int  # the log's last position


def temporary(beside: Path, what: str) -> Path:
    """A name in ``beside``'s directory for a file being made (renamed once whole)."""
    return beside.parent / f".{beside.name}.{what}-{os.getpid()}"


def backup(store: Path, out: Path) -> StoreFile:
    """Copy the store into ``out``, checked, replacing ``out`` only once whole."""
    tmp = temporary(out, "partial")
    try:
        copy_sqlite(store, tmp)
        standalone(tmp)
        position = checked(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return StoreFile(out, out.stat().st_size, position)


def standalone(path: Path) -> None:
    """The copy in one file, rollback-journal mode (the store sets WAL again when opened)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")


def checked(path: Path) -> int:
    """The log's last position in the store file ``path``, once read-only
    checks found it whole (``PRAGMA integrity_check``) and an entsync store
    (it has the event log's table); ValueError saying what is wrong."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise ValueError(f"{path}: integrity check failed: {'; '.join(problems[:3])}")
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (EVENT_TABLE,)).fetchall():
                raise ValueError(f"{path}: not an entsync store (no event log in it)")
            return int(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {EVENT_TABLE}").fetchone()[0])
    except sqlite3.DatabaseError as exc:  # not a database at all, or unreadable
        raise ValueError(f"{path}: not an entsync store ({exc})") from None


def staged(source: Path, store: Path) -> Path:
    """``source`` copied beside ``store`` under a temporary name, in one file."""
    tmp = temporary(store, "restoring")
    try:
        copy_sqlite(source, tmp)
        standalone(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


@contextmanager
def held(store: Path) -> Iterator[sqlite3.Connection]:
    """The store, no other process having it open, left in one file and
    locked (no one else reads or writes it) while the block runs.

    In WAL mode every open connection keeps a shared lock on the file, even
    idle: leaving WAL needs the only one, so a service that has the store
    open is seen, not waited for."""
    conn = sqlite3.connect(store, timeout=0, isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreInUse(str(store)) from None
            raise
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def destroyed_count(conn: sqlite3.Connection) -> int:
    """How many tombstones the key ring holds (0 without one): read under
    the lock, to see whether a key was destroyed after they were read."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='keyring'").fetchall():
        return 0
    return int(conn.execute("SELECT count(*) FROM keyring WHERE secret IS NULL").fetchone()[0])


def swap(staged_file: Path, store: Path, keep: Path | None) -> None:
    """Put ``staged_file`` in the store's place in one rename; the replaced
    file stays as ``keep`` (a second name of the same file) unless None."""
    if keep is not None and store.exists():
        os.link(store, keep)
    os.replace(staged_file, store)
