"""An account's own stream, event by event: when, which source (an AAF
delivery, SIECLE's precedence, the clock, an admin), which delivery, file and
record line, what changed (before → after, only the changed fields), the
state before → after when it moved, and the anomaly flags. The first tool for
an overwritten account. With the facts of the establishments' groups that
name it (issue 13) and the merges it took part in (issue 14), each at its
place in time (daemon/history/admin_facts.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from daemon.history.admin_facts import erasure_facts, group_facts, merge_facts, merged, time_of
from events.account import Account, account_id
from events.application import DirectoryLog


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {before, after}}`` for the fields that differ (absent: ``[]``)."""
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
    "source_id",
    "left_on",
    "successor_id",
    "anomaly_id",
)

# Where each of the account's facts comes from. The record facts and the
# departures an AAF delivery decides carry its delivery_id; the precedence
# decisions (events/usecases/precedence.py) rest on a SIECLE record; the tick
# decides on due dates; the rest is an operator's (they carry its author).
_CLOCK = {"AccountCreated", "Declined", "Eligible", "Removed", "RemovalRescheduled", "RemovalDeferred"}
_SIECLE = {"CreationClockAdvanced", "DepartureDeclared"}


def source_of(ev: Any) -> str:
    name = type(ev).__name__
    if name in _SIECLE:
        return str(getattr(ev, "source", "") or "siecle")
    if name == "DepartureCancelled":  # a new AAF enrolment, or SIECLE's date withdrawn or later
        return "siecle" if "source_id" in ev.evidence else "aaf"
    if name == "Reclassified":
        return "upgrade"
    if name in _CLOCK:
        return "clock"
    if getattr(ev, "author", ""):
        return "admin"
    return "aaf"


def _flags(ev: Any, entry: dict[str, Any]) -> list[str]:
    """What an operator should look at in this fact (the anomaly listing's words)."""
    flags = []
    if isinstance(ev, Account.OverwriteSuspected):
        flags.append("overwrite_suspected")
    if isinstance(ev, Account.FieldsSetAside) and ev.fields:
        flags.append("set_aside")
    if any(SET_ASIDE in (c["after"] or []) for c in entry.get("changes", {}).values()):
        flags.append("set_aside")
    if isinstance(ev, (Account.Deactivated, Account.DuplicateMarked)):
        flags.append("duplicate")
    if getattr(ev, "provisional", False):
        flags.append("provisional_removal_date")
    return flags


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
    entries = account_events(log, jointure)
    if not entries:
        return entries
    own = str(account_id(jointure))
    facts = group_facts(log, own, group_streams) + merge_facts(log, own)
    for _, events in _generations(log, jointure):  # each generation is erased on its own (events/erasure.py)
        facts += erasure_facts(log, str(events[0].originator_id)) if events else []
    now = set()
    for other in absorbed:
        aid = str(account_id(other))
        now.add(aid)
        side = [{**e, "merged_side": "absorbed", "jointure": other} for e in account_events(log, other)]
        facts += side + group_facts(log, aid, group_streams) + merge_facts(log, aid)
    for aid in sorted(set(past) - now):
        facts += [f for f in merge_facts(log, aid) if f["survivor_id"] == own]
    return merged(entries, sorted(facts, key=time_of))


def account_events(log: DirectoryLog, jointure: str) -> list[dict[str, Any]]:
    """The account's own facts, each with its source, changes, state transition and flags;
    a jointure that had several accounts (a confirmed overwrite, events/generations.py)
    gives each generation's facts, marked with it."""
    chain = _generations(log, jointure)
    if len(chain) > 1:
        return [{**e, "generation": n} for n, events in chain for e in _entries(events)]
    return _entries(chain[0][1])


def _generations(log: DirectoryLog, jointure: str) -> list[tuple[int, list[Any]]]:
    """The events of each account the jointure has had; an ended generation's key
    ``JOINTURE#n`` (projections/directory_reviews.py) gives them all."""
    out: list[tuple[int, list[Any]]] = []
    stream = account_id(jointure.split("#")[0])
    while True:
        events = list(log.events.get(stream))
        out.append((len(out) + 1, events))
        ended = [ev for ev in events if isinstance(ev, Account.OverwriteConfirmed)]
        if not ended:
            return out
        stream = UUID(ended[-1].successor_id)


def _entries(events: list[Any]) -> list[dict[str, Any]]:
    entries = []
    attrs: dict[str, Any] = {}
    # The fields each delivery set aside: its FieldsSetAside comes just before
    # (just after, for Appeared) the record event it qualifies.
    aside = {ev.delivery_id: ev.fields for ev in events if isinstance(ev, Account.FieldsSetAside)}
    current: dict[str, Any] = {}
    folded: Any = None  # the aggregate after each fact, by its own mutator: the state as replays see it
    for ev in events:
        before = getattr(folded, "state", None)
        folded = ev.mutate(folded)
        at = getattr(ev, "at", None)
        entry: dict[str, Any] = {
            "version": ev.originator_version,
            "event": type(ev).__name__,
            "at": at.isoformat() if at else None,
            "source": source_of(ev),
        }
        for name in _SHOWN:
            value = getattr(ev, name, None)
            if value not in (None, ""):
                entry[name] = value
        for name in ("creation_due", "removal_due", "deletion_due", "end", "seen_at", "departed_at"):
            value = getattr(ev, name, None)
            if value is not None:
                entry[name] = value.isoformat()
        if isinstance(ev, Account.ManualCreated) and ev.overrides:  # the matches an operator forced it over
            entry["overrides"] = list(ev.overrides)
        if isinstance(ev, Account.SuccessorOpened):  # whose values it opened with (events/successor_identity.py)
            entry["identity_source"] = ev.identity_source
        if isinstance(ev, (Account.Attached, Account.AttachmentEnded)):  # an admin's attachment (issue 13)
            entry["uai"] = ev.uai
            if isinstance(ev, Account.Attached):
                entry["until"] = ev.until.isoformat()
        if isinstance(ev, Account.DepartureCancelled):
            entry["evidence"] = dict(ev.evidence)
        if isinstance(ev, Account.Reclassified):
            entry["changes"] = {ev.field: {"before": ev.before, "after": ev.after}}
        if isinstance(ev, Account.OverwriteSuspected):
            entry["changes"] = changes(ev.before, ev.after)
        if isinstance(ev, Account.FieldsSetAside):
            entry["set_aside"] = dict(ev.fields)
            current = ev.fields
        if isinstance(ev, (Account.Appeared, Account.Changed, Account.Reappeared)):
            shown = _masked(ev.attrs, aside.get(ev.delivery_id, current))
            entry["changes"] = changes(attrs, shown)
            attrs = shown
        after = getattr(folded, "state", None)
        if after != before:
            entry["transition"] = {"before": before, "after": after}
        if flags := _flags(ev, entry):
            entry["flags"] = sorted(set(flags))
        entries.append(entry)
    return entries
