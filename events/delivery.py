"""The delivery aggregate: one stream per AAF delivery, keyed by its content
fingerprint, so that the same delivery ingested twice is recognised.

Lifecycle (the table ``DELIVERY`` in events/intake.py): received → (held →
released | rejected) → applying → applied, or received → rejected; a delta
may first wait behind a held delivery of its scope (received → waiting →
held | applying | rejected). Person events of a delivery become visible in
the projections only once ``Applied`` is recorded (domain-rules §11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE
from events.intake import DELIVERY, Intake


def delivery_id(fingerprint: str) -> UUID:
    return uuid5(NAMESPACE, f"delivery:{fingerprint}")


class Delivery(Intake):
    TOPIC = "entsync:Delivery.v1"
    LIFECYCLE = DELIVERY  # its statuses and transitions (events/intake.py)

    class Event(Intake.Event):
        TOPIC = "entsync:Delivery.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:Delivery.Created.v1"

    class Received(Created):
        TOPIC = "entsync:Delivery.Received.v1"
        fingerprint: str
        source: str
        kind: str
        date: str
        prefix: str
        files: list[dict[str, Any]]
        at: datetime

    @staticmethod
    def create_id(fingerprint: str, **_: object) -> UUID:
        return delivery_id(fingerprint)

    @event(Received)
    def __init__(
        self,
        fingerprint: str,
        source: str,
        kind: str,
        date: str,
        prefix: str,
        files: list[dict[str, Any]],
        at: datetime,
    ):
        self.fingerprint = fingerprint
        self.prefix = prefix
        self.source = source
        self.kind = kind
        self.date = date
        self._receive(at)
        self.hold_reason = ""
        self.rejected_records = 0
        self.set_aside: dict[str, dict[str, str]] = {}  # record id → field → reason
        self.files = files
        self.swapped: list[str] = []  # guardian jointures of the GuardiansSwapped below

    class RecordRejected(Event):
        """One record set aside; the rest of the delivery goes on."""

        TOPIC = "entsync:Delivery.RecordRejected.v1"
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
        self.rejected_records += 1

    class RecordsRejected(Event):
        """Records set aside, several in one event (issue 18, point 6: one
        event per record made a delivery of 300 000 bad records 300 000
        events). ``rejections``: [reason, file, line, record_id, field,
        message] each, in delivery order; the rest of the delivery goes on.
        Written since 0.4.0; RecordRejected.v1 stays readable."""

        TOPIC = "entsync:Delivery.RecordsRejected.v1"
        rejections: list[list[str | int]]
        at: datetime

    @event(RecordsRejected)
    def reject_records(self, rejections: list[list[str | int]], at: datetime) -> None:
        self.rejected_records += len(rejections)

    class FieldSetAside(Event):
        """One field of a record set aside for an implausible value
        (domain-rules §12); the record is kept without it. Where and why,
        never the value. Recorded with the rejections, before the delivery
        is held or applied: the apply phase tells the accounts from these."""

        TOPIC = "entsync:Delivery.FieldSetAside.v1"
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
        self.set_aside.setdefault(record_id, {})[field] = reason

    class Held(Event):
        """Waiting for an operator: missing part or mass departure (domain-rules §11)."""

        TOPIC = "entsync:Delivery.Held.v1"
        reason: str
        details: dict[str, Any]
        at: datetime

    @event(Held)
    def hold(self, reason: str, details: dict[str, Any], at: datetime) -> None:
        self.reason = self.hold_reason = reason

    class Waiting(Event):
        """A delta received while a delivery of its scope is held waits behind
        it: nothing of it is applied until the held one is released or
        rejected, then the waiting ones are decided in the order they came
        (domain-rules §12). Its records are kept meanwhile."""

        TOPIC = "entsync:Delivery.Waiting.v1"
        behind: str
        at: datetime

    @event(Waiting)
    def wait_behind(self, behind: str, at: datetime) -> None:
        self.waiting_behind = behind

    class Released(Event):
        TOPIC = "entsync:Delivery.Released.v1"
        operator: str
        at: datetime

    @event(Released)
    def release(self, operator: str, at: datetime) -> None:
        """An operator lifts the hold: the delivery is applied as staged."""

    class Rejected(Event):
        """The whole delivery was refused; nothing of it was applied."""

        TOPIC = "entsync:Delivery.Rejected.v1"
        reason: str
        message: str
        file: str
        line: int
        operator: str
        at: datetime

    @event(Rejected)
    def reject(
        self, reason: str, message: str, at: datetime, file: str = "", line: int = 0, operator: str = ""
    ) -> None:
        self.reason = self.reject_reason = reason

    class ApplyStarted(Event):
        """From here the delivery's record events are written, in batches."""

        TOPIC = "entsync:Delivery.ApplyStarted.v1"
        covered_structures: list[str]
        covered_categories: list[str]
        at: datetime

    @event(ApplyStarted)
    def start_apply(self, covered_structures: list[str], covered_categories: list[str], at: datetime) -> None:
        """The record events follow; the status says a crash may have cut them."""

    class Applied(Event):
        """Every record event of the delivery is written: its effects become visible."""

        TOPIC = "entsync:Delivery.Applied.v1"
        counts: dict[str, int]
        at: datetime

    @event(Applied)
    def applied(self, counts: dict[str, int], at: datetime) -> None:
        """The delivery's effects become visible."""

    class GuardiansSwapped(Event):
        """Two guardian accounts of the student ``child`` exchanged identities in
        this delivery (domain-rules §5, §11): one anomaly, no suspected overwrite."""

        TOPIC = "entsync:Delivery.GuardiansSwapped.v1"
        jointures: list[str]
        child: str
        file: str
        line: int
        at: datetime

    @event(GuardiansSwapped)
    def note_swap(self, jointures: list[str], child: str, file: str, line: int, at: datetime) -> None:
        self.swapped = [*self.swapped, *jointures]
