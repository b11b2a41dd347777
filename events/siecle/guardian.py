"""The SIECLE guardian aggregate: one person of one establishment's
BEE_RESPONSABLES and its correlation to an AAF account."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.siecle import state
from events.siecle.correlation import Correlated
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

    def record(self, attrs: dict[str, Any], digest: str, import_id: str, file: str, line: int, at: datetime) -> None:
        diff = changes(self.attrs, attrs, GUARDIAN_FIELDS)
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
