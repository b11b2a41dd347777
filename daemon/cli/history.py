"""An account's history, event by event: when, which delivery, file and
record line, what changed. The first tool for an overwritten account."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from events.account import Account, account_id
from events.application import DirectoryLog


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


def history(log: DirectoryLog, jointure: str) -> list[dict[str, Any]]:
    """Every event of the account stream of ``jointure``, oldest first."""
    entries = []
    attrs: dict[str, Any] = {}
    events = list(log.events.get(account_id(jointure)))
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
        for name in ("delivery_id", "file", "line", "reason", "login", "old_login", "new_login", "author", "state"):
            value = getattr(ev, name, None)
            if value not in (None, ""):
                entry[name] = value
        for name in ("creation_due", "removal_due"):
            value = getattr(ev, name, None)
            if value is not None:
                entry[name] = value.isoformat()
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
