"""The admin actions on attachments (issue 13): an account attached to
another establishment until an end date — a teacher who also works
elsewhere — and the attachment ended by an admin before then, or by the
clock at its end date (events/usecases/tick.py, ``AttachmentEnded`` with
the reason 'end date reached'). The AAF's attachments stay the AAF's: an
admin neither adds one nor ends one, and a later complete delivery does not
end an admin's attachment (it is not a structure of the AAF record).

One service layer for every entry point (``entsync admin attach`` and
``detach``, the API's ``/accounts/{key}/attachments``); the caller says who
acts and, for the API, checks the caller's establishments first
(daemon/http/writes.py). The rules are events/attachment_rules.py; the read
model answers through ``AttachmentQueries`` (projections/attachment_queries.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.attachment_rules import check_establishment
from events.policy import Policy
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class Attach:
    """Attach the account ``key`` (jointure, login or id) to ``uai`` until ``until``."""

    key: str
    uai: str
    until: datetime
    reason: str
    author: str


@dataclass(frozen=True)
class Detach:
    """End the admin's attachment of the account ``key`` to ``uai``."""

    key: str
    uai: str
    reason: str
    author: str


@dataclass(frozen=True)
class AttachedAccount:
    """What the read model knows of the account: its state and the UAIs of its own structures."""

    account_id: str
    jointure: str
    state: str
    own: frozenset[str]


@dataclass(frozen=True)
class Establishment:
    """An establishment the directory holds, and whether the ENT serves it."""

    uai: str
    served: bool


@dataclass(frozen=True)
class DueAttachment:
    """An attachment in force whose end date has come (for the clock)."""

    account_id: str
    jointure: str
    uai: str
    until: datetime


@dataclass(frozen=True)
class AttachmentRecorded:
    """What the use cases answer: the attachment recorded, or its end."""

    account_id: str
    jointure: str
    uai: str
    status: str  # attached | ended
    until: datetime | None
    author: str
    reason: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        until = None if self.until is None else self.until.isoformat()
        return {**asdict(self), "until": until, "at": self.at.isoformat()}


class AttachmentQueries(Protocol):
    """The read-model queries of an attachment (projections/attachment_queries.py)."""

    def account(self, key: str) -> AttachedAccount | None:
        """The account of a jointure, a login ever reserved to it, or an account id."""

    def establishment(self, uai: str, policy: Policy) -> Establishment | None:
        """The establishment ``uai`` if the directory holds it (present)."""

    def due(self, at: datetime) -> list[DueAttachment]:
        """The attachments in force ended by ``at``, by end date, jointure and UAI."""


class AttachmentWork(Protocol):
    """The unit of work of an attachment (daemon/bootstrap.Context)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def attachment_queries(self) -> AttachmentQueries: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


def found(uow: AttachmentWork, key: str) -> AttachedAccount:
    """The account ``key`` (the read model caught up); LookupError when none."""
    uow.projection.catch_up(uow.log)
    account = uow.attachment_queries.account(key)
    if account is None:
        raise LookupError(f"no account {key!r} (give its jointure, a login or its id)")
    return account


def attach(cmd: Attach, uow: AttachmentWork, now: datetime | None = None) -> AttachmentRecorded:
    """Record the attachment at ``now`` (the clock when None). Raises
    LookupError for an unknown account and AttachmentRefused with the rule."""
    at = uow.effective_now(now)
    row = found(uow, cmd.key)
    place = uow.attachment_queries.establishment(cmd.uai, uow.policy)
    check_establishment(cmd.uai, place is not None, place is not None and place.served)
    account = uow.log.get(UUID(row.account_id))
    account.attach(row.own, cmd.uai, cmd.until, cmd.author, cmd.reason, at)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    return AttachmentRecorded(row.account_id, row.jointure, cmd.uai, "attached", cmd.until, cmd.author, cmd.reason, at)


def detach(cmd: Detach, uow: AttachmentWork, now: datetime | None = None) -> AttachmentRecorded:
    """End the admin's attachment at ``now``: the account leaves ``uai``'s listings."""
    at = uow.effective_now(now)
    row = found(uow, cmd.key)
    account = uow.log.get(UUID(row.account_id))
    account.end_attachment(row.own, cmd.uai, cmd.author, cmd.reason, at)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    return AttachmentRecorded(row.account_id, row.jointure, cmd.uai, "ended", None, cmd.author, cmd.reason, at)
