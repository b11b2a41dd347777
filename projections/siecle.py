"""The SIECLE read model: imports, students, guardians, student↔guardian
links, correlations to accounts and the per-record digests that let the next
export record only changes — built from the event log only.

Like the directory read model (projections/directory.py), events are applied
in log order in batches, each batch and the tracking row ``siecle`` written
in one transaction, and an import's facts are applied only once its
``Applied`` event exists (domain-rules §11: atomic visibility). The tables
are in ``siecle_schema``, the folding in ``siecle_folding`` (one function per
fact, on the batch's rows of ``siecle_batch``), the listings in
``siecle_listings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.erasure import DetailsErasure, Erasure
from events.faults import Faults
from events.siecle.guardian import Guardian
from events.siecle.intake import SiecleImport
from events.siecle.student import Student
from projections import details_erasure, facts, siecle_anomaly_fold, siecle_erasure
from projections import siecle_folding as fold
from projections.db import Database
from projections.schema import TRACKING
from projections.siecle_batch import Rows
from projections.siecle_schema import NAME, TABLES, create, drop

APPLY_STARTED = SiecleImport.ApplyStarted.TOPIC


class SiecleProjection:
    """Applies SIECLE events to the tables under ``prefix``."""

    def __init__(self, db: Database, prefix: str = "", *, faults: Faults | None = None):
        self.db = db
        self.prefix = prefix
        self.faults = faults or Faults()  # told after each batch commits ("readmodel.committed")
        create(db, prefix)
        self._handlers: dict[str, Callable[[Rows, Any], None]] = {
            SiecleImport.Received.TOPIC: fold.import_received,
            SiecleImport.RecordRejected.TOPIC: fold.import_record_rejected,
            SiecleImport.FieldSetAside.TOPIC: fold.import_field_set_aside,
            SiecleImport.Rejected.TOPIC: fold.import_rejected,
            SiecleImport.Held.TOPIC: fold.import_held,
            SiecleImport.Released.TOPIC: fold.import_released,
            SiecleImport.ApplyStarted.TOPIC: fold.import_applying,
            SiecleImport.Applied.TOPIC: fold.import_applied,
            Student.Enrolled.TOPIC: fold.student_enrolled,
            Student.Changed.TOPIC: fold.student_changed,
            Student.Reenrolled.TOPIC: fold.student_reenrolled,
            Student.Unenrolled.TOPIC: fold.student_unenrolled,
            Student.LeavingDateSet.TOPIC: fold.leaving_set,
            Student.LeavingDateCleared.TOPIC: fold.leaving_cleared,
            Student.GuardianLinked.TOPIC: fold.linked,
            Student.GuardianLinkChanged.TOPIC: fold.link_changed,
            Student.GuardianUnlinked.TOPIC: fold.unlinked,
            Student.AccountLinked.TOPIC: fold.account_link("student"),
            Student.LinkUnresolved.TOPIC: fold.account_link("student"),
            Guardian.Appeared.TOPIC: fold.guardian_appeared,
            Guardian.Changed.TOPIC: fold.guardian_changed,
            Guardian.Reappeared.TOPIC: fold.guardian_reappeared,
            Guardian.Withdrawn.TOPIC: fold.guardian_withdrawn,
            Guardian.AccountLinked.TOPIC: fold.account_link("guardian"),
            Guardian.LinkUnresolved.TOPIC: fold.account_link("guardian"),
            Student.OverwriteSuspected.TOPIC: siecle_anomaly_fold.overwrite("student"),
            Guardian.OverwriteSuspected.TOPIC: siecle_anomaly_fold.overwrite("guardian"),
            Student.GuardiansSwapped.TOPIC: siecle_anomaly_fold.swapped,
            Erasure.PersonErased.TOPIC: siecle_erasure.person_erased,
            DetailsErasure.DetailsErased.TOPIC: details_erasure.siecle,
        }
        self._topics = sorted(self._handlers)

    # ---- position and catch-up -------------------------------------------------
    def position(self) -> int:
        return int(self.db.scalar(f"SELECT position FROM {self.prefix}{TRACKING} WHERE name = ?", (NAME,)) or 0)

    def reset(self) -> None:
        """Empty the read model (its tables and position), for a rebuild from the log."""
        drop(self.db, self.prefix)
        create(self.db, self.prefix)

    def catch_up(self, log, batch: int = 5000) -> int:
        """Apply every visible event after the tracking position; stops at the
        ApplyStarted of an import not yet Applied. Returns how many
        notifications were consumed."""
        total = 0
        # Only SIECLE facts: the AAF's hundreds of thousands of events are not decoded here.
        for chunk in facts.visible_chunks(log, self.position(), batch, APPLY_STARTED, topics=self._topics):
            self._apply(chunk)
            total += len(chunk)
        return total

    def _apply(self, chunk: list[tuple[int, Any]]) -> None:
        rows = Rows(self.db, self.prefix)
        with self.db.transaction():
            for _, ev in chunk:
                handler = self._handlers.get(ev.topic)
                if handler is not None:
                    handler(rows, ev)
            rows.flush()
            self.db.execute(
                f"INSERT INTO {self.prefix}{TRACKING} (name, position) VALUES (?, ?) "
                f"ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (NAME, chunk[-1][0]),
            )
        self.faults.reached("readmodel.committed")

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every SIECLE table, sorted: what a rebuild must reproduce."""
        out = {}
        for name in TABLES:
            rows = self.db.query(f"SELECT * FROM {self.prefix}{name}")
            out[name] = sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
        return out
