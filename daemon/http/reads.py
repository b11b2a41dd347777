"""What each API endpoint reads: a function of the worker's context and the
request's parameters, already checked (daemon/http/api.py), that returns the
body or raises an ``ApiError``.

Each reader of the directory takes the caller's ``scope``: the UAIs it
covers, or None for an operator (events/access.py). A person, an import or
an establishment outside it is ``OutOfScope``, a 404 worded as for a key
that does not exist, so that the answer never hints at the school a person
is in; listings show what is inside only."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from daemon.http.errors import ApiError, not_found
from projections import account_queries, delivery_queries, import_queries, siecle_listings, structure_queries
from projections.pronote_block import pronote_matching_blocked

Scope = frozenset[str] | None


class OutOfScope(ApiError):
    """Asked outside the caller's establishments: answered as ``not_found``."""

    def __init__(self, what: str):
        missing = not_found(what)
        super().__init__(HTTPStatus.NOT_FOUND, missing.code, missing.message)


def _covered(uai: str | None, scope: Scope) -> None:
    """A listing filtered on one establishment outside the scope is a 404."""
    if uai and scope is not None and uai not in scope:
        raise OutOfScope("structure")


def accounts(ctx: Any, *, scope: Scope, uai: str | None, state: str | None, profile: str | None, limit: int) -> dict:
    _covered(uai, scope)
    rows = account_queries.accounts(
        ctx.db,
        uai=uai or None,
        state=state or None,
        profile=profile or None,
        now=ctx.judged_now(),
        grace=ctx.policy.overdue_grace,
        limit=limit + 1,
        policy=ctx.policy,
        scope=scope,
    )
    return {"accounts": rows[:limit], "count": min(len(rows), limit), "limit": limit, "truncated": len(rows) > limit}


def account(ctx: Any, *, scope: Scope, key: str) -> dict:
    """The account ``key`` as its detail shows it: unknown, or outside the
    caller's UAIs (an ``OutOfScope``), a 404."""
    row = account_queries.account_detail(
        ctx.db, key, now=ctx.judged_now(), grace=ctx.policy.overdue_grace, policy=ctx.policy
    )
    if row is None:
        raise not_found("account")
    if not account_queries.within(row, scope):
        raise OutOfScope("account")
    row["pronote_matching_blocked"] = pronote_matching_blocked(
        ctx.db, row["account_id"], row["jointure"], row["state"], row["state_reason"]
    )
    return row


def structures(ctx: Any, *, scope: Scope) -> dict:
    return {"structures": structure_queries.structures(ctx.db, scope=scope)}


def classes(ctx: Any, *, scope: Scope, uai: str, members: bool) -> dict:
    _covered(uai, scope)
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


def imports(ctx: Any, *, scope: Scope, uai: str | None) -> dict:
    _covered(uai, scope)
    return {"imports": import_queries.history(ctx.db, uai or None, scope=scope)}


def import_detail(ctx: Any, *, scope: Scope, key: str) -> dict:
    return _import(ctx, scope, key, import_queries.detail)


def import_sessions(ctx: Any, *, scope: Scope, key: str) -> dict:
    return _import(ctx, scope, key, import_queries.sessions)


def _import(ctx: Any, scope: Scope, key: str, reader: Any) -> dict:
    found = import_queries.find(ctx.db, key) if key else None
    if found is not None and scope is not None and import_queries.uai_of(ctx.db, found) not in scope:
        raise OutOfScope("import")
    row = reader(ctx.db, found) if found is not None else None
    if row is None:
        raise not_found("import")
    return row


def siecle_imports(ctx: Any, *, scope: Scope, uai: str | None) -> dict:
    _covered(uai, scope)
    return {"imports": siecle_listings.imports(ctx.db, uai or None, scope=scope)}
