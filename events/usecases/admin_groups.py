"""The admin actions on an establishment's groups (domain-rules §2 option 3,
issue 13): create, rename and delete free groups, add and remove members by
hand — to a free group, or to a class or group when the establishment's
group source is manual. Each is a fact of the establishment's ManualGroups
stream (events/manual_groups.py) with its author and effective time; the
destructive ones (delete, remove) with a reason.

One service layer for ``entsync admin group …`` and, later, the HTTP API.
The rules are events/group_rules.py; the read model answers through
``GroupQueries`` (projections/group_queries.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from events import group_rules as rules
from events.group_rules import GroupRefused, Member
from events.manual_groups import FREE, ManualGroups, manual_groups_id
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class StructureGroups:
    """What the read model knows of an establishment's classes and groups."""

    jointure: str
    uai: str
    classes: frozenset[str]
    groups: frozenset[str]
    source: str


@dataclass(frozen=True)
class GroupAction:
    """One admin action on a group, as recorded."""

    uai: str
    action: str
    kind: str
    code: str
    author: str
    at: datetime
    name: str = ""
    reason: str = ""
    members: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "members": list(self.members), "at": self.at.isoformat()}


class GroupQueries(Protocol):
    """The read-model queries of the group actions (projections/group_queries.py)."""

    def structure(self, uai: str) -> StructureGroups | None:
        """The establishment of this UAI, its classes and groups and group source."""

    def member(self, key: str) -> Member | None:
        """The account of a jointure, a login or an account id, with its structures."""


class GroupWork(Protocol):
    """The unit of work of a group action (daemon/bootstrap.Context)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def group_queries(self) -> GroupQueries: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


def _open(uow: GroupWork, uai: str, at: datetime) -> tuple[StructureGroups, ManualGroups]:
    uow.projection.catch_up(uow.log)
    structure = uow.group_queries.structure(uai)
    if structure is None:
        raise LookupError(f"no establishment with UAI {uai!r}")
    stream = uow.log.find(manual_groups_id(uai))
    return structure, stream if stream is not None else ManualGroups(uai=uai, at=at)


def _save(uow: GroupWork, stream: ManualGroups) -> None:
    uow.log.save(stream)
    uow.projection.catch_up(uow.log)


def create_group(
    uow: GroupWork, uai: str, code: str, name: str, author: str, now: datetime | None = None
) -> GroupAction:
    at = uow.effective_now(now)
    structure, stream = _open(uow, uai, at)
    rules.check_create(code, name, stream.free, structure.classes | structure.groups)
    stream.create_group(code, name, author, at)
    _save(uow, stream)
    return GroupAction(uai, "create", FREE, code, author, at, name=name)


def rename_group(
    uow: GroupWork, uai: str, code: str, name: str, author: str, now: datetime | None = None
) -> GroupAction:
    at = uow.effective_now(now)
    _, stream = _open(uow, uai, at)
    rules.check_rename(code, name, stream.free)
    stream.rename_group(code, name, author, at)
    _save(uow, stream)
    return GroupAction(uai, "rename", FREE, code, author, at, name=name)


def delete_group(
    uow: GroupWork, uai: str, code: str, author: str, reason: str, now: datetime | None = None
) -> GroupAction:
    at = uow.effective_now(now)
    _, stream = _open(uow, uai, at)
    rules.check_reason(reason, "deleting a group")
    rules.check_free_group(code, stream.free)
    name, members = stream.free[code], stream.members_of(FREE, code)
    stream.delete_group(code, author, reason, at)
    _save(uow, stream)
    return GroupAction(uai, "delete", FREE, code, author, at, name=name, reason=reason, members=tuple(members))


def _members(uow: GroupWork, keys: list[str]) -> list[Member]:
    found = []
    for key in keys:
        member = uow.group_queries.member(key)
        if member is None:
            raise GroupRefused("unknown_account", f"no account {key!r} (give its jointure, a login or its id)")
        found.append(member)
    return found


def add_members(
    uow: GroupWork, uai: str, kind: str, code: str, keys: list[str], author: str, now: datetime | None = None
) -> GroupAction:
    """Assign accounts by hand to a free group, or to a class or group of a
    manual establishment."""
    at = uow.effective_now(now)
    structure, stream = _open(uow, uai, at)
    rules.check_target(kind, code, stream.free, structure.classes, structure.groups, structure.source)
    members = _members(uow, keys)
    rules.check_add(members, structure.jointure, stream.members_of(kind, code))
    ids = [m.account_id for m in members]
    stream.add_members(kind, code, ids, author, at)
    _save(uow, stream)
    return GroupAction(uai, "add", kind, code, author, at, members=tuple(ids))


def remove_members(
    uow: GroupWork,
    uai: str,
    kind: str,
    code: str,
    keys: list[str],
    author: str,
    reason: str,
    now: datetime | None = None,
) -> GroupAction:
    """Take back accounts assigned by hand (an import's members are the import's)."""
    at = uow.effective_now(now)
    _, stream = _open(uow, uai, at)
    rules.check_reason(reason, "removing a member")
    members = _members(uow, keys)
    rules.check_remove(members, stream.members_of(kind, code))
    ids = [m.account_id for m in members]
    stream.remove_members(kind, code, ids, author, reason, at)
    _save(uow, stream)
    return GroupAction(uai, "remove", kind, code, author, at, reason=reason, members=tuple(ids))
