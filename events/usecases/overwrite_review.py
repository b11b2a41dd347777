"""Deciding a suspected overwrite of an AAF account (``Account.OverwriteSuspected``,
domain-rules §5, §11), the decidable kind ``suspected_overwrite`` of
events/usecases/anomaly_review.py.

Confirming ends the account the record was retyped over: it departs with
its notice (the Toussaint rule and the minimum notice from the decision,
§4, §12; withdrawn if it was never created), and the next generation of
the jointure (events/generations.py) is opened for the person the record
now describes, with its current record, pending under the 48 h rule
counted from the delivery that overwrote it (a decision taken later is
created at the next tick, with its own login). Dismissing ends the
suspension the anomaly caused, if any: the same account, id, login and
record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from events.account import Account, account_id
from events.rules import creation_due, removal_with_notice
from events.successor_identity import PERSONAL, successor_attrs

if TYPE_CHECKING:
    from events.usecases.anomaly_review import Changes, ConfirmAnomaly, DismissAnomaly, Reviewable, ReviewWork


def _refused(code: str, message: str) -> Exception:
    from events.usecases.anomaly_review import ReviewRefused  # it imports this module

    return ReviewRefused(code, message)


def _account(uow: ReviewWork, anomaly: Reviewable) -> Account:
    account: Account = uow.log.get(UUID(anomaly.subject[0]))
    return account


def confirm(uow: ReviewWork, anomaly: Reviewable, cmd: ConfirmAnomaly, at: datetime) -> Changes:
    return replace(uow, _account(uow, anomaly), anomaly, cmd, at)


def replace(
    uow: ReviewWork,
    old: Account,
    anomaly: Reviewable,
    cmd: ConfirmAnomaly,
    at: datetime,
    identity: tuple[str, str, Mapping[str, Any]] | None = None,
) -> Changes:
    """``old`` departs and the next generation of its jointure opens: the
    confirmation of an overwrite of the AAF record or of the SIECLE record
    linked to it (events/usecases/siecle_review.py; ``anomaly.delivery_id``
    then names the import). ``identity``: (source, record kind, the source's
    values now) when the overwrite was found in SIECLE or STS-web, whose
    values the successor opens with (events/successor_identity.py): the AAF
    record still describes the previous holder. Its digest is kept, so that
    the AAF delivering that record unchanged does not bring them back; the
    AAF delivering the new person replaces the record as for any account."""
    if old.successor_id:
        raise _refused("already_replaced", f"account {old.id} was already replaced by {old.successor_id}")
    if not old.present:
        raise _refused("not_delivered", f"account {old.id} is {old.state} and its record left the source: dismiss")
    policy = uow.policy
    tz = ZoneInfo(policy.timezone)
    day = at.astimezone(tz).date()
    removal = removal_with_notice(day, day, policy.calendar(), policy.removal_notice_days)
    removal_due = datetime.combine(removal.day, time(0), tz)
    generation = old.generation + 1
    sid = account_id(old.jointure, generation)
    assert anomaly.at is not None  # a suspected overwrite is detected by a delivery
    attrs, aside, source = old.attrs, old.set_aside, "aaf"
    if identity is not None:
        source, kind, values = identity
        attrs = successor_attrs(old.attrs, kind, values)
        aside = {k: why for k, why in old.set_aside.items() if k not in PERSONAL}  # the values set aside are gone
    successor = Account._create(
        Account.SuccessorOpened,
        id=sid,
        jointure=old.jointure,
        category=old.category,
        attrs=attrs,
        digest=old.digest,
        delivery_id=anomaly.delivery_id,
        file=anomaly.file,
        line=anomaly.line,
        at=at,
        creation_due=creation_due(anomaly.at, policy.creation_delay),
        generation=generation,
        predecessor_id=str(old.id),
        anomaly_id=anomaly.anomaly_id,
        identity_source=source,
    )
    successor.set_aside_fields(aside, anomaly.delivery_id, anomaly.file, anomaly.line, at)
    old.confirm_overwrite(str(sid), anomaly.anomaly_id, cmd.author, cmd.reason, at, removal_due, removal.provisional)
    effects = {
        "account_id": str(old.id),
        "state": old.state,
        "removal_due": old.removal_due.isoformat() if old.removal_due else None,
        "successor_id": str(sid),
        "successor_generation": generation,
        "successor_state": successor.state,
        "successor_creation_due": successor.creation_due.isoformat(),
    }
    return (old, successor), effects


def dismiss(uow: ReviewWork, anomaly: Reviewable, cmd: DismissAnomaly, at: datetime) -> Changes:
    account = _account(uow, anomaly)
    if account.state == "suspended" and account.suspended_by == anomaly.anomaly_id:
        account.resume(anomaly.anomaly_id, cmd.author, cmd.reason, at)
    return (account,), {"account_id": str(account.id), "state": account.state}
