"""The account aggregate: one stream per person, keyed by the AAF jointure or a manual
account's generated id (domain-rules §11); every fact at its effective time ``at``. States
(§3, §4): pending → active → departing → removed; pending → withdrawn or no_account; a manual
account starts active. The facts' topics are stored: they stay here. Commands:
``events/account_commands.py``; their effect: ``events/account_state.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events import account_state as state
from events.account_commands import AccountCommands
from events.namespace import NAMESPACE as NAMESPACE


def account_id(jointure: str, generation: int = 1) -> UUID:
    """Deterministic id of an account: uuid5 of its AAF jointure or its manual key ``manual-…``;
    ``generation`` n ≥ 2: the account opened when the overwrite of generation n-1 was confirmed."""
    return uuid5(NAMESPACE, f"aaf-person:{jointure}" if generation == 1 else f"aaf-person:{jointure}#{generation}")


class Account(AccountCommands, state.AccountState, Aggregate):
    TOPIC = "entsync:Account.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Account.Event.v1"

        def apply(self, account: Account) -> None:
            state.evolve(account, self)

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:Account.Created.v1"

    class Appeared(Created):
        """The person was first seen in a source (starts the 48 h clock)."""

        TOPIC = "entsync:Account.Appeared.v1"
        jointure: str
        category: str
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime
        creation_due: datetime

    @staticmethod
    def create_id(jointure: str, **_: object) -> UUID:
        return account_id(jointure)

    @event(Appeared)
    def __init__(
        self,
        jointure: str,
        category: str,
        attrs: dict[str, list[str]],
        digest: str,
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
        creation_due: datetime,
    ):
        state.start(self, jointure, category, attrs, digest, at, creation_due)

    class ManualCreated(Appeared):
        """An admin's account (§1), active until ``end`` (None: pérenne); ``overrides``: matches forced."""

        TOPIC = "entsync:Account.ManualCreated.v1"
        profile: str
        free_group: str
        uai: str
        structure: str
        login: str
        end: datetime | None
        author: str
        reason: str
        overrides: list[str]

    class SuccessorOpened(Appeared):
        """Generation ``generation`` of the jointure, opened by the confirmed overwrite ``anomaly_id``
        of ``predecessor_id`` for the person the record now describes (events/usecases/anomaly_review.py)."""

        TOPIC = "entsync:Account.SuccessorOpened.v1"
        generation: int
        predecessor_id: str
        anomaly_id: str

    class Changed(Event):
        """The source record changed (full new attribute map)."""

        TOPIC = "entsync:Account.Changed.v1"
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    class Reappeared(Event):
        """A person who had left (or was withdrawn/removed) is back in a source."""

        TOPIC = "entsync:Account.Reappeared.v1"
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime
        state: str
        creation_due: datetime | None

    class FieldsSetAside(Event):
        """Attributes not used, each with its implausible value's reason (§12; {}: none any more)."""

        TOPIC = "entsync:Account.FieldsSetAside.v1"
        fields: dict[str, str]
        delivery_id: str
        file: str
        line: int
        at: datetime

    class Reclassified(Event):
        """An upgrade's rules read the record otherwise (§12): ``field`` goes from ``before`` to
        ``after`` by ``rule``; ``at``: the store's last effective time (the clock does not move)."""

        TOPIC = "entsync:Account.Reclassified.v1"
        field: str
        before: str
        after: str
        rule: str
        release: str
        at: datetime

    class OverwriteSuspected(Event):
        """The jointure now names someone else: a record retyped for another person (§5)."""

        TOPIC = "entsync:Account.OverwriteSuspected.v1"
        before: dict[str, list[str]]
        after: dict[str, list[str]]
        delivery_id: str
        file: str
        line: int
        at: datetime
        score: float = 0.0  # events/identity_rules.py; facts stored before issue 15 have neither
        reasons: tuple[str, ...] = ()  # stable codes (a list once stored)

    class Suspended(Event):
        """Suspected overwrite ``anomaly_id`` (policy ``suspend_on_overwrite``, §11): no login until decided."""

        TOPIC = "entsync:Account.Suspended.v1"
        anomaly_id: str
        at: datetime

    class Resumed(Event):
        """The suspension ended by a dismissal: back to ``state``, same id, login and record."""

        TOPIC = "entsync:Account.Resumed.v1"
        anomaly_id: str
        state: str
        author: str
        reason: str
        at: datetime

    class OverwriteConfirmed(Event):
        """An operator confirmed the overwrite: the account departs, ``successor_id`` has the record."""

        TOPIC = "entsync:Account.OverwriteConfirmed.v1"
        successor_id: str
        anomaly_id: str
        author: str
        reason: str
        at: datetime

    class Departed(Event):
        """The person left every structure; the account is kept until removal_due."""

        TOPIC = "entsync:Account.Departed.v1"
        reason: str
        delivery_id: str
        at: datetime
        removal_due: datetime
        provisional: bool

    class Withdrawn(Event):
        """The person left while the account was still pending: never created."""

        TOPIC = "entsync:Account.Withdrawn.v1"
        reason: str
        delivery_id: str
        at: datetime

    class LeftSource(Event):
        """Gone from the source while already departing or removed (no state change)."""

        TOPIC = "entsync:Account.LeftSource.v1"
        reason: str
        delivery_id: str
        at: datetime

    class Deactivated(Event):
        """A corrected duplicate (§5, §11): gone, identity kept; deleted at deletion_due."""

        TOPIC = "entsync:Account.Deactivated.v1"
        duplicate_of: str
        delivery_id: str
        at: datetime
        deletion_due: datetime

    class AccountCreated(Event):
        """The account was created with its login, reserved in the same transaction."""

        TOPIC = "entsync:Account.AccountCreated.v1"
        login: str
        at: datetime
        due: datetime

    class LoginRenamed(Event):
        """An admin renamed the login (§6): ``old_login`` stays the account's alias, ``new_login``
        is reserved with it; ``author``: who acted (a token's name or the local operator)."""

        TOPIC = "entsync:Account.LoginRenamed.v1"
        old_login: str
        new_login: str
        author: str
        reason: str
        at: datetime

    class Declined(Event):
        """Due, but the person gets no account (a guardian with no legal link)."""

        TOPIC = "entsync:Account.Declined.v1"
        reason: str
        at: datetime

    class Eligible(Event):
        """A person without account got a legal link: pending again, due at once."""

        TOPIC = "entsync:Account.Eligible.v1"
        at: datetime

    class Removed(Event):
        """The account was removed from the directory (its login stays reserved)."""

        TOPIC = "entsync:Account.Removed.v1"
        reason: str
        at: datetime

    class RemovalRescheduled(Event):
        """A provisional removal date was replaced once the calendar knew the year."""

        TOPIC = "entsync:Account.RemovalRescheduled.v1"
        removal_due: datetime
        provisional: bool
        at: datetime

    class RemovalDeferred(Event):
        """The removal moved later to give the minimum notice from ``notice_from`` (the later of
        the departure and its recording, §12); also an upgrade's, for an earlier schedule."""

        TOPIC = "entsync:Account.RemovalDeferred.v1"
        removal_due: datetime
        notice_from: datetime
        notice_days: int
        at: datetime

    # ---- precedence of SIECLE over the AAF (domain-rules §11) ------------------
    class CreationClockAdvanced(Event):
        """Seen in SIECLE before the AAF: the 48 h clock runs from that sighting (§11)."""

        TOPIC = "entsync:Account.CreationClockAdvanced.v1"
        source: str
        source_id: str
        seen_at: datetime
        creation_due: datetime
        at: datetime

    class DepartureDeclared(Event):
        """SIECLE's leaving date has come: departs though the AAF lists the person (pending: never created)."""

        TOPIC = "entsync:Account.DepartureDeclared.v1"
        source: str
        source_id: str
        left_on: str
        departed_at: datetime
        state: str
        removal_due: datetime | None
        provisional: bool
        at: datetime

    class DepartureCancelled(Event):
        """A declared departure no longer holds: a new AAF enrolment, or SIECLE's date withdrawn or later."""

        TOPIC = "entsync:Account.DepartureCancelled.v1"
        reason: str
        evidence: dict[str, Any]
        state: str
        at: datetime

    # ---- an operator's duplicate mark (§5), sticky while delivered (account_rules.reentry)
    class DuplicateMarked(Event):
        TOPIC = "entsync:Account.DuplicateMarked.v1"
        duplicate_of: str  # the jointure of the account kept
        author: str
        reason: str
        at: datetime
        deletion_due: datetime

    class DuplicateUnmarked(Event):
        TOPIC = "entsync:Account.DuplicateUnmarked.v1"
        author: str
        reason: str
        state: str  # the state given back
        removal_due: datetime | None  # the removal given back (a manual account's end)
        at: datetime

    # ---- an admin's attachment to another establishment until ``until`` (events/attachment_rules.py)
    class Attached(Event):
        TOPIC = "entsync:Account.Attached.v1"
        uai: str
        until: datetime
        author: str
        reason: str
        at: datetime

    class AttachmentEnded(Event):
        TOPIC = "entsync:Account.AttachmentEnded.v1"
        uai: str
        author: str
        reason: str
        at: datetime
