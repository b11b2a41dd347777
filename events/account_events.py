"""Facts of the account aggregate kept out of events/account.py for its
length: its base ``Event`` and the facts of SIECLE precedence (§11), of an
operator's duplicate mark (§5) and of an attachment to another
establishment. ``Account`` nests each in its body (as events/imports.py
does events/sts_staff.py's); each keeps its stored ``TOPIC`` and, explicitly,
the qualified name it had as a nested class (``Account.…``), which
``history`` and the golden record show."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from events import account_state as state

if TYPE_CHECKING:
    from events.account import Account


class Event(Aggregate.Event):
    __qualname__ = "Account.Event"
    TOPIC = "entsync:Account.Event.v1"

    def apply(self, account: Account) -> None:
        state.evolve(account, self)


# precedence of SIECLE over the AAF (domain-rules §11)
class CreationClockAdvanced(Event):
    """Seen in SIECLE before the AAF: the 48 h clock runs from that sighting (§11)."""

    __qualname__ = "Account.CreationClockAdvanced"
    TOPIC = "entsync:Account.CreationClockAdvanced.v1"
    source: str
    source_id: str
    seen_at: datetime
    creation_due: datetime
    at: datetime


class DepartureDeclared(Event):
    """SIECLE's leaving date has come: departs though the AAF lists the person (pending: never created)."""

    __qualname__ = "Account.DepartureDeclared"
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

    __qualname__ = "Account.DepartureCancelled"
    TOPIC = "entsync:Account.DepartureCancelled.v1"
    reason: str
    evidence: dict[str, Any]
    state: str
    at: datetime


# an operator's duplicate mark (§5), sticky while delivered (account_rules.reentry)
class DuplicateMarked(Event):
    __qualname__ = "Account.DuplicateMarked"
    TOPIC = "entsync:Account.DuplicateMarked.v1"
    duplicate_of: str  # the jointure of the account kept
    author: str
    reason: str
    at: datetime
    deletion_due: datetime


class DuplicateUnmarked(Event):
    __qualname__ = "Account.DuplicateUnmarked"
    TOPIC = "entsync:Account.DuplicateUnmarked.v1"
    author: str
    reason: str
    state: str  # the state given back
    removal_due: datetime | None  # the removal given back (a manual account's end)
    at: datetime


# an admin's attachment to another establishment until ``until`` (events/attachment_rules.py)
class Attached(Event):
    __qualname__ = "Account.Attached"
    TOPIC = "entsync:Account.Attached.v1"
    uai: str
    until: datetime
    author: str
    reason: str
    at: datetime


class AttachmentEnded(Event):
    __qualname__ = "Account.AttachmentEnded"
    TOPIC = "entsync:Account.AttachmentEnded.v1"
    uai: str
    author: str
    reason: str
    at: datetime
