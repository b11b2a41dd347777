"""An account's commands on an admin's attachments (issue 13): attached to
another establishment until an end date, and the attachment ended by an
admin or by the clock at that date. Bound as the account's methods by
``AccountCommands`` (events/account_commands.py); the rules are
events/attachment_rules.py."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from events.attachment_rules import CLOCK, END_DATE_REACHED, check_attach, check_detach, ended_by

if TYPE_CHECKING:
    from events.account import Account


def attach(
    account: Account, own: frozenset[str], uai: str, until: datetime, author: str, reason: str, at: datetime
) -> None:
    """Attach the account to ``uai`` until ``until`` (``own``: the UAIs of its AAF structures)."""
    check_attach(account.jointure, account.state, own, account.attachments, uai, until, at, reason)
    account.trigger_event(account.Attached, uai=uai, until=until, author=author, reason=reason, at=at)


def end_attachment(account: Account, own: frozenset[str], uai: str, author: str, reason: str, at: datetime) -> None:
    """An admin ends the attachment to ``uai`` before its end date."""
    check_detach(account.jointure, own, account.attachments, uai, reason)
    account.trigger_event(account.AttachmentEnded, uai=uai, author=author, reason=reason, at=at)


def attachment_ended(account: Account, uai: str, at: datetime) -> None:
    """The clock ends the attachment to ``uai`` at its end date."""
    if uai not in ended_by(account.attachments, at):  # ended or moved later meanwhile: nothing due
        return
    account.trigger_event(account.AttachmentEnded, uai=uai, author=CLOCK, reason=END_DATE_REACHED, at=at)
