"""What an establishment's administrators decide about its groups by hand
(domain-rules §2 option 3, issue 13): free groups ("Médico-social",
"Agents"…) and the members assigned by hand to them and to the
establishment's classes and groups. One stream per UAI; the facts are the
admin actions, each with its author and effective time, and a reason for
the destructive ones.

No import touches this stream: the AAF, SIECLE and the timetable write
other aggregates, so what is recorded here survives every delivery. Which
actions are allowed is decided in events/group_rules.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE

FREE = "free"  # the kind of a free group, beside the structure's "class" and "group"


def manual_groups_id(uai: str) -> UUID:
    return uuid5(NAMESPACE, f"manual-groups:{uai}")


class ManualGroups(Aggregate):
    TOPIC = "entsync:ManualGroups.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:ManualGroups.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:ManualGroups.Created.v1"

    class Opened(Created):
        """The establishment's first admin action on its groups."""

        TOPIC = "entsync:ManualGroups.Opened.v1"
        uai: str
        at: datetime

    class GroupCreated(Event):
        TOPIC = "entsync:ManualGroups.GroupCreated.v1"
        code: str
        name: str
        author: str
        at: datetime

    class GroupRenamed(Event):
        TOPIC = "entsync:ManualGroups.GroupRenamed.v1"
        code: str
        old_name: str
        name: str
        author: str
        at: datetime

    class GroupDeleted(Event):
        """A free group and its members are gone; its code may be used again."""

        TOPIC = "entsync:ManualGroups.GroupDeleted.v1"
        code: str
        members: list[str]
        author: str
        reason: str
        at: datetime

    class MembersAdded(Event):
        """Accounts (ids) assigned by hand to a free group, a class or a group."""

        TOPIC = "entsync:ManualGroups.MembersAdded.v1"
        kind: str
        code: str
        members: list[str]
        author: str
        at: datetime

    class MembersRemoved(Event):
        TOPIC = "entsync:ManualGroups.MembersRemoved.v1"
        kind: str
        code: str
        members: list[str]
        author: str
        reason: str
        at: datetime

    @staticmethod
    def create_id(uai: str, **_: object) -> UUID:
        return manual_groups_id(uai)

    @event(Opened)
    def __init__(self, uai: str, at: datetime) -> None:
        self.uai = uai
        self.free: dict[str, str] = {}  # code → name
        self.members: dict[tuple[str, str], list[str]] = {}  # (kind, code) → account ids, in order

    def members_of(self, kind: str, code: str) -> list[str]:
        return list(self.members.get((kind, code), []))

    @event(GroupCreated)
    def create_group(self, code: str, name: str, author: str, at: datetime) -> None:
        self.free[code] = name

    @event(GroupRenamed)
    def _renamed(self, code: str, old_name: str, name: str, author: str, at: datetime) -> None:
        self.free[code] = name

    def rename_group(self, code: str, name: str, author: str, at: datetime) -> None:
        self._renamed(code, self.free[code], name, author, at)

    @event(GroupDeleted)
    def _deleted(self, code: str, members: list[str], author: str, reason: str, at: datetime) -> None:
        del self.free[code]
        self.members.pop((FREE, code), None)

    def delete_group(self, code: str, author: str, reason: str, at: datetime) -> None:
        self._deleted(code, self.members_of(FREE, code), author, reason, at)

    @event(MembersAdded)
    def add_members(self, kind: str, code: str, members: list[str], author: str, at: datetime) -> None:
        self.members.setdefault((kind, code), []).extend(members)

    @event(MembersRemoved)
    def remove_members(self, kind: str, code: str, members: list[str], author: str, reason: str, at: datetime) -> None:
        kept = [m for m in self.members.get((kind, code), []) if m not in members]
        if kept:
            self.members[(kind, code)] = kept
        else:
            self.members.pop((kind, code), None)
