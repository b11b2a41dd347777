"""An account's history, event by event: when, which delivery, file and
record line, what changed. The first tool for an overwritten account. The
admin actions on it are there with their author and reason, and so are the
facts of the establishments' groups that name it (issue 13: added to or
removed from a free group, a class or a group by hand; a free group deleted
with it), each at its place in time."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from events.account import Account, account_id
from events.application import DirectoryLog
from events.manual_groups import FREE, ManualGroups
from events.merge import AccountMerge, merge_id


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name, []) != after.get(name, []):
            out[name] = {"before": before.get(name, []), "after": after.get(name, [])}
    return out


SET_ASIDE = "(set aside)"


def _masked(attrs: dict[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """The record with the values set aside for being implausible (domain-rules
    §12: control characters, thousands of characters…) not repeated."""
    return {k: ([SET_ASIDE] if k in fields and v else v) for k, v in attrs.items()} if fields else attrs


_SHOWN = (
    "delivery_id",
    "file",
    "line",
    "reason",
    "login",
    "old_login",
    "new_login",
    "author",
    "state",
    "duplicate_of",
    "uai",
    "free_group",
    "successor_id",
    "anomaly_id",
)


def history(
    log: DirectoryLog,
    jointure: str,
    group_streams: Iterable[UUID] = (),
    absorbed: Iterable[str] = (),
    past: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Every event of the account stream of ``jointure``, oldest first, with
    the facts of the ManualGroups streams ``group_streams`` that name it.
    With the jointures of the accounts it ``absorbed`` (issue 14), their
    events too, each marked ``merged_side: absorbed`` with its jointure, and
    the merges' facts; the account's own merge facts (it was absorbed once)
    are there in any case. ``past``: the ids of the accounts ever merged
    into it (projections/merge_fold.past_absorbed) — the facts of the merges
    taken back, without the other account's events, which are its own again."""
    entries = _account(log, jointure)
    if not entries:
        return entries
    facts = _group_facts(log, str(account_id(jointure)), group_streams) + _merge_facts(log, str(account_id(jointure)))
    now = set()
    for other in absorbed:
        aid = str(account_id(other))
        now.add(aid)
        side = [{**e, "merged_side": "absorbed", "jointure": other} for e in _account(log, other)]
        facts += side + _group_facts(log, aid, group_streams) + _merge_facts(log, aid)
    for aid in sorted(set(past) - now):
        facts += [f for f in _merge_facts(log, aid) if f["survivor_id"] == str(account_id(jointure))]
    return _merged(entries, sorted(facts, key=_time))


def _merge_facts(log: DirectoryLog, absorbed_id: str) -> list[dict[str, Any]]:
    """The merges and unmerges of the account ``absorbed_id`` into a survivor."""
    found = []
    for ev in log.events.get(merge_id(absorbed_id)):
        if isinstance(ev, (AccountMerge.AccountsMerged, AccountMerge.AccountsUnmerged)):
            entry: dict[str, Any] = {
                "stream": "merge",
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


def _generations(log: DirectoryLog, jointure: str) -> list[tuple[int, list[Any]]]:
    """The events of each account the jointure has had (events/generations.py); an ended
    generation's key ``JOINTURE#n`` (projections/directory_reviews.py) gives them all."""
    out: list[tuple[int, list[Any]]] = []
    stream = account_id(jointure.split("#")[0])
    while True:
        events = list(log.events.get(stream))
        out.append((len(out) + 1, events))
        ended = [ev for ev in events if isinstance(ev, Account.OverwriteConfirmed)]
        if not ended:
            return out
        stream = UUID(ended[-1].successor_id)


def _account(log: DirectoryLog, jointure: str) -> list[dict[str, Any]]:
    chain = _generations(log, jointure)
    if len(chain) > 1:  # each generation's events, marked with it
        return [{**e, "generation": n} for n, events in chain for e in _entries(events)]
    return _entries(chain[0][1])


def _entries(events: list[Any]) -> list[dict[str, Any]]:
    entries = []
    attrs: dict[str, Any] = {}
    # The fields each delivery set aside: its FieldsSetAside comes just before
    # (just after, for Appeared) the record event it qualifies.
    aside = {ev.delivery_id: ev.fields for ev in events if isinstance(ev, Account.FieldsSetAside)}
    current: dict[str, Any] = {}
    for ev in events:
        at = getattr(ev, "at", None)
        entry: dict[str, Any] = {
            "version": ev.originator_version,
            "event": type(ev).__name__,
            "at": at.isoformat() if at else None,
        }
        for name in _SHOWN:
            value = getattr(ev, name, None)
            if value not in (None, ""):
                entry[name] = value
        for name in ("creation_due", "removal_due", "deletion_due", "end"):
            value = getattr(ev, name, None)
            if value is not None:
                entry[name] = value.isoformat()
        if isinstance(ev, Account.ManualCreated) and ev.overrides:  # the matches an operator forced it over
            entry["overrides"] = list(ev.overrides)
        if isinstance(ev, (Account.Attached, Account.AttachmentEnded)):  # an admin's attachment (issue 13)
            entry["uai"] = ev.uai
            if isinstance(ev, Account.Attached):
                entry["until"] = ev.until.isoformat()
        if isinstance(ev, Account.OverwriteSuspected):
            entry["changes"] = _changes(ev.before, ev.after)
        if isinstance(ev, Account.FieldsSetAside):
            entry["set_aside"] = dict(ev.fields)
            current = ev.fields
        if isinstance(ev, (Account.Appeared, Account.Changed, Account.Reappeared)):
            shown = _masked(ev.attrs, aside.get(ev.delivery_id, current))
            entry["changes"] = _changes(attrs, shown)
            attrs = shown
        entries.append(entry)
    return entries


def _group_facts(log: DirectoryLog, aid: str, streams: Iterable[UUID]) -> list[dict[str, Any]]:
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
    return sorted(found, key=_time)


def _merged(entries: list[dict[str, Any]], facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The account's events in their order, each group fact after the last of
    them that is not later (effective time never goes backwards, §11)."""
    out: list[dict[str, Any]] = []
    pending = list(facts)
    for entry in entries:
        while pending and entry["at"] is not None and _time(pending[0]) < _time(entry):
            out.append(pending.pop(0))
        out.append(entry)
    return out + pending


def _time(entry: dict[str, Any]) -> datetime:
    # An event without a time (none is recorded so today) goes first among the facts.
    return datetime.fromisoformat(entry["at"]) if entry["at"] else datetime.min.replace(tzinfo=timezone.utc)
