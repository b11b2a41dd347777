"""What each API endpoint reads: a function of the worker's context and the
request's parameters, already checked (daemon/http/api.py), that returns the
body or raises an ``ApiError``. Kept apart from the routes so that a route
can gain a dependency (a caller, its scope) and pass it on as one more
parameter."""

from __future__ import annotations

from typing import Any

from daemon.http.errors import not_found
from projections import account_queries, delivery_queries, import_queries, siecle_listings, structure_queries


def accounts(ctx: Any, *, uai: str | None, state: str | None, profile: str | None, limit: int) -> dict:
    rows = account_queries.accounts(
        ctx.db,
        uai=uai or None,
        state=state or None,
        profile=profile or None,
        now=ctx.judged_now(),
        grace=ctx.policy.overdue_grace,
        limit=limit + 1,
        policy=ctx.policy,
    )
    return {"accounts": rows[:limit], "count": min(len(rows), limit), "limit": limit, "truncated": len(rows) > limit}


def account(ctx: Any, *, key: str) -> dict:
    row = account_queries.account_detail(
        ctx.db, key, now=ctx.judged_now(), grace=ctx.policy.overdue_grace, policy=ctx.policy
    )
    if row is None:
        raise not_found("account")
    return row


def structures(ctx: Any) -> dict:
    return {"structures": structure_queries.structures(ctx.db)}


def classes(ctx: Any, *, uai: str, members: bool) -> dict:
    if not structure_queries.structure_known(ctx.db, uai):
        raise not_found("structure")
    return {"uai": uai, "classes": structure_queries.classes(ctx.db, uai, members=members)}


def deliveries(ctx: Any) -> dict:
    return {"deliveries": delivery_queries.deliveries(ctx.db)}


def delivery(ctx: Any, *, key: str) -> dict:
    row = delivery_queries.delivery(ctx.db, key) if key else None
    if row is None:
        raise not_found("delivery")
    return row


def imports(ctx: Any, *, uai: str | None) -> dict:
    return {"imports": import_queries.history(ctx.db, uai or None)}


def import_detail(ctx: Any, *, key: str) -> dict:
    return _import(ctx, key, import_queries.detail)


def import_sessions(ctx: Any, *, key: str) -> dict:
    return _import(ctx, key, import_queries.sessions)


def _import(ctx: Any, key: str, reader) -> dict:
    row = import_queries.by_key(ctx.db, key, reader)
    if row is None:
        raise not_found("import")
    return row


def siecle_imports(ctx: Any, *, uai: str | None) -> dict:
    return {"imports": siecle_listings.imports(ctx.db, uai or None)}
