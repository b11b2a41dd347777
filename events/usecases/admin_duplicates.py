"""The admin actions on duplicate marks (domain-rules §5, issue 13): an
operator marks an account a duplicate of another — deactivated at once,
deleted by the clock ``Policy.duplicate_deletion_days`` later (default 42),
like a duplicate a complete delivery corrected — or undoes the mark before
then. The mark is sticky: a delivery that still carries the account does
not bring it back (events/account_rules.reentry), and the read model shows
the source that still carries it. The deletion comes at its date even while
a source still delivers the account: the mark says the person has another
account, which the source's record will join once it is corrected.

One service layer for every entry point (``entsync admin mark-duplicate``
and ``unmark-duplicate`` now, the HTTP API later); the caller says who acts.
The rules are events/duplicate_rules.py; the read model answers through
``DuplicateQueries`` (projections/duplicate_queries.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.duplicate_rules import deletion_due
from events.policy import Policy
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class MarkDuplicate:
    """Mark the account ``key`` (jointure, login or id) a duplicate of ``of``."""

    key: str
    of: str
    reason: str
    author: str


@dataclass(frozen=True)
class UnmarkDuplicate:
    """Undo the duplicate mark of the account ``key``."""

    key: str
    reason: str
    author: str


@dataclass(frozen=True)
class MarkedAccount:
    """What the read model knows of an account a mark names."""

    account_id: str
    jointure: str
    state: str


@dataclass(frozen=True)
class MarkRecorded:
    """What the use cases answer: the recorded mark or its undoing."""

    account_id: str
    jointure: str
    duplicate_of: str
    state: str
    author: str
    reason: str
    at: datetime
    deletion_due: datetime | None

    def as_dict(self) -> dict[str, Any]:
        due = None if self.deletion_due is None else self.deletion_due.isoformat()
        return {**asdict(self), "at": self.at.isoformat(), "deletion_due": due}


class DuplicateQueries(Protocol):
    """The read-model queries of a mark (projections/duplicate_queries.py)."""

    def account(self, key: str) -> MarkedAccount | None:
        """The account of a jointure, a login ever reserved to it, or an account id."""


class DuplicateWork(Protocol):
    """The unit of work of a mark (daemon/bootstrap.Context)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def duplicate_queries(self) -> DuplicateQueries: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


def _found(uow: DuplicateWork, key: str) -> MarkedAccount:
    found = uow.duplicate_queries.account(key)
    if found is None:
        raise LookupError(f"no account {key!r} (give its jointure, a login or its id)")
    return found


def mark_duplicate(cmd: MarkDuplicate, uow: DuplicateWork, now: datetime | None = None) -> MarkRecorded:
    """Record the mark at ``now`` (the clock when None). Raises LookupError
    for an unknown account and MarkRefused with the rule it breaks."""
    at = uow.effective_now(now)
    uow.projection.catch_up(uow.log)
    found, kept = _found(uow, cmd.key), _found(uow, cmd.of)
    account = uow.log.get(UUID(found.account_id))
    due = deletion_due(at, uow.policy.duplicate_deletion_days)
    account.mark_duplicate(kept.jointure, kept.state, cmd.author, cmd.reason, at, due)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    return MarkRecorded(
        found.account_id, account.jointure, kept.jointure, account.state, cmd.author, cmd.reason, at, due
    )


def unmark_duplicate(cmd: UnmarkDuplicate, uow: DuplicateWork, now: datetime | None = None) -> MarkRecorded:
    """Undo the mark at ``now``: the account is active again, its login kept."""
    at = uow.effective_now(now)
    uow.projection.catch_up(uow.log)
    found = _found(uow, cmd.key)
    account = uow.log.get(UUID(found.account_id))
    was = account.duplicate_mark
    account.unmark_duplicate(cmd.author, cmd.reason, at)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    return MarkRecorded(found.account_id, account.jointure, was, account.state, cmd.author, cmd.reason, at, None)
