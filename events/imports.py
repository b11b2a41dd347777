"""The timetable import aggregate (domain-rules §7): one stream per file
received, EDT clear XML or STS-web ``STS_EDT``.

Lifecycle (the table ``TIMETABLE`` in events/intake.py; an EDT import is also
``Read`` right after ``Received``, and ``Resolved`` when its matches change)::

    received → awaiting_validation → (matched by hand)* → (validated) → applied
    received → awaiting_validation → cancelled | replaced (by a newer export)
    received → applied                      (automated import)
    received → rejected → (thresholds lifted, retried) → applied | rejected

Facts only: the use cases (events/usecases/timetable_*.py) decide, with the
rules of events/timetable/; the aggregate refuses only a transition that does
not exist (validating an applied import, retrying a duplicate).

Identity: ``uuid5`` of the UAI, the file's SHA-256 and the effective time of
receipt. The same file received again at another time is another import (a
duplicate is a fact worth keeping: "Rejet - Double du fichier d'import"); the
same command replayed with the same ``--now`` finds the import it made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE
from events.intake import TIMETABLE, Intake, TransitionRefused
from events.sts_staff import StaffIdentitiesRecorded, StsOverwriteSuspected


def import_id(uai: str, sha256: str, received_at: datetime) -> UUID:
    """Deterministic id of the import of a file (style: uuid5 of the natural key)."""
    return uuid5(NAMESPACE, f"timetable-import:{uai}:{sha256}:{received_at.isoformat()}")


class TimetableImport(Intake):
    TOPIC = "entsync:TimetableImport.v1"
    LIFECYCLE = TIMETABLE

    class Event(Intake.Event):
        TOPIC = "entsync:TimetableImport.Event.v1"

    StaffIdentitiesRecorded = StaffIdentitiesRecorded  # STS-web (events/sts_staff.py), nested for their topics
    StsOverwriteSuspected = StsOverwriteSuspected

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:TimetableImport.Created.v1"

    class Received(Created):
        """A file arrived and was read: what it says, matched against the
        directory. ``snapshot`` is the normalised timetable the next import is
        compared with (empty when the file could not be read)."""

        TOPIC = "entsync:TimetableImport.Received.v1"
        uai: str
        source: str  # edt | sts
        file: str
        sha256: str
        size: int
        school_year: int  # 0 when unknown
        snapshot: dict[str, Any]
        matches: list[dict[str, Any]]
        summary: dict[str, list[int]]
        record_rejections: list[dict[str, Any]]
        at: datetime

    @staticmethod
    def create_id(uai: str, sha256: str, at: datetime, **_: object) -> UUID:
        return import_id(uai, sha256, at)

    @event(Received)
    def __init__(
        self,
        uai: str,
        source: str,
        file: str,
        sha256: str,
        size: int,
        school_year: int,
        snapshot: dict[str, Any],
        matches: list[dict[str, Any]],
        summary: dict[str, list[int]],
        record_rejections: list[dict[str, Any]],
        at: datetime,
    ) -> None:
        self.uai, self.source, self.file, self.sha256 = uai, source, file, sha256
        self.school_year, self.snapshot, self.summary = school_year, snapshot, summary
        self._receive(at)
        self.automatic = True
        self.lifted: list[str] = []
        self.plan: dict[str, Any] = {}
        self.exported_at = ""
        self.people: dict[str, Any] = {}
        self.matches = matches
        self.record_rejections = record_rejections
        self.not_imported: list[dict[str, Any]] = []
        self.share: dict[str, list[int]] = {}

    class AwaitingValidation(Event):
        """First import of the school year: waits for an operator (domain-rules §7)."""

        TOPIC = "entsync:TimetableImport.AwaitingValidation.v1"
        report: list[Any]
        at: datetime

    @event(AwaitingValidation)
    def await_validation(self, report: list[Any], at: datetime) -> None:
        self.automatic = False

    class Read(Event):
        """What an EDT export says in its own idents (events/timetable/edt.py
        plan_edt), when the export was made (ISO, '' when unknown), the names
        of the people not matched (for the operator who matches them by hand;
        never served by the API), what was not imported and why, and the
        share of records set aside per kind."""

        TOPIC = "entsync:TimetableImport.Read.v1"
        plan: dict[str, Any]
        exported_at: str
        people: dict[str, Any]
        not_imported: list[dict[str, Any]]
        share: dict[str, list[int]]
        at: datetime

    @event(Read)
    def read(
        self,
        plan: dict[str, Any],
        exported_at: str,
        people: dict[str, Any],
        not_imported: list[dict[str, Any]],
        share: dict[str, list[int]],
        at: datetime,
    ) -> None:
        self.plan = plan
        self.exported_at = exported_at
        self.people = people
        self.not_imported = not_imported
        self.share = share

    class MatchedByHand(Event):
        """An operator matched one item of the export: a teacher or student
        (``key`` = account jointure) or a class or group (``key`` = code).
        ``name`` is the digest the match is remembered under (with ``ident``)."""

        TOPIC = "entsync:TimetableImport.MatchedByHand.v1"
        kind: str
        ident: str
        name: str
        key: str
        operator: str
        at: datetime

    @event(MatchedByHand)
    def _matched(self, kind: str, ident: str, name: str, key: str, operator: str, at: datetime) -> None:
        pass

    def match_by_hand(self, kind: str, ident: str, name: str, key: str, operator: str, at: datetime) -> None:
        self._require("MatchedByHand")  # the status first: its refusal says more
        if not getattr(self, "plan", None):
            raise TransitionRefused(
                f"import {self.id} was received by an earlier release: it cannot be matched by "
                "hand; send the export again"
            )
        self._matched(kind, ident, name, key, operator, at)

    class Resolved(Event):
        """The export resolved again (after a match by hand, or before a
        retry): the snapshot, the matches and what was not imported."""

        TOPIC = "entsync:TimetableImport.Resolved.v1"
        snapshot: dict[str, Any]
        matches: list[dict[str, Any]]
        summary: dict[str, list[int]]
        not_imported: list[dict[str, Any]]
        share: dict[str, list[int]]
        report: list[Any]
        at: datetime

    @event(Resolved)
    def resolved(
        self,
        snapshot: dict[str, Any],
        matches: list[dict[str, Any]],
        summary: dict[str, list[int]],
        not_imported: list[dict[str, Any]],
        share: dict[str, list[int]],
        report: list[Any],
        at: datetime,
    ) -> None:
        self.snapshot = snapshot
        self.matches = matches
        self.summary = summary
        self.not_imported = not_imported
        self.share = share

    class Cancelled(Event):
        """An operator cancelled an import awaiting validation ("Annuler l'import")."""

        TOPIC = "entsync:TimetableImport.Cancelled.v1"
        operator: str
        reason: str
        at: datetime

    @event(Cancelled)
    def cancel(self, operator: str, reason: str, at: datetime) -> None:
        """The status is the whole change (events/intake.py)."""

    class Replaced(Event):
        """A newer export of the same establishment and source (by its export
        date) took the place of this one, awaiting validation."""

        TOPIC = "entsync:TimetableImport.Replaced.v1"
        by: str
        at: datetime

    @event(Replaced)
    def replace_by(self, by: str, at: datetime) -> None:
        """The status is the whole change (events/intake.py)."""

    class EndDateAccepted(Event):
        """The validating operator applied a first import of the year whose
        end is after 15 July: the timetable is applied up to 15 July only."""

        TOPIC = "entsync:TimetableImport.EndDateAccepted.v1"
        operator: str
        ends_on: str
        applied_until: str
        at: datetime

    @event(EndDateAccepted)
    def accept_end_date(self, operator: str, ends_on: str, applied_until: str, at: datetime) -> None:
        """A fact for the record: the use case clamps the timetable."""

    class Validated(Event):
        TOPIC = "entsync:TimetableImport.Validated.v1"
        operator: str
        at: datetime

    @event(Validated)
    def validate(self, operator: str, at: datetime) -> None:
        """The status is the whole change (events/intake.py)."""

    class Applied(Event):
        """The timetable is the establishment's current one; ``counts`` are the
        changes against the previous applied import, ``report`` the bilan as
        [section, [lines]] pairs in seed 004's order."""

        TOPIC = "entsync:TimetableImport.Applied.v1"
        counts: dict[str, int]
        report: list[Any]
        at: datetime

    @event(Applied)
    def apply(self, counts: dict[str, int], report: list[Any], at: datetime) -> None:
        self.reason = ""

    class Rejected(Event):
        """Nothing of the file was applied. ``reason`` is a stable code
        (events/timetable/reasons.py)."""

        TOPIC = "entsync:TimetableImport.Rejected.v1"
        reason: str
        message: str
        details: dict[str, Any]
        report: list[Any]
        at: datetime

    @event(Rejected)
    def reject(self, reason: str, message: str, details: dict[str, Any], report: list[Any], at: datetime) -> None:
        self.reason = reason

    class ThresholdsLifted(Event):
        """An operator lifted named thresholds for this one import (001 §3.4)."""

        TOPIC = "entsync:TimetableImport.ThresholdsLifted.v1"
        names: list[str]
        operator: str
        at: datetime

    @event(ThresholdsLifted)
    def _lifted(self, names: list[str], operator: str, at: datetime) -> None:
        self.lifted = sorted(set(self.lifted) | set(names))

    def lift(self, names: list[str], operator: str, at: datetime) -> None:
        self._lifted(sorted(names), operator, at)

    class Retried(Event):
        """An operator asked to decide again (after lifting thresholds)."""

        TOPIC = "entsync:TimetableImport.Retried.v1"
        operator: str
        at: datetime

    @event(Retried)
    def retry(self, operator: str, at: datetime) -> None:
        self.automatic = False
