"""An account's history, event by event: when, which delivery, file and
record line, what changed. The first tool for an overwritten account."""
from __future__ import annotations

from events.account import Account, account_id


def _changes(before: dict, after: dict) -> dict[str, dict]:
    out = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name, []) != after.get(name, []):
            out[name] = {"before": before.get(name, []), "after": after.get(name, [])}
    return out


def history(log, jointure: str) -> list[dict]:
    """Every event of the account stream of ``jointure``, oldest first."""
    entries = []
    attrs: dict = {}
    for ev in log.events.get(account_id(jointure)):
        entry = {"version": ev.originator_version, "event": type(ev).__name__,
                 "at": ev.at.isoformat() if getattr(ev, "at", None) else None}
        for name in ("delivery_id", "file", "line", "reason", "login", "state"):
            value = getattr(ev, name, None)
            if value not in (None, ""):
                entry[name] = value
        for name in ("creation_due", "removal_due"):
            value = getattr(ev, name, None)
            if value is not None:
                entry[name] = value.isoformat()
        if isinstance(ev, Account.OverwriteSuspected):
            entry["changes"] = _changes(ev.before, ev.after)
        if isinstance(ev, (Account.Appeared, Account.Changed, Account.Reappeared)):
            entry["changes"] = _changes(attrs, ev.attrs)
            attrs = ev.attrs
        entries.append(entry)
    return entries
