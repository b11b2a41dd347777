"""The account aggregate: one stream per person, keyed by the AAF jointure or a manual
account's generated id (domain-rules §11); every fact at its effective time ``at``. States
(§3, §4): pending → active → departing → removed; pending → withdrawn or no_account; a manual
account starts active. The facts' topics are stored: they stay here (or in events/account_events.py,
nested here). Commands:
``events/account_commands.py``; their effect: ``events/account_state.py``."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events import account_state as state
from events.account_commands import AccountCommands
from events.account_events import (
    Attached,
    AttachmentEnded,
    CreationClockAdvanced,
    DepartureCancelled,
    DepartureDeclared,
    DuplicateMarked,
    DuplicateUnmarked,
)
from events.account_events import Event as AccountEvent
from events.namespace import NAMESPACE as NAMESPACE


def account_id(jointure: str, generation: int = 1) -> UUID:
    """Deterministic id of an account: uuid5 of its AAF jointure or its manual key ``manual-…``;
    ``generation`` n ≥ 2: the account opened when the overwrite of generation n-1 was confirmed."""
    return uuid5(NAMESPACE, f"aaf-person:{jointure}" if generation == 1 else f"aaf-person:{jointure}#{generation}")


class Account(AccountCommands, state.AccountState, Aggregate):
    TOPIC = "entsync:Account.v1"

    Event: TypeAlias = AccountEvent  # events/account_events.py: the base, and the facts kept there for length

    class Created(AccountEvent, Aggregate.Created):
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
        # Whose values ``attrs`` holds: "aaf" (the record as delivered), or "siecle"/"sts" when the
        # overwrite was found there and the AAF still describes the previous holder
        # (events/successor_identity.py). Stored facts without it were opened from the AAF's.
        identity_source: str = "aaf"

    class Changed(AccountEvent):
        """The source record changed (full new attribute map)."""

        TOPIC = "entsync:Account.Changed.v1"
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    class Reappeared(AccountEvent):
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

    class FieldsSetAside(AccountEvent):
        """Attributes not used, each with its implausible value's reason (§12; {}: none any more)."""

        TOPIC = "entsync:Account.FieldsSetAside.v1"
        fields: dict[str, str]
        delivery_id: str
        file: str
        line: int
        at: datetime

    class Reclassified(AccountEvent):
        """An upgrade's rules read the record otherwise (§12): ``field`` goes from ``before`` to
        ``after`` by ``rule``; ``at``: the store's last effective time (the clock does not move)."""

        TOPIC = "entsync:Account.Reclassified.v1"
        field: str
        before: str
        after: str
        rule: str
        release: str
        at: datetime

    class OverwriteSuspected(AccountEvent):
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

    class Suspended(AccountEvent):
        """Suspected overwrite ``anomaly_id`` (policy ``suspend_on_overwrite``, §11): no login until decided."""

        TOPIC = "entsync:Account.Suspended.v1"
        anomaly_id: str
        at: datetime

    class Resumed(AccountEvent):
        """The suspension ended by a dismissal: back to ``state``, same id, login and record."""

        TOPIC = "entsync:Account.Resumed.v1"
        anomaly_id: str
        state: str
        author: str
        reason: str
        at: datetime

    class OverwriteConfirmed(AccountEvent):
        """An operator confirmed the overwrite: the account departs, ``successor_id`` has the record."""

        TOPIC = "entsync:Account.OverwriteConfirmed.v1"
        successor_id: str
        anomaly_id: str
        author: str
        reason: str
        at: datetime

    class Departed(AccountEvent):
        """The person left every structure; the account is kept until removal_due."""

        TOPIC = "entsync:Account.Departed.v1"
        reason: str
        delivery_id: str
        at: datetime
        removal_due: datetime
        provisional: bool

    class Withdrawn(AccountEvent):
        """The person left while the account was still pending: never created."""

        TOPIC = "entsync:Account.Withdrawn.v1"
        reason: str
        delivery_id: str
        at: datetime

    class LeftSource(AccountEvent):
        """Gone from the source while already departing or removed (no state change)."""

        TOPIC = "entsync:Account.LeftSource.v1"
        reason: str
        delivery_id: str
        at: datetime

    class Deactivated(AccountEvent):
        """A corrected duplicate (§5, §11): gone, identity kept; deleted at deletion_due."""

        TOPIC = "entsync:Account.Deactivated.v1"
        duplicate_of: str
        delivery_id: str
        at: datetime
        deletion_due: datetime

    class AccountCreated(AccountEvent):
        """The account was created with its login, reserved in the same transaction."""

        TOPIC = "entsync:Account.AccountCreated.v1"
        login: str
        at: datetime
        due: datetime

    class LoginRenamed(AccountEvent):
        """An admin renamed the login (§6): ``old_login`` stays the account's alias, ``new_login``
        is reserved with it; ``author``: who acted (a token's name or the local operator)."""

        TOPIC = "entsync:Account.LoginRenamed.v1"
        old_login: str
        new_login: str
        author: str
        reason: str
        at: datetime

    class Declined(AccountEvent):
        """Due, but the person gets no account (a guardian with no legal link)."""

        TOPIC = "entsync:Account.Declined.v1"
        reason: str
        at: datetime

    class Eligible(AccountEvent):
        """A person without account got a legal link: pending again, due at once."""

        TOPIC = "entsync:Account.Eligible.v1"
        at: datetime

    class Removed(AccountEvent):
        """The account was removed from the directory (its login stays reserved)."""

        TOPIC = "entsync:Account.Removed.v1"
        reason: str
        at: datetime

    class RemovalRescheduled(AccountEvent):
        """A provisional removal date was replaced once the calendar knew the year."""

        TOPIC = "entsync:Account.RemovalRescheduled.v1"
        removal_due: datetime
        provisional: bool
        at: datetime

    class RemovalDeferred(AccountEvent):
        """The removal moved later to give the minimum notice from ``notice_from`` (the later of
        the departure and its recording, §12); also an upgrade's, for an earlier schedule."""

        TOPIC = "entsync:Account.RemovalDeferred.v1"
        removal_due: datetime
        notice_from: datetime
        notice_days: int
        at: datetime

    # precedence of SIECLE over the AAF (§11), an operator's duplicate mark (§5), an attachment
    CreationClockAdvanced = CreationClockAdvanced
    DepartureDeclared = DepartureDeclared
    DepartureCancelled = DepartureCancelled
    DuplicateMarked = DuplicateMarked
    DuplicateUnmarked = DuplicateUnmarked
    Attached = Attached
    AttachmentEnded = AttachmentEnded
