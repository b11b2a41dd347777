"""SIECLE (BEE) facts under SIECLE's own keys (domain-rules §11: each source
keeps its records under its own key; an account is linked by correlation).

Streams, each with a deterministic id ``uuid5(SIECLE_NAMESPACE, …)`` where
``SIECLE_NAMESPACE = uuid5(events.account.NAMESPACE, "siecle")``:
- a student per (UAI, ``ELEVE_ID``): ``"student:{uai}:{eleve_id}"``;
- a guardian (any person of BEE_RESPONSABLES) per (UAI, ``PERSONNE_ID``):
  ``"guardian:{uai}:{personne_id}"``;
- an import per received file: ``"import:{sha256}:{receipt}"`` where receipt
  counts earlier receipts of the same bytes (a re-sent file is a new import,
  rejected as a duplicate).

Every event carries its effective time ``at`` and the import that recorded
it. Dates are ISO ``YYYY-MM-DD`` text (``""`` for none). The aggregates
decide which facts a new snapshot of a record makes: commands compare with
their state and record only what changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE
from events.siecle_rules import (
    GUARDIAN_FIELDS,
    LEAVING_FIELDS,
    LINK_FIELDS,
    STUDENT_FIELDS,
    changes,
    leaving_status,
)

SIECLE_NAMESPACE = uuid5(NAMESPACE, "siecle")
_RECORD_FIELDS = tuple(f for f in STUDENT_FIELDS if f not in LEAVING_FIELDS)


def student_id(uai: str, eleve_id: str) -> UUID:
    return uuid5(SIECLE_NAMESPACE, f"student:{uai}:{eleve_id}")


def guardian_id(uai: str, personne_id: str) -> UUID:
    return uuid5(SIECLE_NAMESPACE, f"guardian:{uai}:{personne_id}")


def import_id(sha256: str, receipt: int) -> UUID:
    return uuid5(SIECLE_NAMESPACE, f"import:{sha256}:{receipt}")


class Student(Aggregate):
    """One student record of one establishment's SIECLE."""

    TOPIC = "entsync:SiecleStudent.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:SiecleStudent.Event.v1"

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
        self.attrs, self.digest = dict(attrs), digest  # a copy: the event's own dict stays as recorded
        self.enrolled = True
        self.links: dict[str, dict[str, Any]] = {}
        self.links_digest = ""
        self.account_id = ""
        self.rule = ""
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
        """A student new to SIECLE facts; a leaving date it already carries is
        recorded as its own fact."""
        student = cls(
            uai=uai, eleve_id=eleve_id, attrs=attrs, digest=digest, import_id=import_id, file=file, line=line, at=at
        )
        if attrs.get("left_on"):
            student._leaving_set(
                attrs["left_on"],
                "",
                attrs.get("leaving_reason", ""),
                leaving_status(attrs["left_on"], today),
                digest,
                import_id,
                at,
            )
        return student

    class Changed(Event):
        """Kept values changed: ``changes`` is ``{field: {before, after}}``
        (names and birth date included, so that a record retyped for another
        person can be told, domain-rules §5)."""

        TOPIC = "entsync:SiecleStudent.Changed.v1"
        changes: dict[str, dict[str, Any]]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    @event(Changed)
    def _changed(
        self, changes: dict[str, dict[str, Any]], digest: str, import_id: str, file: str, line: int, at: datetime
    ) -> None:
        for name, change in changes.items():
            self.attrs[name] = change["after"]
        self.digest = digest

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

    @event(LeavingDateSet)
    def _leaving_set(
        self, left_on: str, previous: str, reason: str, status: str, digest: str, import_id: str, at: datetime
    ) -> None:
        self.attrs["left_on"], self.attrs["leaving_reason"] = left_on, reason
        self.digest = digest

    class LeavingDateCleared(Event):
        """``DATE_SORTIE`` removed (a leaving date typed by mistake)."""

        TOPIC = "entsync:SiecleStudent.LeavingDateCleared.v1"
        previous: str
        digest: str
        import_id: str
        at: datetime

    @event(LeavingDateCleared)
    def _leaving_cleared(self, previous: str, digest: str, import_id: str, at: datetime) -> None:
        self.attrs["left_on"], self.attrs["leaving_reason"] = "", ""
        self.digest = digest

    class Unenrolled(Event):
        """Absent from a later export of the UAI (every export is a full snapshot)."""

        TOPIC = "entsync:SiecleStudent.Unenrolled.v1"
        import_id: str
        at: datetime

    @event(Unenrolled)
    def _unenrolled(self, import_id: str, at: datetime) -> None:
        self.enrolled = False

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

    @event(Reenrolled)
    def _reenrolled(
        self,
        attrs: dict[str, Any],
        changes: dict[str, dict[str, Any]],
        digest: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        self.enrolled = True
        self.attrs = {
            **attrs,
            "left_on": self.attrs.get("left_on", ""),
            "leaving_reason": self.attrs.get("leaving_reason", ""),
        }
        self.digest = digest

    def record(
        self, attrs: dict[str, Any], digest: str, import_id: str, file: str, line: int, at: datetime, today: date
    ) -> None:
        """The record as this export has it: records Reenrolled or Changed,
        then LeavingDateSet / LeavingDateCleared, only for what differs."""
        before = dict(self.attrs)
        diff = changes(before, attrs, _RECORD_FIELDS)
        if not self.enrolled:
            self._reenrolled({k: attrs.get(k) for k in _RECORD_FIELDS}, diff, digest, import_id, file, line, at)
        elif diff:
            self._changed(diff, digest, import_id, file, line, at)
        left_on, reason = attrs.get("left_on", ""), attrs.get("leaving_reason", "")
        if left_on and (left_on, reason) != (before.get("left_on", ""), before.get("leaving_reason", "")):
            self._leaving_set(
                left_on, before.get("left_on", ""), reason, leaving_status(left_on, today), digest, import_id, at
            )
        elif not left_on and before.get("left_on"):
            self._leaving_cleared(before["left_on"], digest, import_id, at)

    def unenrol(self, import_id: str, at: datetime) -> None:
        if self.enrolled:
            self._unenrolled(import_id, at)

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

    @event(GuardianLinked)
    def _guardian_linked(
        self,
        personne_id: str,
        level: int,
        kinship: str,
        pays_fees: bool,
        priority_contact: bool,
        links_digest: str,
        import_id: str,
        at: datetime,
    ) -> None:
        self.links[personne_id] = {
            "level": level,
            "kinship": kinship,
            "pays_fees": pays_fees,
            "priority_contact": priority_contact,
        }
        self.links_digest = links_digest

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

    @event(GuardianLinkChanged)
    def _guardian_link_changed(
        self, personne_id: str, changes: dict[str, dict[str, Any]], links_digest: str, import_id: str, at: datetime
    ) -> None:
        for name, change in changes.items():
            self.links[personne_id][name] = change["after"]
        self.links_digest = links_digest

    class GuardianUnlinked(Event):
        """A person no longer linked to this student; ``level`` it had."""

        TOPIC = "entsync:SiecleStudent.GuardianUnlinked.v1"
        personne_id: str
        level: int
        links_digest: str
        import_id: str
        at: datetime

    @event(GuardianUnlinked)
    def _guardian_unlinked(self, personne_id: str, level: int, links_digest: str, import_id: str, at: datetime) -> None:
        self.links.pop(personne_id, None)
        self.links_digest = links_digest

    def record_links(
        self,
        links: dict[str, dict[str, Any]],
        links_digest: str,
        import_id: str,
        at: datetime,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """The student's links as this export has them. Links to the persons
        in ``keep`` (rejected in this export) are left as they were."""
        for pid in sorted(set(self.links) - set(links) - keep):
            self._guardian_unlinked(pid, self.links[pid]["level"], links_digest, import_id, at)
        for pid in sorted(links):
            old = self.links.get(pid)
            if old is None:
                self._guardian_linked(
                    pid,
                    links[pid]["level"],
                    links[pid]["kinship"],
                    links[pid]["pays_fees"],
                    links[pid]["priority_contact"],
                    links_digest,
                    import_id,
                    at,
                )
            else:
                diff = changes(old, links[pid], LINK_FIELDS)
                if diff:
                    self._guardian_link_changed(pid, diff, links_digest, import_id, at)

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

    @event(AccountLinked)
    def _account_linked(
        self, account_id: str, jointure: str, rule: str, previous_account_id: str, import_id: str, at: datetime
    ) -> None:
        self.account_id, self.rule, self.unresolved = account_id, rule, None

    class LinkUnresolved(Event):
        """No account found (``no_account``) or several (``ambiguous``, by
        ``rule``): listed for operators, never guessed."""

        TOPIC = "entsync:SiecleStudent.LinkUnresolved.v1"
        reason: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime

    @event(LinkUnresolved)
    def _link_unresolved(self, reason: str, rule: str, previous_account_id: str, import_id: str, at: datetime) -> None:
        self.account_id, self.rule, self.unresolved = "", rule, reason

    def correlate(self, account_id: str, jointure: str, rule: str, reason: str, import_id: str, at: datetime) -> None:
        """Record the correlation outcome when it differs from the current one."""
        if account_id:
            if (account_id, rule) != (self.account_id, self.rule):
                self._account_linked(account_id, jointure, rule, self.account_id, import_id, at)
        elif self.account_id or (reason, rule) != (self.unresolved, self.rule):
            self._link_unresolved(reason, rule, self.account_id, import_id, at)


class Guardian(Aggregate):
    """One person of one establishment's BEE_RESPONSABLES (legal guardian,
    responsable en charge, or contact)."""

    TOPIC = "entsync:SiecleGuardian.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:SiecleGuardian.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:SiecleGuardian.Created.v1"

    class Appeared(Created):
        TOPIC = "entsync:SiecleGuardian.Appeared.v1"
        uai: str
        personne_id: str
        attrs: dict[str, Any]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    @staticmethod
    def create_id(uai: str, personne_id: str, **_: object) -> UUID:
        return guardian_id(uai, personne_id)

    @event(Appeared)
    def __init__(
        self,
        uai: str,
        personne_id: str,
        attrs: dict[str, Any],
        digest: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        self.uai, self.personne_id = uai, personne_id
        self.attrs, self.digest = dict(attrs), digest
        self.present = True
        self.account_id = ""
        self.rule = ""
        self.unresolved: str | None = None

    class Changed(Event):
        """Kept values changed (``{field: {before, after}}``: names before and
        after tell a record retyped for another person, domain-rules §5)."""

        TOPIC = "entsync:SiecleGuardian.Changed.v1"
        changes: dict[str, dict[str, Any]]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    @event(Changed)
    def _changed(
        self, changes: dict[str, dict[str, Any]], digest: str, import_id: str, file: str, line: int, at: datetime
    ) -> None:
        for name, change in changes.items():
            self.attrs[name] = change["after"]
        self.digest = digest

    class Withdrawn(Event):
        """Absent from a later export of the UAI."""

        TOPIC = "entsync:SiecleGuardian.Withdrawn.v1"
        import_id: str
        at: datetime

    @event(Withdrawn)
    def _withdrawn(self, import_id: str, at: datetime) -> None:
        self.present = False

    class Reappeared(Event):
        TOPIC = "entsync:SiecleGuardian.Reappeared.v1"
        attrs: dict[str, Any]
        changes: dict[str, dict[str, Any]]
        digest: str
        import_id: str
        file: str
        line: int
        at: datetime

    @event(Reappeared)
    def _reappeared(
        self,
        attrs: dict[str, Any],
        changes: dict[str, dict[str, Any]],
        digest: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        self.present = True
        self.attrs, self.digest = dict(attrs), digest

    def record(self, attrs: dict[str, Any], digest: str, import_id: str, file: str, line: int, at: datetime) -> None:
        diff = changes(self.attrs, attrs, GUARDIAN_FIELDS)
        if not self.present:
            self._reappeared(attrs, diff, digest, import_id, file, line, at)
        elif diff:
            self._changed(diff, digest, import_id, file, line, at)

    def withdraw(self, import_id: str, at: datetime) -> None:
        if self.present:
            self._withdrawn(import_id, at)

    class AccountLinked(Event):
        """Linked to an AAF account by ``rule`` (``personne_id`` or ``name_and_student``)."""

        TOPIC = "entsync:SiecleGuardian.AccountLinked.v1"
        account_id: str
        jointure: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime

    @event(AccountLinked)
    def _account_linked(
        self, account_id: str, jointure: str, rule: str, previous_account_id: str, import_id: str, at: datetime
    ) -> None:
        self.account_id, self.rule, self.unresolved = account_id, rule, None

    class LinkUnresolved(Event):
        TOPIC = "entsync:SiecleGuardian.LinkUnresolved.v1"
        reason: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime

    @event(LinkUnresolved)
    def _link_unresolved(self, reason: str, rule: str, previous_account_id: str, import_id: str, at: datetime) -> None:
        self.account_id, self.rule, self.unresolved = "", rule, reason

    correlate = Student.correlate


class SiecleImport(Aggregate):
    """One SIECLE file as received: received → applying → applied, or
    received → rejected (nothing applied), or received → held (a brake,
    domain-rules §12) → released → applying → applied, or held → rejected.
    The student and guardian facts of an import become visible in the SIECLE
    read model once Applied is recorded."""

    TOPIC = "entsync:SiecleImport.v1"

    class Event(Aggregate.Event):
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
        self.status = "received"
        self.received_at = at
        self.reason = ""
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
    def _rejected(self, reason: str, message: str, file: str, line: int, duplicate_of: str, at: datetime) -> None:
        self.status = "rejected"
        self.reason = reason

    def reject(
        self, reason: str, message: str, at: datetime, file: str = "", line: int = 0, duplicate_of: str = ""
    ) -> None:
        if self.status not in ("received", "held"):
            raise ValueError(f"SIECLE import is {self.status}; it cannot be rejected")
        self._rejected(reason, message, file, line, duplicate_of, at)

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
    def _held(self, reason: str, message: str, details: dict[str, Any], at: datetime) -> None:
        self.status = "held"
        self.reason = reason
        self.brake = details

    def hold(self, reason: str, message: str, details: dict[str, Any], at: datetime) -> None:
        if self.status != "received":
            raise ValueError(f"SIECLE import is {self.status}; it cannot be held")
        self._held(reason, message, details, at)

    class Released(Event):
        """An operator released a held export: it is applied next."""

        TOPIC = "entsync:SiecleImport.Released.v1"
        operator: str
        at: datetime

    @event(Released)
    def _released(self, operator: str, at: datetime) -> None:
        self.status = "received"
        self.released_by = operator

    def release(self, operator: str, at: datetime) -> None:
        if self.status != "held":
            raise ValueError(f"SIECLE import is {self.status}; only a held import can be released")
        self._released(operator, at)

    class ApplyStarted(Event):
        """From here the import's student and guardian facts are written, in batches."""

        TOPIC = "entsync:SiecleImport.ApplyStarted.v1"
        at: datetime

    @event(ApplyStarted)
    def start_apply(self, at: datetime) -> None:
        self.status = "applying"

    class Applied(Event):
        """Every fact of the import is written: its effects become visible."""

        TOPIC = "entsync:SiecleImport.Applied.v1"
        counts: dict[str, int]
        at: datetime

    @event(Applied)
    def applied(self, counts: dict[str, int], at: datetime) -> None:
        self.status = "applied"
