"""The admin action that creates a manual account (domain-rules §1, §6,
issue 13): for a population the AAF does not carry, active at once with a
login given as §6 gives them (reserved in the same transaction), its
category's profile and free group, until its end date — the clock removes
it then (events/usecases/tick.py) — or pérenne. The account joins its
category's free group in the same save: the establishment's ManualGroups
stream records the group's creation when it has none of that name, and the
member added, authored as the account is (events/manual_groups.py). At the
end date the membership ends with the account: a removed account is no
member of any listing, and its facts stay in the log.

The guard first: a person who matches an account of the directory (existing
or pending, anywhere: normalised name and birth date, or the académie
e-mail) or a SIECLE record gets no manual account, since two ENT accounts of
one person can never be merged afterwards; an operator (``scope`` None) may
force it with a reason, recorded with the account. An establishment
administrator (``scope``: its UAIs) acts only in its UAIs and learns of a
match elsewhere only that it exists. The rules are events/manual_rules.py;
the read model answers through ``ManualQueries`` (projections/manual_queries.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from events.account import Account, account_id
from events.group_rules import category_group
from events.login import Taken, reserve
from events.manual_groups import FREE, ManualGroups, manual_groups_id
from events.manual_rules import ManualCategory, ManualRefused, Match, check_request, guard, identity_key, parse_birth
from events.policy import Policy
from events.rules import login_for
from events.usecases.admin_groups import GroupQueries
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class CreateManualAccount:
    """Create a manual account of ``category`` in the establishment ``uai``,
    until ``end`` or pérenne. ``scope``: the caller's UAIs, None for the
    académie (an operator); ``force`` and ``reason``: an operator's override
    of the guard."""

    category: str
    given_name: str
    family_name: str
    birth_date: str
    uai: str
    author: str
    end: datetime | None = None
    perenne: bool = False
    mail: str = ""
    scope: frozenset[str] | None = None
    force: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ManualAccountCreated:
    """What the use case answers: the recorded account."""

    account_id: str
    jointure: str
    category: str
    profile: str
    free_group: str
    login: str
    uai: str
    end: datetime | None
    author: str
    reason: str
    overrides: list[str]
    at: datetime
    free_group_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(at=self.at.isoformat(), end=self.end.isoformat() if self.end else None, perenne=self.end is None)
        return out


class ManualQueries(Protocol):
    """The read-model queries of a manual account (projections/manual_queries.py)."""

    def structure(self, uai: str) -> str | None:
        """The jointure of the establishment ``uai``, if the directory has it."""

    def matches(self, identity: str, birth: date, mail: str, policy: Policy) -> list[Match]:
        """The accounts and SIECLE records of the person: the same identity key
        (normalised name and birth date) or the same e-mail, anywhere."""

    def logins(self) -> set[str]:
        """Every login ever reserved, by name."""

    def login_keys(self) -> set[str]:
        """The stream id (hex) of every login ever reserved: an erased one's too."""


class ManualWork(Protocol):
    """The unit of work of a manual account (daemon/bootstrap.Context)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def manual_queries(self) -> ManualQueries: ...
    @property
    def group_queries(self) -> GroupQueries: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def pepper(self) -> bytes: ...  # the store's keyed-hash secret: login streams

    def effective_now(self, now: datetime | None) -> datetime: ...


def _taken(uow: ManualWork) -> Taken:
    q = uow.manual_queries
    return Taken(q.logins(), frozenset(q.login_keys()), uow.pepper)


def manual_key() -> tuple[UUID, str]:
    """A new manual account's generated key (§11) and its stream's id, derived
    from the key as an AAF account's is from its jointure: whatever finds an
    account by its key (the clock, history) finds a manual one too."""
    key = f"manual-{uuid4()}"
    return account_id(key), key


def join_free_group(
    uow: ManualWork, uai: str, kind: ManualCategory, aid: str, author: str, at: datetime
) -> tuple[ManualGroups, str]:
    """The establishment's groups stream with the account added to its
    category's free group (created first if the establishment has none of
    that name), not saved yet: the caller saves it with the account."""
    found = uow.log.find(manual_groups_id(uai))
    stream: ManualGroups = found if found is not None else ManualGroups(uai=uai, at=at)
    structure = uow.group_queries.structure(uai)
    held = structure.classes | structure.groups if structure is not None else frozenset()
    code, exists = category_group(kind.free_group, kind.group_code, stream.free, held)
    if not exists:
        stream.create_group(code, kind.free_group, author, at)
    stream.add_members(FREE, code, [aid], author, at)
    return stream, code


def create_manual_account(
    cmd: CreateManualAccount, uow: ManualWork, now: datetime | None = None
) -> ManualAccountCreated:
    """Record the manual account at ``now`` (the clock when None). Raises
    ManualRefused with the rule it breaks; nothing is recorded then."""
    at = uow.effective_now(now)
    uow.projection.catch_up(uow.log)
    birth = parse_birth(cmd.birth_date)
    kind = check_request(cmd.category, cmd.given_name, cmd.family_name, birth, cmd.end, cmd.perenne, at)
    if cmd.scope is not None and cmd.uai not in cmd.scope:
        raise ManualRefused("out_of_scope", f"{cmd.uai} is not one of your establishments")
    if cmd.force and cmd.scope is not None:
        raise ManualRefused("force_operator", "only an operator may force a manual account over a match")
    structure = uow.manual_queries.structure(cmd.uai)
    if structure is None:
        raise ManualRefused("unknown_uai", f"no establishment {cmd.uai} in the directory")
    identity = identity_key(cmd.family_name, cmd.given_name, birth)
    found = uow.manual_queries.matches(identity, birth, cmd.mail.strip().lower(), uow.policy)
    overridden = guard(found, cmd.scope, cmd.force, cmd.reason)
    login = login_for(cmd.given_name, cmd.family_name, _taken(uow))
    aid, jointure = manual_key()
    attrs = {
        "givenName": [cmd.given_name],
        "sn": [cmd.family_name],
        "ENTPersonDateNaissance": [birth.strftime("%d/%m/%Y")],
    }
    if cmd.mail.strip():
        attrs["mail"] = [cmd.mail.strip()]
    overrides = [m.key for m in overridden]
    account = Account._create(
        Account.ManualCreated,
        id=aid,
        jointure=jointure,
        category=cmd.category,
        attrs=attrs,
        digest="",
        delivery_id="",
        file="",
        line=0,
        at=at,
        creation_due=at,
        profile=kind.profile,
        free_group=kind.free_group,
        uai=cmd.uai,
        structure=structure,
        login=login,
        end=cmd.end,
        author=cmd.author,
        reason=cmd.reason,
        overrides=overrides,
    )
    groups, code = join_free_group(uow, cmd.uai, kind, str(aid), cmd.author, at)
    try:
        uow.log.save(account, reserve(uow.pepper, login, str(aid), at), groups)
    except IntegrityError:
        uow.projection.catch_up(uow.log)
        if login in _taken(uow):
            raise ManualRefused("login_taken", f"{login!r} was reserved meanwhile: try again") from None
        raise ManualRefused("conflict", f"the groups of {cmd.uai} changed meanwhile: try again") from None
    uow.projection.catch_up(uow.log)
    return ManualAccountCreated(
        str(aid),
        jointure,
        cmd.category,
        kind.profile,
        kind.free_group,
        login,
        cmd.uai,
        cmd.end,
        cmd.author,
        cmd.reason,
        overrides,
        at,
        code,
    )
