"""Pure rules of an operator's duplicate mark (domain-rules §5, issue 13):
which accounts may be marked, of which account, and when a mark may be
undone. Functions of the accounts' states, tested as tables; the commands
(events/account_commands.py) and the use case (events/usecases/
admin_duplicates.py) apply them."""

from __future__ import annotations

from datetime import datetime, timedelta


class MarkRefused(Exception):
    """An admin action on a duplicate mark that a rule refuses; ``code`` names
    the rule (the CLI's --json and the API's error)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# Only an account that exists in the platforms is deactivated by a mark: a
# pending one is not created yet, a departing one is already leaving.
MARKABLE = {"active": None, "deactivated": "already_deactivated", "removed": "removed"}
# The account kept must be one the directory keeps.
KEPT = {"active": None, "pending": None, "departing": None}


def check_mark(state: str, marked_of: str, jointure: str, of_jointure: str, of_state: str, reason: str) -> None:
    """Raise MarkRefused unless the account (``state``, its current mark
    ``marked_of``) may be marked a duplicate of the account ``of_jointure``."""
    if not reason.strip():
        raise MarkRefused("reason_required", "a reason is required: a duplicate mark deletes the account")
    if jointure == of_jointure:
        raise MarkRefused("same_account", f"account {jointure} cannot be a duplicate of itself")
    if marked_of:
        raise MarkRefused("already_marked", f"account {jointure} is already marked a duplicate of {marked_of}")
    refused = MARKABLE.get(state, "not_active")
    if refused is not None:
        raise MarkRefused(refused, f"account {jointure} is {state}: only an active account is marked a duplicate")
    if of_state not in KEPT:
        raise MarkRefused(
            "kept_not_kept",
            f"account {of_jointure} is {of_state}: the account kept must be active, pending or departing",
        )


def check_unmark(state: str, marked_of: str, present: bool, jointure: str, reason: str) -> None:
    """Raise MarkRefused unless the account's mark may be undone: marked,
    not deleted yet, and still delivered (an account no source carries any
    more would come back only to depart: it stays deactivated)."""
    if not reason.strip():
        raise MarkRefused("reason_required", "a reason is required to undo a duplicate mark")
    if not marked_of:
        raise MarkRefused("not_marked", f"account {jointure} has no duplicate mark")
    if state == "removed":
        raise MarkRefused("removed", f"account {jointure} was deleted as a duplicate: too late to undo")
    if not present:
        raise MarkRefused(
            "not_delivered", f"no source delivers account {jointure} any more: it stays deactivated until deleted"
        )


def deletion_due(at: datetime, days: int) -> datetime:
    """When a marked account is deleted: ``days`` after the mark (Policy
    duplicate_deletion_days, default 42), whether a source still delivers it."""
    return at + timedelta(days=days)
