"""Deciding a suspected duplicate (a scored pair of accounts, projections/
duplicate_candidates.py, domain-rules §5), the decidable kind
``suspected_duplicate`` of events/usecases/anomaly_review.py.

Dismissing records nothing on the accounts: the two are different persons
and the pair is no longer listed (its review says so). Confirming applies
the operator's duplicate mark of issue 13 (events/duplicate_rules.py) in
the same save: the account the source delivered later (its first fact;
the jointure breaks a tie) is marked a duplicate of the other —
deactivated at once, deleted ``Policy.duplicate_deletion_days`` later.
The later one is the copy a secretary typed instead of fetching the
existing record; an operator who wants the other kept dismisses and marks
with ``entsync admin duplicate``. The rules of the mark hold: a copy still
pending (never created in the platforms) is refused, to be confirmed once
created."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from events.account import Account
from events.duplicate_rules import MarkRefused, deletion_due

if TYPE_CHECKING:
    from events.usecases.anomaly_review import Changes, ConfirmAnomaly, DismissAnomaly, Reviewable, ReviewWork


def copy_and_kept(first: Account, second: Account) -> tuple[Account, Account]:
    """The account to mark (seen later) and the one kept."""
    a, b = sorted((first, second), key=lambda acc: (acc.first_seen, acc.jointure))
    return b, a


def confirm(uow: ReviewWork, anomaly: Reviewable, cmd: ConfirmAnomaly, at: datetime) -> Changes:
    from events.usecases.anomaly_review import ReviewRefused  # it imports this module

    first, second = (uow.log.get(UUID(key)) for key in anomaly.subject)
    copy, kept = copy_and_kept(first, second)
    due = deletion_due(at, uow.policy.duplicate_deletion_days)
    try:
        copy.mark_duplicate(kept.jointure, kept.state, cmd.author, cmd.reason, at, due)
    except MarkRefused as exc:
        raise ReviewRefused(
            exc.code, f"{exc}; the later account {copy.jointure} is the one a confirmation marks"
        ) from None
    effects = {
        "marked": copy.jointure,
        "duplicate_of": kept.jointure,
        "state": copy.state,
        "deletion_due": due.isoformat(),
    }
    return (copy,), effects


def dismiss(uow: ReviewWork, anomaly: Reviewable, cmd: DismissAnomaly, at: datetime) -> Changes:
    return (), {}
