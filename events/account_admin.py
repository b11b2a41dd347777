"""An account's commands that an admin or operator asks (issue 13, domain-rules
§5, §6): the login renamed, and a duplicate marked or unmarked. Bound as the
account's methods by ``AccountCommands`` (events/account_commands.py); the
rules are events/login_rules.py and events/duplicate_rules.py."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from events.duplicate_rules import check_mark, check_unmark
from events.login_rules import check_rename

if TYPE_CHECKING:
    from events.account import Account


def rename_login(account: Account, new_login: str, author: str, reason: str, at: datetime) -> None:
    """An audited admin action (domain-rules §6): the old login stays the
    account's alias. Whether the directory ever reserved the new one is the
    use case's to check (events/usecases/admin_login.py), and the new
    login's reservation, saved with this fact, guards it."""
    check_rename(account.state, account.login, new_login, reason)
    account.trigger_event(
        account.LoginRenamed, old_login=account.login, new_login=new_login, author=author, reason=reason, at=at
    )


def mark_duplicate(
    account: Account, of_jointure: str, of_state: str, author: str, reason: str, at: datetime, deletion_due: datetime
) -> None:
    """An operator's duplicate mark (issue 13): deactivated, deleted at deletion_due."""
    check_mark(account.state, account.duplicate_mark, account.jointure, of_jointure, of_state, reason)
    account.trigger_event(
        account.DuplicateMarked,
        duplicate_of=of_jointure,
        author=author,
        reason=reason,
        at=at,
        deletion_due=deletion_due,
    )


def unmark_duplicate(account: Account, author: str, reason: str, at: datetime) -> None:
    """Undo a duplicate mark before the deletion: active again, same login,
    and the removal it had before (a manual account's end date)."""
    check_unmark(account.state, account.duplicate_mark, account.present, account.jointure, reason)
    account.trigger_event(
        account.DuplicateUnmarked,
        author=author,
        reason=reason,
        state="active",
        removal_due=account.removal_before_mark,
        at=at,
    )
