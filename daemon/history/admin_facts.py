"""The facts of other streams an operator's action put in an account's
history: the establishments' groups that name it (issue 13: added to or
removed from a free group, a class or a group by hand; a free group deleted
with it) and the merges it took part in (issue 14); its erasure (issue 17).
And how facts of several streams are put in one order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from events.application import DirectoryLog
from events.erasure import Erasure, erasure_id
from events.manual_groups import FREE, ManualGroups
from events.merge import AccountMerge, merge_id


def merge_facts(log: DirectoryLog, absorbed_id: str) -> list[dict[str, Any]]:
    """The merges and unmerges of the account ``absorbed_id`` into a survivor."""
    found = []
    for ev in log.events.get(merge_id(absorbed_id)):
        if isinstance(ev, (AccountMerge.AccountsMerged, AccountMerge.AccountsUnmerged)):
            entry: dict[str, Any] = {
                "stream": "merge",
                "source": "admin",
                "event": f"AccountMerge.{type(ev).__name__}",
                "at": ev.at.isoformat(),
                "survivor_id": ev.survivor_id,
                "absorbed_id": ev.absorbed_id,
                "author": ev.author,
                "reason": ev.reason,
            }
            if ev.alias:
                entry["alias"] = ev.alias
            if isinstance(ev, AccountMerge.AccountsMerged):
                entry["survivor_jointure"], entry["absorbed_jointure"] = ev.survivor_jointure, ev.absorbed_jointure
                entry["decisions"] = dict(ev.decisions)
            found.append(entry)
    return found


def erasure_facts(log: DirectoryLog, aid: str) -> list[dict[str, Any]]:
    """The erasure of the account ``aid``'s personal data, if it happened:
    when, from which removal, after which retention period."""
    return [
        {
            "stream": "erasure",
            "source": "clock",
            "event": "Erasure.PersonErased",
            "at": ev.at.isoformat(),
            "removed_at": ev.removed_at.isoformat(),
            "retention_days": ev.retention_days,
            "keys": ev.keys,
        }
        for ev in log.events.get(erasure_id(aid))
        if isinstance(ev, Erasure.PersonErased)
    ]


def group_facts(log: DirectoryLog, aid: str, streams: Iterable[UUID]) -> list[dict[str, Any]]:
    """The groups' facts that name the account ``aid``: its additions and
    removals by hand, and the deletion of a free group it was a member of."""
    found = []
    for stream in streams:
        uai, names = "", {}
        events: list[Any] = list(log.events.get(stream))
        for ev in events:
            if isinstance(ev, ManualGroups.Opened):
                uai = ev.uai
            elif isinstance(ev, (ManualGroups.GroupCreated, ManualGroups.GroupRenamed)):
                names[ev.code] = ev.name
            named = isinstance(ev, (ManualGroups.MembersAdded, ManualGroups.MembersRemoved, ManualGroups.GroupDeleted))
            if not named or aid not in ev.members:
                continue
            kind = getattr(ev, "kind", FREE)
            entry: dict[str, Any] = {
                "stream": "groups",
                "source": "admin",
                "event": f"ManualGroups.{type(ev).__name__}",
                "at": ev.at.isoformat(),
                "uai": uai,
                "kind": kind,
                "code": ev.code,
                "author": ev.author,
            }
            if kind == FREE and ev.code in names:
                entry["name"] = names[ev.code]
            if getattr(ev, "reason", ""):
                entry["reason"] = ev.reason
            found.append(entry)
    return sorted(found, key=time_of)


def merged(
    entries: list[dict[str, Any]], facts: list[dict[str, Any]], ties_first: bool = False
) -> list[dict[str, Any]]:
    """The account's events in their order, each other fact after the last of
    them that is not later (effective time never goes backwards, §11);
    ``ties_first``: before those at the same time."""
    out: list[dict[str, Any]] = []
    pending = list(facts)
    for entry in entries:
        while pending and entry["at"] is not None and _before(time_of(pending[0]), time_of(entry), ties_first):
            out.append(pending.pop(0))
        out.append(entry)
    return out + pending


def _before(fact: datetime, entry: datetime, ties_first: bool) -> bool:
    return fact <= entry if ties_first else fact < entry


def time_of(entry: dict[str, Any]) -> datetime:
    # An event without a time (none is recorded so today) goes first among the facts.
    return datetime.fromisoformat(entry["at"]) if entry["at"] else datetime.min.replace(tzinfo=timezone.utc)
