"""The commands of an operator's decision on a suspected overwrite (events/usecases/
anomaly_review.py, domain-rules §5, §11), bound as the account's methods by
``AccountCommands``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid5

from events.namespace import NAMESPACE

if TYPE_CHECKING:
    from events.account import Account


def suspend_overwritten(account: Account, at: datetime) -> None:
    """Suspend an active or pending account until an operator decides on the
    suspected overwrite just recorded (its id: events/anomaly.anomaly_id)."""
    suspend_for(account, str(uuid5(NAMESPACE, f"anomaly:{account.id}:{account.version}")), at)


def suspend_for(account: Account, anomaly_id: str, at: datetime) -> None:
    """Suspend an active or pending account for the anomaly ``anomaly_id``
    (its own suspected overwrite, or one of the SIECLE record linked to it)."""
    if account.state in ("active", "pending"):
        account.trigger_event(account.Suspended, anomaly_id=anomaly_id, at=at)


def confirm_overwrite(
    account: Account,
    successor_id: str,
    anomaly_id: str,
    author: str,
    reason: str,
    at: datetime,
    removal_due: datetime,
    provisional: bool,
) -> None:
    """An operator confirmed that the record now describes someone else: the
    account departs with its notice (or, never created, is withdrawn), and
    ``successor_id`` holds the record from now on (events/generations.py)."""
    if account.successor_id:
        raise _refused(f"account {account.jointure} was already replaced by {account.successor_id}")
    account.trigger_event(
        account.OverwriteConfirmed,
        successor_id=successor_id,
        anomaly_id=anomaly_id,
        author=author,
        reason=reason,
        at=at,
    )
    account.leave("overwrite_confirmed", "", at, removal_due, provisional)


def resume(account: Account, anomaly_id: str, author: str, reason: str, at: datetime) -> None:
    """A dismissed overwrite ends the suspension it caused: the state it left."""
    if account.state != "suspended" or account.suspended_by != anomaly_id:
        raise _refused(f"account {account.jointure} is not suspended for this anomaly")
    account.trigger_event(
        account.Resumed, anomaly_id=anomaly_id, state=account.suspended_from, author=author, reason=reason, at=at
    )


def _refused(message: str) -> Exception:
    # Imported when refusing: events/account_commands.py imports this module.
    from events.account_commands import TransitionRefused

    return TransitionRefused(message)
