"""Where an ingest keeps what it found before deciding (domain-rules §11:
facts are staged as the delivery streams, applied once it is accepted): the
``Staging`` port of events/usecases/aaf_ports.py, and the SIECLE exports held
by a brake and the follow-ups of applied deliveries beside it.

Not part of the read model: it is working storage beside it, emptied once
the delivery is applied or rejected, and kept while a delivery is held. Its
tables are created by the composition root (``create_tables``), under the
schema lock; every write tells the Faults port it reached a commit point."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Sequence

from adapters.aaf.parser import RawRecord
from events.faults import Faults
from events.usecases.aaf_ports import ApplyState, Interrupted, StagedRow
from projections.bulk import insert_rows
from projections.db import Database

DDL = {
    "staging": """delivery_id TEXT NOT NULL, seq BIGINT NOT NULL, category TEXT NOT NULL, jointure TEXT NOT NULL,
        op TEXT NOT NULL, attrs TEXT NOT NULL, digest TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, seq)""",
    "ingest_state": "delivery_id TEXT PRIMARY KEY, phase TEXT NOT NULL, apply_from BIGINT NOT NULL, source TEXT NOT NULL",
    # A delta waiting behind a held delivery of its scope (domain-rules §12): its
    # records as read, so that it is applied in order later whatever became of its files.
    "parked": """delivery_id TEXT NOT NULL, seq BIGINT NOT NULL, part TEXT NOT NULL, line INTEGER NOT NULL,
        op TEXT NOT NULL, category TEXT NOT NULL, record_id TEXT NOT NULL, attrs TEXT NOT NULL,
        unsupported TEXT NOT NULL, PRIMARY KEY (delivery_id, seq)""",
    # A SIECLE export held by a brake (domain-rules §12): its bytes (base64), so
    # that releasing it applies what was received whatever became of the file.
    "held_files": "import_id TEXT PRIMARY KEY, file TEXT NOT NULL, content TEXT NOT NULL",
    # The steps that follow a recorded fact (issue 18, point 4), once done: a
    # step not marked here for an applied delivery is run at the next ingest,
    # tick or start (events/usecases/siecle_relink.follow_up).
    "follow_ups": "delivery_id TEXT NOT NULL, step TEXT NOT NULL, done_at TEXT NOT NULL, PRIMARY KEY (delivery_id, step)",
}
PARKED = ("delivery_id", "seq", "part", "line", "op", "category", "record_id", "attrs", "unsupported")


def create_tables(db: Database) -> None:
    with db.transaction():
        for name, cols in DDL.items():
            db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")


class Staging:
    def __init__(self, db: Database, faults: Faults | None = None):
        self.db = db
        self.faults = faults or Faults()  # told after each write commits (events/faults.py)

    def not_followed(self, step: str) -> list[str]:
        """Applied deliveries (read model) whose ``step`` has not been done, oldest first."""
        return [
            did
            for (did,) in self.db.query(
                "SELECT d.delivery_id FROM deliveries d WHERE d.status = 'applied' AND NOT EXISTS ("
                "SELECT 1 FROM follow_ups f WHERE f.delivery_id = d.delivery_id AND f.step = ?) "
                "ORDER BY d.finished_at, d.delivery_id",
                (step,),
            )
        ]

    def followed(self, step: str, delivery_ids: list[str], at: str) -> None:
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO follow_ups VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(did, step, at) for did in delivery_ids],
            )
        self.faults.reached("staging.followed")

    def park(self, delivery_id: str, records: Iterable[RawRecord]) -> int:
        """Keep the raw records of a waiting delivery, replacing what was
        parked for it. Returns the count."""
        with self.db.transaction():
            self.db.execute("DELETE FROM parked WHERE delivery_id = ?", (delivery_id,))
            rows, n = [], 0
            for r in records:
                rows.append(
                    (
                        delivery_id,
                        n,
                        r.file,
                        r.line,
                        r.op,
                        r.category,
                        r.id,
                        json.dumps(r.attrs, ensure_ascii=False),
                        json.dumps(list(r.unsupported)),
                    )
                )
                n += 1
                if len(rows) >= 2000:
                    insert_rows(self.db, "parked", PARKED, rows)
                    rows = []
            if rows:
                insert_rows(self.db, "parked", PARKED, rows)
        self.faults.reached("staging.parked")
        return n

    def parked(self, delivery_id: str, part: str) -> Iterator[RawRecord]:
        """The records of one part, in file order."""
        for line, op, cat, rid, attrs, unsupported in self.db.query(
            "SELECT line, op, category, record_id, attrs, unsupported FROM parked "
            "WHERE delivery_id = ? AND part = ? ORDER BY seq",
            (delivery_id, part),
        ):
            yield RawRecord(part, line, op, cat, rid, json.loads(attrs), tuple(json.loads(unsupported)))

    def has_parked(self, delivery_id: str) -> bool:
        return bool(self.db.query("SELECT 1 FROM parked WHERE delivery_id = ? LIMIT 1", (delivery_id,)))

    def unpark(self, delivery_id: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM parked WHERE delivery_id = ?", (delivery_id,))
        self.faults.reached("staging.parked")

    def keep_file(self, import_id: str, file: str, content: bytes) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM held_files WHERE import_id = ?", (import_id,))
            self.db.execute(
                "INSERT INTO held_files VALUES (?, ?, ?)", (import_id, file, base64.b64encode(content).decode("ascii"))
            )
        self.faults.reached("staging.file_kept")

    def kept_file(self, import_id: str) -> tuple[str, bytes] | None:
        rows = self.db.query("SELECT file, content FROM held_files WHERE import_id = ?", (import_id,))
        return (rows[0][0], base64.b64decode(rows[0][1])) if rows else None

    def drop_file(self, import_id: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM held_files WHERE import_id = ?", (import_id,))
        self.faults.reached("staging.file_kept")

    def forget(self, jointure: str, received_before: str) -> None:
        """An erased person's records (issue 17) dropped from the deliveries
        staged or parked before ``received_before`` (ISO; a later delivery
        that names them again is another matter: a rebuild of the read
        model must not touch it). Their account was removed a retention
        period ago: a delivery held that long is stale for them, and a
        record left here would bring their values back when it is applied.
        Run in the directory projection's transaction that folds the
        erasure (projections/directory_erasure.py).

        ``held_files`` (SIECLE exports held by a brake, whole) is not
        touched: an export names a whole establishment and cannot be edited
        to leave one person out; it is released or discarded by an operator
        (``entsync siecle release|reject``), which drops it."""
        before = "SELECT delivery_id FROM deliveries WHERE received_at < ?"
        with self.db.transaction():
            for table, column in (("staging", "jointure"), ("parked", "record_id")):
                self.db.execute(
                    f"DELETE FROM {table} WHERE {column} = ? AND delivery_id IN ({before})", (jointure, received_before)
                )

    def clear(self, delivery_id: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM staging WHERE delivery_id = ?", (delivery_id,))
            self.db.execute("DELETE FROM ingest_state WHERE delivery_id = ?", (delivery_id,))
        self.faults.reached("staging.cleared")

    def add(self, delivery_id: str, rows: Sequence[StagedRow]) -> None:
        with self.db.transaction():
            insert_rows(
                self.db,
                "staging",
                ("delivery_id", "seq", "category", "jointure", "op", "attrs", "digest", "file", "line"),
                [
                    (delivery_id, r.seq, r.category, r.jointure, r.op, r.attrs_json, r.digest, r.file, r.line)
                    for r in rows
                ],
            )
        self.faults.reached("staging.written")

    def rows(self, delivery_id: str, batch: int = 5000) -> Iterator[StagedRow]:
        """Staged rows in order, read ``batch`` at a time."""
        last = -1
        while True:
            chunk = self.db.query(
                "SELECT seq, category, jointure, op, attrs, digest, file, line FROM staging "
                "WHERE delivery_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (delivery_id, last, batch),
            )
            if not chunk:
                return
            for seq, cat, j, op, attrs, digest, file, line in chunk:
                yield StagedRow(int(seq), cat, j, op, attrs, digest, file, int(line))
            last = chunk[-1][0]

    def upserts(self, delivery_id: str, category: str) -> list[StagedRow]:
        """The staged changes (``upsert``) of one category, in order."""
        return [
            StagedRow(int(seq), cat, j, op, attrs, digest, file, int(line))
            for seq, cat, j, op, attrs, digest, file, line in self.db.query(
                "SELECT seq, category, jointure, op, attrs, digest, file, line FROM staging "
                "WHERE delivery_id = ? AND category = ? AND op = 'upsert' ORDER BY seq",
                (delivery_id, category),
            )
        ]

    def count(self, delivery_id: str) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM staging WHERE delivery_id = ?", (delivery_id,)) or 0)

    def set_phase(self, delivery_id: str, phase: str, apply_from: int, source: str) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO ingest_state VALUES (?, ?, ?, ?) ON CONFLICT (delivery_id) DO UPDATE SET "
                "phase = excluded.phase, apply_from = excluded.apply_from, source = excluded.source",
                (delivery_id, phase, apply_from, source),
            )
        self.faults.reached("staging.phase")

    def state(self, delivery_id: str) -> ApplyState | None:
        rows = self.db.query("SELECT phase, apply_from FROM ingest_state WHERE delivery_id = ?", (delivery_id,))
        return ApplyState(rows[0][0], int(rows[0][1])) if rows else None

    def interrupted(self) -> list[Interrupted]:
        """Deliveries whose apply phase began and did not end."""
        return [
            Interrupted(did, source)
            for did, source in self.db.query("SELECT delivery_id, source FROM ingest_state WHERE phase = 'applying'")
        ]
