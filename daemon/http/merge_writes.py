"""What the API's merge and unmerge do (issue 14): the use cases of
``entsync admin merge`` and ``unmerge`` (events/usecases/admin_merge.py)
with the caller's token name as the author, answering what the CLI's
``--json`` shows. A module of its own next to daemon/http/writes.py (which
holds the other admin actions and ``Refused``) to keep each under 300 lines.

Each key is resolved raw, as the use case does (projections/merge_queries.py):
unknown, a 404; an account with a UAI outside an etab-admin's, the same 404
(``OutOfScope``) — both accounts of a merge must lie within the caller's
UAIs, the other side of an unmerge too. A rule's refusal is a 409 whose
message names the accounts by their ids: the CLI's names them by login and
jointure, and a login is made of the person's names (domain-rules §6)."""

from __future__ import annotations

from typing import Any

from daemon.http.errors import not_found
from daemon.http.reads import OutOfScope, Scope
from daemon.http.writes import Refused
from events.access import Caller
from events.merge_rules import MergeAccount, MergeRefused, covered, named
from events.usecases.admin_merge import MergeAccounts, UnmergeAccounts
from events.usecases.admin_merge import merge_accounts as merge
from events.usecases.admin_merge import unmerge_accounts as unmerge


def merge_accounts(
    ctx: Any,
    who: Caller,
    *,
    scope: Scope,
    key: str,
    absorbed: str,
    reason: str,
    prefer: dict[str, str],
    dry_run: bool,
) -> dict:
    """Merge ``absorbed`` into the account ``key`` (the survivor), or preview it."""
    sides = _sides(ctx, scope, [key, absorbed])
    cmd = MergeAccounts(key, absorbed, who.name, reason, scope=scope, prefer=prefer, dry_run=dry_run)
    return _done(sides, lambda: merge(cmd, ctx).as_dict())


def unmerge_accounts(ctx: Any, who: Caller, *, scope: Scope, key: str, reason: str, dry_run: bool) -> dict:
    """End the merge of the account ``key`` (either side), or preview it."""
    sides = _sides(ctx, scope, [key])
    cmd = UnmergeAccounts(key, who.name, reason, scope=scope, dry_run=dry_run)
    return _done(sides, lambda: unmerge(cmd, ctx).as_dict())


def _sides(ctx: Any, scope: Scope, keys: list[str]) -> list[MergeAccount]:
    ctx.projection.catch_up(ctx.log)
    found = []
    for key in keys:
        account = ctx.merge_queries.account(key)
        if account is None:
            raise not_found("account")
        if not covered(scope, account):
            raise OutOfScope("account")
        found.append(account)
    return found


def _done(sides: list[MergeAccount], action: Any) -> dict:
    try:
        return dict(action())
    except MergeRefused as refused:
        raise Refused(refused.code, public(str(refused), sides)) from None
    except LookupError:  # the unmerge's other side lies outside the caller's UAIs
        raise OutOfScope("account") from None


def public(message: str, accounts: list[MergeAccount]) -> str:
    """``message`` with each account named by its id instead of its login and jointure."""
    for a in accounts:
        message = message.replace(named(a), a.account_id)
    for a in accounts:
        for value in sorted((v for v in (a.login, a.jointure) if v), key=len, reverse=True):
            message = message.replace(value, a.account_id)
    return message
