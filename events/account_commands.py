"""The commands of an account: what a source, the clock or an upgrade asks of it, and which
facts that records given the account's state (domain-rules §3, §4, §5, §11, §12). Each refuses
a transition its state does not allow; what a fact does to the state: ``events/account_state.py``.
The commands are functions of the account, bound as its methods by ``AccountCommands`` (a base
of ``Account``): mypy checks a function typed on ``Account`` here, where a method of the base
could not name its subclass; an operator's decisions: ``events/account_reviews.py``; an admin's
login rename and duplicate marks: ``events/account_admin.py``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from events.account_admin import mark_duplicate, rename_login, unmark_duplicate
from events.account_attachments import attach, attachment_ended, end_attachment
from events.account_reviews import confirm_overwrite, resume, suspend_overwritten
from events.account_rules import Overwrite, overwrite, reentry
from events.enrolment import enrolment, new_enrolment

if TYPE_CHECKING:
    from events.account import Account


class TransitionRefused(Exception):
    """A command that does not apply to the account's current state."""


def _refuse_unless(account: Account, *states: str) -> None:
    if account.state not in states:
        raise TransitionRefused(f"account {account.jointure} is {account.state}, not {' or '.join(states)}")


def record(
    account: Account,
    attrs: dict[str, list[str]],
    digest: str,
    delivery_id: str,
    file: str,
    line: int,
    at: datetime,
    creation_delay: timedelta,
    overwrite_threshold: float = 0.75,
    set_aside: dict[str, str] | None = None,
    suspend: bool = False,
) -> None:
    """The source delivered this record again with other content, or after the person had left
    (§4: back to active, same login). A record that now describes someone else is flagged (§5),
    and suspended with ``suspend`` (policy ``suspend_on_overwrite``, §11). ``set_aside``: the
    attributes of the new record set aside (§12); None leaves them as they were."""
    before, aside_before, creation = account.attrs, account.set_aside, account.creation_identity
    if set_aside is not None:
        set_aside_fields(account, set_aside, delivery_id, file, line, at)
    if account.present:
        account.trigger_event(
            account.Changed, attrs=attrs, digest=digest, delivery_id=delivery_id, file=file, line=line, at=at
        )
        declared = account.declared_left_on
        if declared and account.state in ("departing", "withdrawn"):
            then, now = account.enrolment_at_departure, enrolment(account.category, attrs)
            if new_enrolment(then, now):
                evidence = {"left_on": declared, "before": then, "after": now, "delivery_id": delivery_id}
                cancel_declared_departure(account, "new_enrolment", evidence, at)
    else:
        back = reentry(account.state, at, creation_delay, bool(account.duplicate_mark))
        account.trigger_event(
            account.Reappeared,
            attrs=attrs,
            digest=digest,
            delivery_id=delivery_id,
            file=file,
            line=line,
            at=at,
            state=back.state,
            creation_due=back.creation_due,
        )
    suspected = overwrite(before, aside_before, attrs, account.set_aside, overwrite_threshold, creation)
    if suspected is not None:
        suspect(account, suspected, delivery_id, file, line, at)
        if suspend:
            suspend_overwritten(account, at)


def suspect(account: Account, suspected: Overwrite, delivery_id: str, file: str, line: int, at: datetime) -> None:
    """Record a suspected overwrite (the record's delivery, or the upgrade's
    rescan of the log for those an earlier rule missed)."""
    account.trigger_event(
        account.OverwriteSuspected,
        before=suspected.before,
        after=suspected.after,
        delivery_id=delivery_id,
        file=file,
        line=line,
        at=at,
        score=suspected.score,
        reasons=suspected.reasons,
    )


def set_aside_fields(
    account: Account, fields: dict[str, str], delivery_id: str, file: str, line: int, at: datetime
) -> None:
    """Record which attributes are set aside, when that changes."""
    if dict(fields) != account.set_aside:
        account.trigger_event(
            account.FieldsSetAside, fields=dict(fields), delivery_id=delivery_id, file=file, line=line, at=at
        )


def reclassify(account: Account, field: str, before: str, after: str, rule: str, release: str, at: datetime) -> None:
    account.trigger_event(
        account.Reclassified, field=field, before=before, after=after, rule=rule, release=release, at=at
    )


def leave(
    account: Account, reason: str, delivery_id: str, at: datetime, removal_due: datetime, provisional: bool
) -> None:
    """Absent from a complete delivery or deleted by a delta (a suspended account: as it was)."""
    current = account.suspended_from if account.state == "suspended" else account.state
    if current == "pending":
        account.trigger_event(account.Withdrawn, reason=reason, delivery_id=delivery_id, at=at)
    elif current == "active":
        account.trigger_event(
            account.Departed,
            reason=reason,
            delivery_id=delivery_id,
            at=at,
            removal_due=removal_due,
            provisional=provisional,
        )
    else:
        account.trigger_event(account.LeftSource, reason=reason, delivery_id=delivery_id, at=at)


def deactivate_duplicate(
    account: Account, duplicate_of: str, delivery_id: str, at: datetime, deletion_due: datetime
) -> None:
    """A pending duplicate is simply never created; an active one is deactivated."""
    if account.state == "pending":
        account.trigger_event(account.Withdrawn, reason=f"duplicate_of:{duplicate_of}", delivery_id=delivery_id, at=at)
    elif account.state == "active":
        account.trigger_event(
            account.Deactivated, duplicate_of=duplicate_of, delivery_id=delivery_id, at=at, deletion_due=deletion_due
        )
    else:
        account.trigger_event(account.LeftSource, reason="absent_from_complete", delivery_id=delivery_id, at=at)


def create_account(account: Account, login: str, at: datetime) -> None:
    _refuse_unless(account, "pending")
    if at < account.creation_due:
        raise TransitionRefused(f"account {account.jointure} is not due before {account.creation_due.isoformat()}")
    account.trigger_event(account.AccountCreated, login=account.login or login, at=at, due=account.creation_due)


def decline(account: Account, reason: str, at: datetime) -> None:
    _refuse_unless(account, "pending")
    account.trigger_event(account.Declined, reason=reason, at=at)


def become_eligible(account: Account, at: datetime) -> None:
    _refuse_unless(account, "no_account")
    account.trigger_event(account.Eligible, at=at)


def remove(account: Account, reason: str, at: datetime) -> None:
    if account.state not in ("departing", "active", "deactivated"):
        raise TransitionRefused(
            f"account {account.jointure} is {account.state}; only departing, deactivated or active accounts are removed"
        )
    account.trigger_event(account.Removed, reason=reason, at=at)


def reschedule_removal(account: Account, removal_due: datetime, provisional: bool, at: datetime) -> None:
    _refuse_unless(account, "departing")
    account.trigger_event(account.RemovalRescheduled, removal_due=removal_due, provisional=provisional, at=at)


def defer_removal(
    account: Account, removal_due: datetime, notice_from: datetime, notice_days: int, at: datetime
) -> None:
    _refuse_unless(account, "departing")
    account.trigger_event(
        account.RemovalDeferred, removal_due=removal_due, notice_from=notice_from, notice_days=notice_days, at=at
    )


# ---- precedence of SIECLE over the AAF (domain-rules §11) ----------------------
def advance_creation_clock(
    account: Account, source: str, source_id: str, seen_at: datetime, creation_due: datetime, at: datetime
) -> None:
    _refuse_unless(account, "pending")
    if seen_at >= account.first_seen:
        raise TransitionRefused(f"account {account.jointure} was first seen before {seen_at.isoformat()}")
    account.trigger_event(
        account.CreationClockAdvanced,
        source=source,
        source_id=source_id,
        seen_at=seen_at,
        creation_due=creation_due,
        at=at,
    )


def declare_departure(
    account: Account,
    source: str,
    source_id: str,
    left_on: str,
    departed_at: datetime,
    removal_due: datetime,
    provisional: bool,
    at: datetime,
) -> None:
    """A pending account is withdrawn (never created), an active one departs."""
    if account.state == "pending":
        state, due, provisional = "withdrawn", None, False
    elif account.state == "active":
        state, due = "departing", removal_due
    else:
        raise TransitionRefused(
            f"account {account.jointure} is {account.state}; only pending or active accounts depart"
        )
    account.trigger_event(
        account.DepartureDeclared,
        source=source,
        source_id=source_id,
        left_on=left_on,
        departed_at=departed_at,
        state=state,
        removal_due=due,
        provisional=provisional,
        at=at,
    )


def cancel_declared_departure(account: Account, reason: str, evidence: dict[str, Any], at: datetime) -> None:
    if not account.declared_left_on or account.state not in ("departing", "withdrawn"):
        raise TransitionRefused(f"account {account.jointure} has no declared departure to cancel")
    state = "active" if account.login else "pending"
    account.trigger_event(account.DepartureCancelled, reason=reason, evidence=evidence, state=state, at=at)


class AccountCommands:
    """The commands above as the account's methods."""

    record = record
    suspect = suspect
    set_aside_fields = set_aside_fields
    reclassify = reclassify
    leave = leave
    deactivate_duplicate = deactivate_duplicate
    create_account = create_account
    rename_login = rename_login
    mark_duplicate = mark_duplicate
    unmark_duplicate = unmark_duplicate
    decline = decline
    become_eligible = become_eligible
    remove = remove
    reschedule_removal = reschedule_removal
    defer_removal = defer_removal
    advance_creation_clock = advance_creation_clock
    declare_departure = declare_departure
    cancel_declared_departure = cancel_declared_departure
    attach = attach
    confirm_overwrite = confirm_overwrite
    resume = resume
    end_attachment = end_attachment
    attachment_ended = attachment_ended
