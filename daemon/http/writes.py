"""What each admin action of the API does (issue 13): a function of the
write worker's context, the caller and the request's checked values, that
calls the use case the CLI calls (events/usecases/) with the caller's token
name as the author, and returns what the CLI's ``--json`` shows.

A key outside the caller's establishments is ``OutOfScope`` (a 404 worded
as for a key that does not exist); a key that does not exist is a 404; the
use case's refusal (``ValueError`` and its kinds, ``LookupError`` of a
sub-key, ``TimeWentBackwards``) is ``Refused``, a 409 whose message repeats
none of the request's values (daemon/http/site.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from daemon.http import reads
from daemon.http.errors import not_found
from daemon.http.reads import OutOfScope, Scope
from events.access import Caller
from events.duplicate_rules import MarkRefused
from events.group_rules import GroupRefused
from events.manual_rules import ManualRefused
from events.usecases import admin_groups, group_source
from events.usecases.aaf_operator import reject, release
from events.usecases.admin_accounts import CreateManualAccount
from events.usecases.admin_accounts import create_manual_account as create_account
from events.usecases.admin_attachments import Attach, Detach, attach, detach
from events.usecases.admin_duplicates import MarkDuplicate, UnmarkDuplicate, mark_duplicate, unmark_duplicate
from events.usecases.admin_login import RenameLogin, rename_login
from events.usecases.siecle_hold import reject_siecle, release_siecle
from events.usecases.tick import hold_removals, lift_hold, purge_hold
from events.usecases.timetable_apply import retry, validate
from events.usecases.timetable_cancel import cancel
from events.usecases.timetable_hand_match import match
from projections import delivery_queries, import_queries, structure_queries
from projections.attachment_listings import attachments_of

# ---- the académie's operations (operators only) ---------------------------------------------


def release_delivery(ctx: Any, who: Caller, *, key: str) -> dict:
    delivery = _delivery(ctx, key)
    result = release(delivery, who.name, ctx)
    data = result.as_dict("delivery_id", "status", "counts")
    return {**data, "followed": [r.as_dict("delivery_id", "status", "reason") for r in result.followed]}


def reject_delivery(ctx: Any, who: Caller, *, key: str) -> dict:
    delivery = _delivery(ctx, key)
    followed = reject(delivery, who.name, ctx)
    return {
        "delivery_id": str(delivery.id),
        "status": "rejected",
        "followed": [r.as_dict("delivery_id", "status", "reason") for r in followed],
    }


def _delivery(ctx: Any, key: str) -> Any:
    ctx.projection.catch_up(ctx.log)
    row = delivery_queries.delivery(ctx.db, key) if key else None
    delivery = ctx.log.delivery(row["delivery_id"]) if row is not None else None
    if delivery is None:
        raise not_found("delivery")
    return delivery


def release_siecle_import(ctx: Any, who: Caller, *, key: str) -> dict:
    _siecle(ctx, key)
    return release_siecle(ctx, key, who.name).as_dict()


def reject_siecle_import(ctx: Any, who: Caller, *, key: str) -> dict:
    _siecle(ctx, key)
    return reject_siecle(ctx, key, who.name).as_dict()


def _siecle(ctx: Any, key: str) -> None:
    if len(ctx.siecle_queries.import_ids(key) if key else []) != 1:
        raise not_found("SIECLE import")


def hold_purge(ctx: Any, who: Caller, *, reason: str) -> dict:
    hold_removals(ctx, who.name, reason)
    return _purge_state(ctx)


def release_purge(ctx: Any, who: Caller) -> dict:
    lift_hold(ctx, who.name)
    return _purge_state(ctx)


def _purge_state(ctx: Any) -> dict:
    ctx.projection.catch_up(ctx.log)
    return purge_hold(ctx)


# ---- an establishment's decisions (etab-admin within its UAIs, operators) -------------------


def validate_import(ctx: Any, who: Caller, *, scope: Scope, key: str, accept_end_date: bool) -> dict:
    found = _import(ctx, scope, key)
    return validate(found, who.name, ctx, None, accept_end_date).as_dict()


def retry_import(ctx: Any, who: Caller, *, scope: Scope, key: str, lift: list[str]) -> dict:
    found = _import(ctx, scope, key)
    return retry(found, lift, who.name, ctx).as_dict()


def match_import(ctx: Any, who: Caller, *, scope: Scope, key: str, ident: str, target: str, kind: str | None) -> dict:
    found = _import(ctx, scope, key)
    return match(found, ident, target, who.name, ctx, None, kind).as_dict()


def cancel_import(ctx: Any, who: Caller, *, scope: Scope, key: str, reason: str) -> dict:
    found = _import(ctx, scope, key)
    return cancel(found, who.name, reason, ctx).as_dict()


def _import(ctx: Any, scope: Scope, key: str) -> str:
    ctx.imports.catch_up(ctx.log)
    found = import_queries.find(ctx.db, key) if key else None
    if found is None:
        raise not_found("import")
    if scope is not None and import_queries.uai_of(ctx.db, found) not in scope:
        raise OutOfScope("import")
    return found


def choose_group_source(ctx: Any, who: Caller, *, scope: Scope, uai: str, source: str) -> dict:
    """The use case of ``entsync group-source UAI SOURCE`` (events/usecases/group_source.py)."""
    if scope is not None and uai not in scope:
        raise OutOfScope("structure")
    ctx.projection.catch_up(ctx.log)
    if not structure_queries.structure_known(ctx.db, uai):
        raise not_found("structure")
    group_source.choose_group_source(uai, source, who.name, ctx, None)
    ctx.projection.catch_up(ctx.log)
    return {"uai": uai, "group_source": structure_queries.group_source(ctx.db, uai)}


def rename_account_login(ctx: Any, who: Caller, *, scope: Scope, key: str, new_login: str, reason: str) -> dict:
    _accounts(ctx, scope, [key])
    return rename_login(RenameLogin(key, new_login, reason, who.name), ctx).as_dict()


# ---- manual accounts, free groups and duplicate marks (etab-admin within its UAIs, operators) ---


class Refused(ValueError):
    """A use case's refusal as the API words it: ``code``, and a message
    without the account keys the request resolved to (a 409)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def create_manual_account(ctx: Any, who: Caller, *, scope: Scope, uai: str, body: dict[str, Any]) -> dict:
    """The use case of ``entsync admin create-account`` (events/usecases/
    admin_accounts.py); its guard's refusal names a match by its account id
    (``ManualRefused.public``), outside an etab-admin's UAIs not at all."""
    _structure(ctx, scope, uai)
    cmd = CreateManualAccount(uai=uai, author=who.name, scope=scope, **body)
    try:
        return create_account(cmd, ctx).as_dict()
    except ManualRefused as refused:
        raise Refused(refused.code, refused.public) from None


def create_group(ctx: Any, who: Caller, *, scope: Scope, uai: str, code: str, name: str) -> dict:
    _structure(ctx, scope, uai)
    return _grouped(lambda: admin_groups.create_group(ctx, uai, code, name, who.name))


def rename_group(ctx: Any, who: Caller, *, scope: Scope, uai: str, code: str, name: str) -> dict:
    _structure(ctx, scope, uai)
    return _grouped(lambda: admin_groups.rename_group(ctx, uai, code, name, who.name))


def delete_group(ctx: Any, who: Caller, *, scope: Scope, uai: str, code: str, reason: str) -> dict:
    _structure(ctx, scope, uai)
    return _grouped(lambda: admin_groups.delete_group(ctx, uai, code, who.name, reason))


def add_members(ctx: Any, who: Caller, *, scope: Scope, uai: str, code: str, kind: str, accounts: list[str]) -> dict:
    _structure(ctx, scope, uai)
    _accounts(ctx, scope, accounts)
    return _grouped(lambda: admin_groups.add_members(ctx, uai, kind, code, accounts, who.name))


def remove_members(
    ctx: Any, who: Caller, *, scope: Scope, uai: str, code: str, kind: str, accounts: list[str], reason: str
) -> dict:
    _structure(ctx, scope, uai)
    _accounts(ctx, scope, accounts)
    return _grouped(lambda: admin_groups.remove_members(ctx, uai, kind, code, accounts, who.name, reason))


def mark_account_duplicate(ctx: Any, who: Caller, *, scope: Scope, key: str, of: str, reason: str) -> dict:
    """The use case of ``entsync admin mark-duplicate``: both accounts within the caller's UAIs."""
    rows = _accounts(ctx, scope, [key, of])
    return _marked(rows, lambda: mark_duplicate(MarkDuplicate(key, of, reason, who.name), ctx))


def unmark_account_duplicate(ctx: Any, who: Caller, *, scope: Scope, key: str, reason: str) -> dict:
    rows = _accounts(ctx, scope, [key])
    return _marked(rows, lambda: unmark_duplicate(UnmarkDuplicate(key, reason, who.name), ctx))


def _structure(ctx: Any, scope: Scope, uai: str) -> None:
    if scope is not None and uai not in scope:
        raise OutOfScope("structure")
    ctx.projection.catch_up(ctx.log)
    if not structure_queries.structure_known(ctx.db, uai):
        raise not_found("structure")


def _accounts(ctx: Any, scope: Scope, keys: list[str]) -> list[dict]:
    """Each key's account: unknown or outside the caller's UAIs, a 404 (a
    member or a kept account is a key as much as the path's)."""
    ctx.projection.catch_up(ctx.log)
    return [reads.account(ctx, scope=scope, key=key) for key in keys]


def _grouped(action: Callable[[], Any]) -> dict:
    try:
        return dict(action().as_dict())
    except GroupRefused as refused:
        if refused.code == "unknown_group":
            raise not_found("group") from None
        raise


def _marked(rows: list[dict], action: Callable[[], Any]) -> dict:
    """The mark's refusal (MarkRefused is no ValueError) without the keys of the accounts it names."""
    try:
        return dict(action().as_dict())
    except MarkRefused as refused:
        message = str(refused)
        for value in sorted({r[k] for r in rows for k in ("jointure", "login", "account_id") if r.get(k)}, key=len)[
            ::-1
        ]:
            message = message.replace(value, "…")
        raise Refused(refused.code, message) from None


# ---- an admin's attachments (issue 13) -------------------------------------------------------
# An etab-admin lends the accounts of its UAIs; it (or the establishment the
# account is attached to) may end the attachment. Else the key is not found.


def attach_account(ctx: Any, who: Caller, *, scope: Scope, key: str, uai: str, until: datetime, reason: str) -> dict:
    row = _attachable(ctx, key)
    if scope is not None and not row.own & scope:
        raise OutOfScope("account")
    return attach(Attach(key, uai, until, reason, who.name), ctx).as_dict()


def end_attachment(ctx: Any, who: Caller, *, scope: Scope, key: str, uai: str, reason: str) -> dict:
    row = _attachable(ctx, key)
    lent_to = {a["uai"] for a in attachments_of(ctx.db, row.account_id)}
    if scope is not None and not (row.own & scope or (uai in scope and uai in lent_to)):
        raise OutOfScope("account")
    return detach(Detach(key, uai, reason, who.name), ctx).as_dict()


def _attachable(ctx: Any, key: str) -> Any:
    ctx.projection.catch_up(ctx.log)
    row = ctx.attachment_queries.account(key) if key else None
    if row is None:
        raise not_found("account")
    return row
