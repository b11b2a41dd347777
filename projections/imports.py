"""The timetable-imports read model (domain-rules §7), built from the event
log only: the history of imports with their reports, the matches of each,
the last applied timetable of each establishment and source, and the
groups that timetable populates (group population option 2, domain-rules §2).

Separate from the directory read model: its own tables under ``prefix`` and
its own row ``imports`` in the shared tracking table, written in the same
transaction as the rows. It reads only the import topics of the log. The
tables are in ``imports_schema``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from events.erasure import DetailsErasure
from events.faults import Faults
from events.imports import TimetableImport as TI
from projections import details_erasure, facts
from projections.bulk import insert_rows
from projections.db import Database
from projections.imports_schema import NAME, SCHEMA, create, dumps, sts_overwrite
from projections.schema import TRACKING, iso

TOPICS = [
    TI.Received.TOPIC,
    TI.AwaitingValidation.TOPIC,
    TI.Validated.TOPIC,
    TI.Applied.TOPIC,
    TI.Rejected.TOPIC,
    TI.ThresholdsLifted.TOPIC,
    TI.Retried.TOPIC,
    TI.Read.TOPIC,
    TI.Resolved.TOPIC,
    TI.MatchedByHand.TOPIC,
    TI.Cancelled.TOPIC,
    TI.Replaced.TOPIC,
    TI.EndDateAccepted.TOPIC,
    TI.StsOverwriteSuspected.TOPIC,
    DetailsErasure.DetailsErased.TOPIC,
]


class ImportsProjection:
    """Applies timetable-import events to the tables under ``prefix``."""

    def __init__(self, db: Database, prefix: str = "", *, faults: Faults | None = None):
        self.db = db
        self.p = prefix
        self.faults = faults or Faults()  # told after each batch commits ("readmodel.committed")
        create(db, prefix)
        self._handlers: dict[str, Callable[[Any], None]] = {
            TI.Received.TOPIC: self._received,
            TI.AwaitingValidation.TOPIC: self._awaiting,
            TI.Validated.TOPIC: self._validated,
            TI.Applied.TOPIC: self._applied,
            TI.Rejected.TOPIC: self._rejected,
            TI.ThresholdsLifted.TOPIC: self._lifted,
            TI.Retried.TOPIC: self._retried,
            TI.Read.TOPIC: self._read,
            TI.Resolved.TOPIC: self._resolved,
            TI.MatchedByHand.TOPIC: self._hand,
            TI.Cancelled.TOPIC: self._cancelled,
            TI.Replaced.TOPIC: self._replaced,
            TI.EndDateAccepted.TOPIC: self._end_accepted,
            TI.StsOverwriteSuspected.TOPIC: lambda ev: sts_overwrite(self.db, self.p, ev),
            DetailsErasure.DetailsErased.TOPIC: lambda ev: details_erasure.timetable(self.db, self.p, ev),
        }

    def position(self) -> int:
        return int(self.db.scalar(f"SELECT position FROM {self.p}{TRACKING} WHERE name = ?", (NAME,)) or 0)

    def catch_up(self, log, batch: int = 500) -> int:
        """Apply every import event after the tracking position; returns how many."""
        decode = facts.decoder(log)
        total, position = 0, self.position()
        while True:
            notes = log.recorder.select_notifications(position, batch, topics=TOPICS, inclusive_of_start=False)
            if not notes:
                return total
            with self.db.transaction():
                for note in notes:
                    self._handlers[note.topic](decode(note))
                self.db.execute(
                    f"INSERT INTO {self.p}{TRACKING} (name, position) VALUES (?, ?) "
                    f"ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                    (NAME, notes[-1].id),
                )
            self.faults.reached("readmodel.committed")
            position = notes[-1].id
            total += len(notes)

    # ---- rows ------------------------------------------------------------------------
    def _update(self, ev: Any, **values: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE {self.p}imports SET {sets} WHERE import_id = ?", (*values.values(), str(ev.originator_id))
        )

    def _row(self, ev: Any) -> dict:
        rows = self.db.query_dicts(f"SELECT * FROM {self.p}imports WHERE import_id = ?", (str(ev.originator_id),))
        if not rows:
            raise LookupError(f"event {ev.topic} for unknown import {ev.originator_id}")
        return rows[0]

    def _received(self, ev: Any) -> None:
        iid = str(ev.originator_id)
        cols = SCHEMA["imports"][0]
        row = {
            "import_id": iid,
            "uai": ev.uai,
            "source": ev.source,
            "file": ev.file,
            "sha256": ev.sha256,
            "size": ev.size,
            "school_year": ev.school_year,
            "status": "received",
            "reason": "",
            "message": "",
            "automatic": 1,
            "received_at": iso(ev.at),
            "finished_at": None,
            "operator": "",
            "lifted": "[]",
            "summary": dumps(ev.summary),
            "counts": "{}",
            "report": "[]",
            "details": "{}",
            "record_rejections": dumps(ev.record_rejections),
            "snapshot": dumps(ev.snapshot),
            "exported_at": "",
            "plan": "{}",
            "people": "{}",
            "not_imported": "[]",
            "share": "{}",
        }
        self.db.execute(
            f"INSERT INTO {self.p}imports ({', '.join(c for c, _ in cols)}) VALUES ({', '.join('?' * len(cols))})",
            tuple(row[c] for c, _ in cols),
        )
        self._matches(iid, ev.matches)

    def _matches(self, iid: str, matches: list) -> None:
        self.db.execute(f"DELETE FROM {self.p}import_matches WHERE import_id = ?", (iid,))
        insert_rows(
            self.db,
            f"{self.p}import_matches",
            _columns("import_matches"),
            [
                (
                    iid,
                    i,
                    m["kind"],
                    m["ident"],
                    m["code"],
                    m["key"],
                    m["by"],
                    m["reason"],
                    m["line"],
                    m.get("name", ""),
                    dumps(m.get("candidates", [])),
                )
                for i, m in enumerate(matches)
            ],
        )

    def _read(self, ev: Any) -> None:
        self._update(
            ev,
            exported_at=ev.exported_at,
            plan=dumps(ev.plan),
            people=dumps(ev.people),
            not_imported=dumps(ev.not_imported),
            share=dumps(ev.share),
        )

    def _resolved(self, ev: Any) -> None:
        values = {
            "snapshot": dumps(ev.snapshot),
            "summary": dumps(ev.summary),
            "not_imported": dumps(ev.not_imported),
            "share": dumps(ev.share),
        }
        if ev.report:
            values["report"] = dumps(ev.report)
        self._update(ev, **values)
        self._matches(str(ev.originator_id), ev.matches)

    def _hand(self, ev: Any) -> None:
        self.db.execute(
            f"INSERT INTO {self.p}import_hand_matches VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
            f"(import_id, kind, ident) DO UPDATE SET name = excluded.name, match_key = excluded.match_key, "
            f"operator = excluded.operator, at = excluded.at",
            (str(ev.originator_id), ev.kind, ev.ident, ev.name, ev.key, ev.operator, iso(ev.at)),
        )

    def _cancelled(self, ev: Any) -> None:
        self._update(ev, status="cancelled", reason="", message=ev.reason, operator=ev.operator, finished_at=iso(ev.at))

    def _replaced(self, ev: Any) -> None:
        self._update(ev, status="replaced", message=f"replaced by import {ev.by}", finished_at=iso(ev.at))

    def _end_accepted(self, ev: Any) -> None:
        self._update(ev, operator=ev.operator)

    def _awaiting(self, ev: Any) -> None:
        self._update(ev, status="awaiting_validation", automatic=0, report=dumps(ev.report))

    def _validated(self, ev: Any) -> None:
        self._update(ev, status="validated", operator=ev.operator)

    def _lifted(self, ev: Any) -> None:
        row = self._row(ev)
        lifted = sorted(set(json.loads(row["lifted"])) | set(ev.names))
        self._update(ev, lifted=dumps(lifted), operator=ev.operator)

    def _retried(self, ev: Any) -> None:
        self._update(ev, status="retried", automatic=0, operator=ev.operator)

    def _rejected(self, ev: Any) -> None:
        self._update(
            ev,
            status="rejected",
            reason=ev.reason,
            message=ev.message,
            details=dumps(ev.details),
            report=dumps(ev.report),
            finished_at=iso(ev.at),
        )

    def _applied(self, ev: Any) -> None:
        self._update(
            ev,
            status="applied",
            reason="",
            message="",
            counts=dumps(ev.counts),
            report=dumps(ev.report),
            finished_at=iso(ev.at),
        )
        row = self._row(ev)
        p, key = self.p, (row["uai"], row["source"])
        self.db.execute(
            f"INSERT INTO {p}timetables (uai, source, import_id, school_year, applied_at, snapshot) "
            f"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uai, source) DO UPDATE SET import_id = excluded.import_id, "
            f"school_year = excluded.school_year, applied_at = excluded.applied_at, snapshot = excluded.snapshot",
            (*key, row["import_id"], row["school_year"], iso(ev.at), row["snapshot"]),
        )
        self.db.execute(
            f"INSERT INTO {p}remembered_matches SELECT ?, ?, ?, kind, ident, name, match_key, import_id "
            f"FROM {p}import_hand_matches WHERE import_id = ? ON CONFLICT (uai, source, school_year, kind, ident) "
            f"DO UPDATE SET name = excluded.name, match_key = excluded.match_key, import_id = excluded.import_id",
            (*key, row["school_year"], row["import_id"]),
        )
        self.db.execute(f"DELETE FROM {p}timetable_groups WHERE uai = ? AND source = ?", key)
        insert_rows(
            self.db,
            f"{p}timetable_groups",
            _columns("timetable_groups"),
            [(*key, *m) for m in sorted(group_rows(json.loads(row["snapshot"])))],
        )


def _columns(table: str) -> list[str]:
    return [name for name, _ in SCHEMA[table][0]]


def group_rows(snapshot: dict) -> set[tuple[str, str, str]]:
    """(group code, kind, member) of a stored snapshot: the classes a group is
    made of, its students, and the teachers who teach it (option 2,
    domain-rules §2)."""
    rows = set()
    for code, classes in snapshot.get("groups", {}).items():
        rows.update((code, "class", c) for c in classes)
    for code, students in snapshot.get("group_members", {}).items():
        rows.update((code, "student", s) for s in students)
    groups = set(snapshot.get("groups", {}))
    for teacher, taught in snapshot.get("teachers", {}).items():
        rows.update((code, "teacher", teacher) for code in taught if code in groups)
    return rows
