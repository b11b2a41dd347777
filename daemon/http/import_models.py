"""The answers about what arrived: AAF deliveries, timetable and STS-web
imports, SIECLE imports (see daemon/http/models.py for the conventions)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daemon.http.models import Number, Row, Stored

DELIVERY_STATUSES = "received | applying | applied | held | released | waiting | rejected"
IMPORT_STATUSES = "received | awaiting_validation | validated | applied | rejected | retried | cancelled | replaced"


class Delivery(Row):
    delivery_id: str
    kind: str
    date: str
    prefix: str
    status: str = Field(description=DELIVERY_STATUSES)
    received_at: str
    finished_at: str | None
    reason: str
    rejected_records: int
    counts: dict[str, Any]
    source: str


class DeliveryList(Row):
    deliveries: list[Delivery]


class RecordNote(Row):
    """A record rejected, or a field of a kept record set aside: where, why,
    and the record's key, never the value."""

    reason: str
    file: str
    line: int
    record_id: str
    field: str
    message: str


# Stored records come back from the event log with their keys sorted: declared in that order.
class BrakeCount(Stored):
    accounts: int
    counted: int
    departing: int
    expected: int = Field(description="departures not counted (expected leavers)")
    held: bool
    minimum: int
    population: str
    share: Number
    structure: str
    uai: str


class Departure(Stored):
    expected: str = Field(description="why it is not counted; empty when counted")
    jointure: str
    profile: str
    reason: str
    state: str
    uais: list[str]
    login: str | None
    counted: bool


class DeliveryDetail(Row):
    """One AAF delivery with its rejected records."""

    delivery_id: str
    fingerprint: str
    source: str
    kind: str
    date: str
    prefix: str
    status: str = Field(description=DELIVERY_STATUSES)
    received_at: str
    finished_at: str | None
    reason: str
    details: dict[str, Any]
    rejected_records: int
    counts: dict[str, Any]
    rejections: list[RecordNote]
    set_aside: list[RecordNote] = Field(
        description="fields of kept records set aside for an implausible value (domain-rules §12)"
    )
    brake: list[BrakeCount] = Field(
        [], description="a delivery held by a brake: the counts per structure and population (domain-rules §12)"
    )
    departures: list[Departure] = Field(
        [], description="who the held delivery would make depart and why; expected leavers are listed, not counted"
    )
    waiting: list[str] = Field(description="deltas waiting behind this delivery, in order")


class ImportFields(Row):
    """What a timetable or STS-web import is, listed or shown."""

    import_id: str
    received_at: str
    finished_at: str | None
    status: str = Field(description=IMPORT_STATUSES)
    reason: str
    automatic: bool
    uai: str
    source: str = Field(description="edt (timetable) | sts")
    file: str
    school_year: int
    operator: str
    lifted: list[str]
    counts: dict[str, Any]


class Import(ImportFields):
    label: str = Field(description="status as in 001 §3.4")


class ImportList(Row):
    imports: list[Import]


class Match(Row):
    kind: str
    ident: str
    code: str
    key: str
    by: str
    reason: str
    line: int
    candidates: list[str]


class HandMatch(Row):
    kind: str
    ident: str
    key: str
    operator: str
    at: str


class ImportDetail(ImportFields):
    """One timetable or STS-web import with its matches and report."""

    sha256: str
    message: str
    summary: dict[str, Any]
    report: list[Any]
    details: dict[str, Any]
    record_rejections: list[Any]
    exported_at: str
    not_imported: list[Any] = Field(
        description="classes, groups and teachers whose courses were not imported, and why (domain-rules §12)"
    )
    share: dict[str, Any] = Field(description="kind -> [records not imported, records read]")
    label: str = Field(description="status as in 001 §3.4")
    calendar: dict[str, Any]
    ignored: dict[str, int]
    matches: list[Match]
    hand_matches: list[HandMatch]


class Session(Row):
    day: int
    start: int
    places: int
    subject: str
    classes: list[str]
    groups: list[str]
    teachers: list[str]
    weeks: list[int] = Field(description="school weeks; week n is the value 2^n of the export's @Semaines (formats §4)")
    cancelled_weeks: list[int]
    dates: list[str] = Field(description="the days the session takes place, cancelled weeks left out")


class ImportSessions(Row):
    calendar: dict[str, Any]
    sessions: list[Session]


class SiecleImport(Row):
    import_id: str
    received_at: str
    status: str
    reason: str
    uai: str
    kind: str = Field(description="eleves | responsables (empty if unreadable)")
    file: str
    exported_on: str
    rejected_records: int
    counts: dict[str, Any]
    duplicate_of: str
    message: str


class SiecleImportList(Row):
    imports: list[SiecleImport]
