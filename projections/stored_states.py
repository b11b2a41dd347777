"""The stored events' states, rewritten in place by the sealing upgrade
(events/usecases/upgrade_sealing.py), and the walk's position.

The event store's table is eventsourcing's: ``stored_events`` on SQLite
(notification id: its ``rowid``), ``entsync_events`` on PostgreSQL (column
``notification_id``); the names are read from the log's recorder. Only the
``state`` column of existing rows is written: ids, versions and topics never
change. The position row lives in ``sealing`` beside the read model, written
in the same transaction as the batch of states it covers."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from events.usecases.upgrade_sealing import Progress, StoredState
from projections.db import Database

TABLE = "sealing"
ROW = "stored_events"
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, position BIGINT NOT NULL,
    events BIGINT NOT NULL, batches BIGINT NOT NULL, done_at TEXT NULL)"""


def create_table(db: Database, fresh: bool) -> None:
    """The position table (under the schema lock). A store whose log is still
    empty (``fresh``) is written sealed from its first event: it is done."""
    with db.transaction():
        db.execute(DDL)
        if fresh and db.scalar(f"SELECT 1 FROM {TABLE} WHERE name = ?", (ROW,)) is None:
            db.execute(
                f"INSERT INTO {TABLE} (name, position, events, batches, done_at) VALUES (?, 0, 0, 0, ?)",
                (ROW, _wall_clock()),
            )


class SqlStoredStates:
    def __init__(self, db: Database, log: Any) -> None:
        self.db, self.log = db, log
        recorder = log.recorder
        if db.dialect == "sqlite":
            self.table, self.id_column = recorder.events_table_name, "rowid"
        else:
            self.table, self.id_column = f"{recorder.datastore.schema}.{recorder.events_table_name}", "notification_id"

    def progress(self) -> Progress | None:
        rows = self.db.query(f"SELECT position, events, batches, done_at FROM {TABLE} WHERE name = ?", (ROW,))
        if not rows:
            return None
        position, events, batches, done_at = rows[0]
        return Progress(int(position), int(events), int(batches), done_at is not None)

    def batch(self, after: int, limit: int, topics: Sequence[str]) -> list[StoredState]:
        notes = self.log.recorder.select_notifications(after, limit, topics=topics, inclusive_of_start=False)
        return [StoredState(n.id, str(n.originator_id), n.topic, bytes(n.state), n.originator_version) for n in notes]

    def stream(self, originator_id: str) -> list[StoredState]:
        events = self.log.recorder.select_events(UUID(originator_id))
        return [StoredState(0, originator_id, e.topic, bytes(e.state), e.originator_version) for e in events]

    def commit(self, states: Sequence[tuple[int, bytes]], was: Progress, now: Progress) -> bool:
        with self.db.transaction():
            if (self.progress() or Progress()) != was:
                return False
            self._write(states)
            self.db.execute(
                f"INSERT INTO {TABLE} (name, position, events, batches, done_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position, events = excluded.events, "
                "batches = excluded.batches, done_at = excluded.done_at",
                (ROW, now.position, now.events, now.batches, _wall_clock() if now.done else None),
            )
        return True

    def walking(self) -> AbstractContextManager[bool]:
        return self.db.try_lock("upgrade.sealing")

    def _write(self, states: Sequence[tuple[int, bytes]]) -> None:
        self.db.executemany(
            f"UPDATE {self.table} SET state = ? WHERE {self.id_column} = ?", [(s, i) for i, s in states]
        )


class MemoryStoredStates(SqlStoredStates):
    """The in-memory twin's: the position in its read-model database, the
    states in the POPO recorder's list (notification id n is its item n - 1)."""

    def __init__(self, db: Database, log: Any) -> None:
        self.db, self.log = db, log

    def _write(self, states: Sequence[tuple[int, bytes]]) -> None:
        stored = self.log.recorder._stored_events
        for position, state in states:
            old = stored[position - 1]
            stored[position - 1] = StoredEvent(old.originator_id, old.originator_version, old.topic, state)


def _wall_clock() -> str:
    # The store's machinery, not a fact of the directory: the wall clock dates it.
    return datetime.now(timezone.utc).isoformat()
