"""The SIECLE import aggregate: one received file and its way through
reception, brake, application or rejection."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.intake import SIECLE, Intake
from events.siecle.ids import import_id


class SiecleImport(Intake):
    """One SIECLE file as received: received → applying → applied, or
    received → rejected (nothing applied), or received → held (a brake,
    domain-rules §12) → released → applying → applied, or held → rejected.
    The student and guardian facts of an import become visible in the SIECLE
    read model once Applied is recorded. The table: ``SIECLE`` in
    events/intake.py."""

    TOPIC = "entsync:SiecleImport.v1"
    LIFECYCLE = SIECLE

    class Event(Intake.Event):
        TOPIC = "entsync:SiecleImport.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:SiecleImport.Created.v1"

    class Received(Created):
        """``kind`` is ``eleves`` or ``responsables`` (``""`` when unreadable);
        ``uai`` and the header values are ``""`` when the file was refused
        before they could be read."""

        TOPIC = "entsync:SiecleImport.Received.v1"
        sha256: str
        receipt: int
        source: str
        file: str
        size: int
        uai: str
        kind: str
        school_year: int
        exported_on: str
        exported_at: str
        at: datetime

    @staticmethod
    def create_id(sha256: str, receipt: int, **_: object) -> UUID:
        return import_id(sha256, receipt)

    @event(Received)
    def __init__(
        self,
        sha256: str,
        receipt: int,
        source: str,
        file: str,
        size: int,
        uai: str,
        kind: str,
        school_year: int,
        exported_on: str,
        exported_at: str,
        at: datetime,
    ) -> None:
        self.sha256, self.uai, self.kind, self.file = sha256, uai, kind, file
        self._receive(at)
        self.brake: dict[str, Any] = {}

    class RecordRejected(Event):
        """One record set aside (file, line, SIECLE key, field; never a value)."""

        TOPIC = "entsync:SiecleImport.RecordRejected.v1"
        reason: str
        file: str
        line: int
        record_id: str
        field: str
        message: str
        at: datetime

    @event(RecordRejected)
    def reject_record(
        self, reason: str, file: str, line: int, record_id: str, field: str, message: str, at: datetime
    ) -> None:
        pass

    class FieldSetAside(Event):
        """One field of a kept record set aside for an implausible value
        (domain-rules §12): the record's kept values hold it empty. File,
        line, SIECLE key and field; never the value."""

        TOPIC = "entsync:SiecleImport.FieldSetAside.v1"
        reason: str
        file: str
        line: int
        record_id: str
        field: str
        message: str
        at: datetime

    @event(FieldSetAside)
    def set_aside_field(
        self, reason: str, file: str, line: int, record_id: str, field: str, message: str, at: datetime
    ) -> None:
        pass

    class Rejected(Event):
        """The whole file refused, nothing applied; ``duplicate_of`` names the
        applied import with the same bytes (reason ``duplicate_file``)."""

        TOPIC = "entsync:SiecleImport.Rejected.v1"
        reason: str
        message: str
        file: str
        line: int
        duplicate_of: str
        at: datetime

    @event(Rejected)
    def reject(
        self, reason: str, message: str, at: datetime, file: str = "", line: int = 0, duplicate_of: str = ""
    ) -> None:
        self.reason = reason

    class Held(Event):
        """Applying the export would make too many accounts depart (leaving
        dates newly set, domain-rules §12): nothing applied, the file kept
        until an operator releases or rejects it. ``details`` lists the counts
        per structure and population and who would depart (jointures only)."""

        TOPIC = "entsync:SiecleImport.Held.v1"
        reason: str
        message: str
        details: dict[str, Any]
        at: datetime

    @event(Held)
    def hold(self, reason: str, message: str, details: dict[str, Any], at: datetime) -> None:
        self.reason = reason
        self.brake = details

    class Released(Event):
        """An operator released a held export: it is applied next."""

        TOPIC = "entsync:SiecleImport.Released.v1"
        operator: str
        at: datetime

    @event(Released)
    def release(self, operator: str, at: datetime) -> None:
        self.released_by = operator

    class ApplyStarted(Event):
        """From here the import's student and guardian facts are written, in batches."""

        TOPIC = "entsync:SiecleImport.ApplyStarted.v1"
        at: datetime

    @event(ApplyStarted)
    def start_apply(self, at: datetime) -> None:
        """The facts follow; the status says a crash may have cut them."""

    class Applied(Event):
        """Every fact of the import is written: its effects become visible."""

        TOPIC = "entsync:SiecleImport.Applied.v1"
        counts: dict[str, int]
        at: datetime

    @event(Applied)
    def applied(self, counts: dict[str, int], at: datetime) -> None:
        """The import's effects become visible."""
