"""An account's whole history, from every source, as the CLI (``entsync
history``) and the API (``GET /api/v1/accounts/{key}/history``) give it:
the account's own facts (daemon/history/account.py), the groups and merges
that name it, the facts of the SIECLE records linked to it and of the
timetable imports of its establishments, in effective-time order. Each
record says its ``source`` (aaf, siecle, timetable, admin, clock, upgrade),
its delivery or import, file and line, the fields it changed (``changes``:
before → after), the account's ``transition`` when its state moved and its
``flags``. A departure SIECLE decided carries its ``cause``: the leaving
date it rests on, with its import and line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from daemon.history.account import history
from daemon.history.admin_facts import merged, time_of
from daemon.history.siecle import leaving_cause, siecle_facts
from daemon.history.timetable import timetable_facts
from projections import account_queries, group_queries, merge_fold


def caught_up(ctx: Any) -> None:
    """The read models the history finds its streams with, up to the log."""
    ctx.projection.catch_up(ctx.log)
    for model in (ctx.siecle, ctx.imports):
        if model is not None:
            model.catch_up(ctx.log)


def find(ctx: Any, key: str) -> dict[str, Any] | None:
    """The account a key names (an absorbed key: its survivor, issue 14), as the read model has it."""
    return account_queries.find_account(ctx.db, key)


def account_history(ctx: Any, key: str, since: datetime | None = None) -> list[dict[str, Any]] | None:
    """Every fact about the account ``key`` (jointure, login or id), oldest
    first, from ``since`` on; None when no account has this key. The read
    models are expected caught up (``caught_up``)."""
    row = find(ctx, key)
    jointure = row["jointure"] if row else key
    absorbed = merge_fold.absorbed_jointures(ctx.db, row["account_id"]) if row else []
    past = merge_fold.past_absorbed(ctx.db, row["account_id"]) if row else []
    entries = history(ctx.log, jointure, group_queries.manual_group_streams(ctx.db), absorbed, past)
    if not entries:
        return None
    if row is not None:
        siecle = siecle_facts(ctx.log, ctx.db, row["account_id"])
        for e in entries:
            if e["event"] == "DepartureDeclared" and e.get("source") == "siecle":
                if cause := leaving_cause(siecle, e):
                    e["cause"] = cause
        others = sorted(siecle + timetable_facts(ctx.log, ctx.db, row["account_id"], jointure), key=time_of)
        # A source's import comes before what the account decided on it at the same time.
        entries = merged(entries, others, ties_first=True)
    if since is not None:
        entries = [e for e in entries if e["at"] is not None and time_of(e) >= since]
    return entries
