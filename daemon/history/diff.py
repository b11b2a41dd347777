"""An account at two effective times and what changed between (``entsync
diff ID --from T1 --to T2``, ``GET /api/v1/accounts/{key}/diff``): its
stream folded up to each time by the aggregate's own mutator, so that the
answer is what a replay of the log up to then gives, and the facts recorded
between the two times from every source (daemon/history/build.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from daemon.history.admin_facts import time_of
from daemon.history.build import account_history, find
from events.account import account_id
from events.account_rules import IDENTITY_ATTRIBUTES
from events.application import DirectoryLog
from events.derive import memberships, structures

# What tells who the person is, as the AAF gives it (the identity rule's fields).
IDENTITY = (*IDENTITY_ATTRIBUTES, "ENTPersonAutresPrenoms", "personalTitle")
COMPARED = ("state", "login", "present", "removal_due", "identity", "structures", "classes", "groups", "attachments")


def account_at(log: DirectoryLog, jointure: str, at: datetime) -> dict[str, Any] | None:
    """The account as its facts up to ``at`` made it; None before its first."""
    folded: Any = None
    events: list[Any] = list(log.events.get(account_id(jointure)))
    for ev in events:
        when = getattr(ev, "at", None)
        if when is not None and when > at:
            break  # effective time never goes backwards in a stream (§11)
        folded = ev.mutate(folded)
    if folded is None:
        return None
    kept = memberships(folded.category, folded.attrs)
    return {
        "version": folded.version,
        "state": folded.state,
        "login": folded.login,
        "present": folded.present,
        "removal_due": folded.removal_due.isoformat() if folded.removal_due else None,
        "identity": {name: list(folded.attrs.get(name, [])) for name in IDENTITY if folded.attrs.get(name)},
        "structures": sorted(structures(folded.category, folded.attrs)),
        "classes": sorted(f"{sj}${code}" for sj, kind, code in kept if kind == "class"),
        "groups": sorted(f"{sj}${code}" for sj, kind, code in kept if kind == "group"),
        "attachments": {uai: until.isoformat() for uai, until in sorted(folded.attachments.items())},
    }


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``{field: {before, after}}`` of what differs; identity attribute by attribute."""
    a, b = before or {}, after or {}
    out: dict[str, dict[str, Any]] = {}
    for name in COMPARED:
        if name == "identity":
            for attr in sorted(set(a.get(name, {})) | set(b.get(name, {}))):
                was, now = a.get(name, {}).get(attr), b.get(name, {}).get(attr)
                if was != now:
                    out[f"identity.{attr}"] = {"before": was, "after": now}
        elif a.get(name) != b.get(name):
            out[name] = {"before": a.get(name), "after": b.get(name)}
    return out


def account_diff(ctx: Any, key: str, start: datetime, end: datetime) -> dict[str, Any] | None:
    """The account ``key`` at ``start`` and at ``end`` and what changed
    between; None when no account has this key. ``end`` before ``start`` is
    the same change read backwards. Read models caught up
    (daemon/history/build.caught_up)."""
    row = find(ctx, key)
    jointure = row["jointure"] if row else key
    entries = account_history(ctx, key)
    if entries is None:
        return None
    before, after = account_at(ctx.log, jointure, start), account_at(ctx.log, jointure, end)
    between = [
        {k: e[k] for k in ("at", "source", "event", "delivery_id", "import_id", "file", "line") if k in e}
        for e in entries
        if e["at"] is not None and min(start, end) < time_of(e) <= max(start, end)
    ]
    return {
        "jointure": jointure,
        "account_id": str(account_id(jointure)),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "before": before,
        "after": after,
        "changes": changed(before, after),
        "events": between,
    }
