"""The admin action that renames a login (domain-rules §6, issue 13): the
account's login changes, the old one stays reserved to it as an alias that
still finds it, and the new one is reserved in the same transaction — never
one the directory reserved before, for anyone.

One service layer for every entry point: ``entsync admin rename-login`` now,
the HTTP API later; the caller says who acts (``author``: a token's name or
the local operator). The rules are events/login_rules.py; the read model
answers through ``LoginQueries`` (projections/login_queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.login import reservation_ids, reserve
from events.login_rules import RenameRefused, Reservation, check_free, check_rename
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class RenameLogin:
    """Rename the login of the account ``key`` (jointure, login — current or
    alias — or account id) to ``new_login``."""

    key: str
    new_login: str
    reason: str
    author: str


@dataclass(frozen=True)
class AccountLogin:
    """What the read model knows of an account's login."""

    account_id: str
    jointure: str
    state: str
    login: str


@dataclass(frozen=True)
class LoginRenamed:
    """What the use case answers: the recorded rename."""

    account_id: str
    jointure: str
    old_login: str
    new_login: str
    author: str
    reason: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


class LoginQueries(Protocol):
    """The read-model queries of a rename (projections/login_queries.py)."""

    def account(self, key: str) -> AccountLogin | None:
        """The account of a jointure, a login ever reserved to it, or an account id."""

    def reservation(self, login: str, keys: Sequence[str]) -> Reservation | None:
        """Who reserved ``login`` (by name, or by one of the stream ids'
        hex ``keys``, events/login.reservation_ids), if the directory ever did."""


class LoginWork(Protocol):
    """The unit of work of a rename (daemon/bootstrap.Context)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def login_queries(self) -> LoginQueries: ...
    @property
    def pepper(self) -> bytes: ...  # the store's keyed-hash secret: login streams

    def effective_now(self, now: datetime | None) -> datetime: ...


def rename_login(cmd: RenameLogin, uow: LoginWork, now: datetime | None = None) -> LoginRenamed:
    """Record the rename at ``now`` (the clock when None). Raises LookupError
    for an unknown account and RenameRefused with the rule it breaks."""
    at = uow.effective_now(now)
    uow.projection.catch_up(uow.log)
    found = uow.login_queries.account(cmd.key)
    if found is None:
        raise LookupError(f"no account {cmd.key!r} (give its jointure, a login or its id)")
    account = uow.log.get(UUID(found.account_id))
    # The account decides first: "the same login" says more than "ever used".
    check_rename(account.state, account.login, cmd.new_login, cmd.reason)
    ids = reservation_ids(uow.pepper, cmd.new_login)
    check_free(cmd.new_login, uow.login_queries.reservation(cmd.new_login, [i.hex for i in ids]), found.account_id)
    old = account.login
    account.rename_login(cmd.new_login, cmd.author, cmd.reason, at)
    try:
        uow.log.save(account, reserve(uow.pepper, cmd.new_login, found.account_id, at))
    except IntegrityError:
        # Another writer reserved it since the read model was read (the login
        # stream's first version is taken), or wrote to this account: retry.
        if all(uow.log.find(i) is None for i in ids):
            raise
        raise RenameRefused("taken", f"{cmd.new_login!r} was reserved meanwhile: logins are never reused") from None
    uow.projection.catch_up(uow.log)
    return LoginRenamed(found.account_id, account.jointure, old, cmd.new_login, cmd.author, cmd.reason, at)
