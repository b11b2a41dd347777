"""The SIECLE guardian aggregate: one person of one establishment's
BEE_RESPONSABLES and its correlation to an AAF account."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.siecle import state
from events.siecle.correlation import Correlated
from events.siecle.identity import GUARDIAN_IDENTITY, identity_values, judge
from events.siecle.ids import guardian_id
from events.siecle_rules import GUARDIAN_FIELDS, changes


class Guardian(Correlated, Aggregate):
    """One person of one establishment's BEE_RESPONSABLES (legal guardian,
    responsable en charge, or contact)."""

    TOPIC = "entsync:SiecleGuardian.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:SiecleGuardian.Event.v1"

        def apply(self, guardian: Guardian) -> None:
            state.guardian(guardian, self)

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
        self.suspected: dict[int, str] = {}  # OverwriteSuspected's version → the account it was linked to
        # The identity at first appearance, moved to the new holder by an OverwriteSuspected or a swap.
        self.first_identity = identity_values(attrs, GUARDIAN_IDENTITY)
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

    class Withdrawn(Event):
        """Absent from a later export of the UAI."""

        TOPIC = "entsync:SiecleGuardian.Withdrawn.v1"
        import_id: str
        at: datetime

    class Reappeared(Event):
        TOPIC = "entsync:SiecleGuardian.Reappeared.v1"
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
        threshold: float | None = None,
    ) -> None:
        """The record as this export has it; judged with ``threshold``, an
        identity that now describes another person records OverwriteSuspected."""
        before = dict(self.attrs)
        diff = changes(before, attrs, GUARDIAN_FIELDS)
        if not self.present:
            self.trigger_event(
                self.Reappeared,
                attrs=attrs,
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

    class OverwriteSuspected(Event):
        """The record now describes another person (domain-rules §5): its
        identity values ``before`` and ``after``, the identity rule's score
        and reasons; ``account_id`` the account it was linked to."""

        TOPIC = "entsync:SiecleGuardian.OverwriteSuspected.v1"
        before: dict[str, str]
        after: dict[str, str]
        score: float
        reasons: list[str]
        account_id: str
        import_id: str
        file: str
        line: int
        at: datetime

    class Swapped(Event):
        """Exchanged identities with ``other`` in one import: not an overwrite,
        the anomaly is the student's GuardiansSwapped (``eleve_id``)."""

        TOPIC = "entsync:SiecleGuardian.Swapped.v1"
        other: str
        eleve_id: str
        import_id: str
        at: datetime

    def swap(
        self,
        attrs: dict[str, Any],
        digest: str,
        other: str,
        eleve_id: str,
        import_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        """The record took ``other``'s identity (a swap found by the apply)."""
        self.record(attrs, digest, import_id, file, line, at)
        self.mark_swapped(other, eleve_id, import_id, at)

    def mark_swapped(self, other: str, eleve_id: str, import_id: str, at: datetime) -> None:
        self.trigger_event(self.Swapped, other=other, eleve_id=eleve_id, import_id=import_id, at=at)

    def withdraw(self, import_id: str, at: datetime) -> None:
        if self.present:
            self.trigger_event(self.Withdrawn, import_id=import_id, at=at)

    class AccountLinked(Event):
        """Linked to an AAF account by ``rule`` (``personne_id`` or ``name_and_student``)."""

        TOPIC = "entsync:SiecleGuardian.AccountLinked.v1"
        account_id: str
        jointure: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime

    class LinkUnresolved(Event):
        TOPIC = "entsync:SiecleGuardian.LinkUnresolved.v1"
        reason: str
        rule: str
        previous_account_id: str
        import_id: str
        at: datetime
