"""The SIECLE student aggregate: one student record of one establishment,
its guardian links (BEE_RESPONSABLES) and its correlation to an AAF account."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.siecle import state
from events.siecle.correlation import Correlated
from events.siecle.identity import STUDENT_IDENTITY, identity_values, judge
from events.siecle.ids import student_id
from events.siecle.links import record_links
from events.siecle_rules import STUDENT_CHANGED_FIELDS, changes, leaving_status


class Student(Correlated, Aggregate):
    """One student record of one establishment's SIECLE."""

    TOPIC = "entsync:SiecleStudent.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:SiecleStudent.Event.v1"

        def apply(self, student: Student) -> None:
            state.student(student, self)

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:SiecleStudent.Created.v1"

    class Enrolled(Created):
        """First seen in an export of the UAI: starts the 48 h clock of the
        account it is linked to (domain-rules §3, §11, the lead's projection)."""

        TOPIC = "entsync:SiecleStudent.Enrolled.v1"
        uai: str
        eleve_id: str
        attrs: dict[str, Any]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    @staticmethod
    def create_id(uai: str, eleve_id: str, **_: object) -> UUID:
        return student_id(uai, eleve_id)

    @event(Enrolled)
    def __init__(
        self,
        uai: str,
        eleve_id: str,
        attrs: dict[str, Any],
        digest: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        self.uai, self.eleve_id = uai, eleve_id
        self.attrs, self.digest, self.enrolled = dict(attrs), digest, True  # attrs a copy: the event's stays
        self.suspected: dict[int, str] = {}  # OverwriteSuspected's version → the account it was linked to
        # The identity at first appearance, moved to the new holder by an OverwriteSuspected.
        self.first_identity = identity_values(attrs, STUDENT_IDENTITY)
        self.links: dict[str, dict[str, Any]] = {}
        self.links_digest = ""
        self.account_id, self.rule = "", ""
        self.unresolved: str | None = None

    @classmethod
    def enrol(
        cls,
        uai: str,
        eleve_id: str,
        attrs: dict[str, Any],
        digest: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
        today: date,
    ) -> Student:
        """A student new to SIECLE facts; a leaving date it carries is recorded as its own fact."""
        student = cls(
            uai=uai, eleve_id=eleve_id, attrs=attrs, digest=digest, import_id=import_id, file=file, line=line, at=at
        )
        if attrs.get("left_on"):
            student._leaving_set(attrs["left_on"], "", attrs.get("leaving_reason", ""), today, digest, import_id, at)
        return student

    class Changed(Event):
        """Kept values changed: ``changes`` is ``{field: {before, after}}`` (names and
        birth date included: a record retyped for another person, domain-rules §5)."""

        TOPIC = "entsync:SiecleStudent.Changed.v1"
        changes: dict[str, dict[str, Any]]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    class LeavingDateSet(Event):
        """``DATE_SORTIE`` given or changed. ``status`` as of ``at``:
        ``departed`` (a past date: the departure rule starts from ``left_on``)
        or ``scheduled`` (a future date: departure due on it)."""

        TOPIC = "entsync:SiecleStudent.LeavingDateSet.v1"
        left_on: str
        previous: str
        reason: str
        status: str
        digest: str
        import_id: str
        at: datetime

    class LeavingDateCleared(Event):
        """``DATE_SORTIE`` removed (a leaving date typed by mistake)."""

        TOPIC = "entsync:SiecleStudent.LeavingDateCleared.v1"
        previous: str
        digest: str
        import_id: str
        at: datetime

    class Unenrolled(Event):
        """Absent from a later export of the UAI (every export is a full snapshot)."""

        TOPIC = "entsync:SiecleStudent.Unenrolled.v1"
        import_id: str
        at: datetime

    class Reenrolled(Event):
        """Back in an export after being absent; ``changes`` against the values
        it had when it left."""

        TOPIC = "entsync:SiecleStudent.Reenrolled.v1"
        attrs: dict[str, Any]
        changes: dict[str, dict[str, Any]]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    def record(
        self,
        attrs: dict[str, Any],
        digest: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
        today: date,
        threshold: float | None = None,
    ) -> None:
        """The record as this export has it: records Reenrolled or Changed
        (then OverwriteSuspected when judged with ``threshold`` and it now
        describes another person), then LeavingDateSet / LeavingDateCleared,
        only for what differs."""
        before = dict(self.attrs)
        diff = changes(before, attrs, STUDENT_CHANGED_FIELDS)
        if not self.enrolled:
            self.trigger_event(
                self.Reenrolled,
                attrs={k: attrs.get(k) for k in STUDENT_CHANGED_FIELDS},
                changes=diff,
                digest=digest,
                import_id=import_id,
                file=file,
                line=line,
                at=at,
            )
        elif diff:
            self.trigger_event(
                self.Changed, changes=diff, digest=digest, import_id=import_id, file=file, line=line, at=at
            )
        if threshold is not None:
            judge(self, before, threshold, import_id, file, line, at)
        left_on, reason = attrs.get("left_on", ""), attrs.get("leaving_reason", "")
        if left_on and (left_on, reason) != (before.get("left_on", ""), before.get("leaving_reason", "")):
            self._leaving_set(left_on, before.get("left_on", ""), reason, today, digest, import_id, at)
        elif not left_on and before.get("left_on"):
            self.trigger_event(
                self.LeavingDateCleared, previous=before["left_on"], digest=digest, import_id=import_id, at=at
            )

    def _leaving_set(
        self, left_on: str, previous: str, reason: str, today: date, digest: str, import_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.LeavingDateSet,
            left_on=left_on,
            previous=previous,
            reason=reason,
            status=leaving_status(left_on, today),
            digest=digest,
            import_id=import_id,
            at=at,
        )

    def unenrol(self, import_id: str, at: datetime) -> None:
        if self.enrolled:
            self.trigger_event(self.Unenrolled, import_id=import_id, at=at)

    class OverwriteSuspected(Event):
        """Now another person (§5): identity ``before``/``after``, score, reasons, the account linked."""

        TOPIC = "entsync:SiecleStudent.OverwriteSuspected.v1"
        before: dict[str, str]
        after: dict[str, str]
        score: float
        reasons: list[str]
        account_id: str
        import_id: str
        file: str
        line: int
        at: datetime

    class GuardiansSwapped(Event):
        """Two of its guardians exchanged identities in one import (§5, §11): one anomaly."""

        TOPIC = "entsync:SiecleStudent.GuardiansSwapped.v1"
        personne_ids: list[str]
        import_id: str
        file: str
        line: int
        at: datetime

    def note_swap(self, personne_ids: list[str], import_id: str, file: str, line: int, at: datetime) -> None:
        self.trigger_event(
            self.GuardiansSwapped, personne_ids=personne_ids, import_id=import_id, file=file, line=line, at=at
        )

    # ---- guardian links (BEE_RESPONSABLES) -----------------------------------------
    class GuardianLinked(Event):
        """A person became this student's guardian (level 1 legal, 2 en
        charge) or contact (3) in an export."""

        TOPIC = "entsync:SiecleStudent.GuardianLinked.v1"
        personne_id: str
        level: int
        kinship: str
        pays_fees: bool
        priority_contact: bool
        links_digest: str
        import_id: str
        at: datetime

    class GuardianLinkChanged(Event):
        """A link's level or details changed: ``changes`` holds ``level``
        before→after when the level moved (two of these in one import that
        exchange levels are guardians 1/2 exchanged, domain-rules §5)."""

        TOPIC = "entsync:SiecleStudent.GuardianLinkChanged.v1"
        personne_id: str
        changes: dict[str, dict[str, Any]]
        links_digest: str
        import_id: str
        at: datetime

    class GuardianUnlinked(Event):
        """A person no longer linked to this student; ``level`` it had."""

        TOPIC = "entsync:SiecleStudent.GuardianUnlinked.v1"
        personne_id: str
        level: int
        links_digest: str
        import_id: str
        at: datetime

    record_links = record_links

    # ---- correlation to an AAF account (domain-rules §11) -------------------------------
    class AccountLinked(Event):
        """Linked to an AAF account by ``rule`` (``eleve_id`` or ``ine``);
        ``previous_account_id`` when it was linked to another one."""

        TOPIC = "entsync:SiecleStudent.AccountLinked.v1"
        account_id: str
        jointure: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime

    class LinkUnresolved(Event):
        """No account found (``no_account``) or several (``ambiguous``, by
        ``rule``): listed for operators, never guessed."""

        TOPIC = "entsync:SiecleStudent.LinkUnresolved.v1"
        reason: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime
