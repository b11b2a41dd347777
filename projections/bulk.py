"""Writing many rows at once: the read models' batches (directory, SIECLE,
staging, imports) write thousands of rows at the end of a batch, in its
transaction.

On PostgreSQL ``executemany`` costs a statement per row, even pipelined (a
parse, an executor start and a row of protocol each): seconds for one
delivery's read model, paid by every ingest and by every rebuild (`entsync
verify`). There the rows go in with COPY; an upsert copies them into a
temporary table first and applies them with one INSERT … SELECT … ON
CONFLICT. SQLite, in process, keeps ``executemany``: it is fast there."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from projections.db import Database

# Fewer rows than this are upserted with executemany: a temporary table
# costs a few catalog writes, more than a handful of statements.
UPSERT_THROUGH_COPY = 100


def insert_rows(db: Database, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` (tuples of ``columns``) into ``table``."""
    rows = list(rows)
    if not rows:
        return
    if db.dialect == "postgres":
        db.copy_rows(table, columns, rows)
        return
    db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def upsert_rows(
    db: Database, table: str, columns: Sequence[str], key: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT ``rows`` into ``table``, a row whose ``key`` is there replacing
    its other columns. One row per key in one call (the batches keep their
    rows by key): PostgreSQL refuses to update a row twice in one statement."""
    rows = list(rows)
    if not rows:
        return
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    conflict = f"ON CONFLICT ({', '.join(key)}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING")
    if db.dialect != "postgres" or len(rows) < UPSERT_THROUGH_COPY:
        db.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))}) {conflict}", rows)
        return
    incoming = f"bulk_{table}"
    with db.transaction():  # ON COMMIT DROP: a failure leaves no temporary table behind
        db.execute(f"CREATE TEMPORARY TABLE {incoming} (LIKE {table}) ON COMMIT DROP")
        db.copy_rows(incoming, columns, rows)
        db.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {incoming} {conflict}")
        db.execute(f"DROP TABLE {incoming}")


def delete_many(db: Database, table: str, column: str, keys: Iterable[Any]) -> None:
    """DELETE the rows of ``table`` whose ``column`` is one of ``keys``."""
    keys = list(keys)
    if not keys:
        return
    if db.dialect == "postgres":
        db.execute(f"DELETE FROM {table} WHERE {column} = ANY(?)", (keys,))
        return
    db.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(k,) for k in keys])
