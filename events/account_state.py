"""What each fact of an account does to its state (the aggregate's mutator,
``Account.Event.apply``). It runs when a command records a fact and again on
every replay of the stream, so it decides nothing: the commands
(``events/account_commands.py``) decide, this only follows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from events.account_rules import identity_values
from events.enrolment import enrolment

if TYPE_CHECKING:
    from events.account import Account


class AccountState:
    """What an account knows, as ``start`` and ``evolve`` keep it (a base of
    ``Account``: the attributes are declared here, where they are set)."""

    jointure: str
    category: str
    attrs: dict[str, list[str]]
    digest: str
    state: str
    present: bool
    login: str
    first_seen: datetime
    creation_due: datetime
    removal_due: datetime | None
    declared_left_on: str
    enrolment_at_departure: dict[str, list[str]]
    set_aside: dict[str, str]
    duplicate_mark: str
    removal_before_mark: datetime | None
    attachments: dict[str, datetime]
    creation_identity: dict[str, list[str]]
    generation: int
    successor_id: str
    suspended_from: str
    suspended_by: str


def start(
    account: AccountState,
    jointure: str,
    category: str,
    attrs: dict[str, list[str]],
    digest: str,
    at: datetime,
    creation_due: datetime,
) -> None:
    """The account as Appeared (or ManualCreated, then ``evolve``) makes it."""
    account.jointure = jointure
    account.category = category
    account.attrs = attrs
    account.digest = digest
    account.state = "pending"
    account.present = True
    account.login = ""
    account.first_seen = at
    account.creation_due = creation_due
    account.removal_due = None
    account.declared_left_on = ""  # a departure declared by SIECLE (DepartureDeclared)
    account.enrolment_at_departure = {}
    account.set_aside = {}  # attribute → reason (FieldsSetAside)
    account.duplicate_mark = ""  # the jointure an operator marked it a duplicate of
    account.removal_before_mark = None
    account.attachments = {}  # UAI → end date of an admin's attachment (Attached)
    # Who the account was created for (events/account_rules.overwrite): a
    # change spread over two deliveries is judged against it too. Derived
    # from the facts, so a replay rebuilds it.
    account.creation_identity = identity_values(attrs, {})
    account.generation = 1  # SuccessorOpened: the jointure's n-th account (events/generations.py)
    account.successor_id = ""  # OverwriteConfirmed: the account that has the record now
    account.suspended_from, account.suspended_by = "", ""  # Suspended: the state it left, the anomaly


def evolve(account: Account, fact: Account.Event) -> None:
    """The account after ``fact``. Appeared sets the first state in
    ``Account.__init__``; Reclassified informs operators and changes
    nothing here."""
    # The facts are the aggregate's nested classes, taken from it: this module
    # is imported by events.account and does not import it back.
    facts = type(account)
    match fact:
        case facts.SuccessorOpened():
            account.generation = fact.generation
        case facts.Suspended():
            account.suspended_from, account.suspended_by, account.state = account.state, fact.anomaly_id, "suspended"
        case facts.Resumed():
            account.state, account.suspended_from, account.suspended_by = fact.state, "", ""
        case facts.OverwriteConfirmed():
            # The decision ends a suspension; the departure recorded with it follows.
            account.successor_id = fact.successor_id
            if account.state == "suspended":
                account.state, account.suspended_from, account.suspended_by = account.suspended_from, "", ""
        case facts.ManualCreated():
            account.login, account.state, account.removal_due = fact.login, "active", fact.end
        case facts.Changed():
            account.attrs, account.digest = fact.attrs, fact.digest
        case facts.Reappeared():
            account.attrs, account.digest, account.present, account.state = fact.attrs, fact.digest, True, fact.state
            account.declared_left_on = ""
            if fact.state != "deactivated":  # a duplicate mark keeps its deletion date
                account.removal_due = None
            if fact.creation_due is not None:
                account.creation_due = fact.creation_due
        case facts.FieldsSetAside():
            account.set_aside = dict(fact.fields)
            if fact.originator_version == 2:  # the creation's own (aaf_apply._new): blank what it set aside
                account.creation_identity = identity_values(account.creation_identity, fact.fields)
        case facts.OverwriteSuspected():
            # The record's new holder is judged from here on: once flagged, the
            # first holder's identity would flag every later change again.
            account.creation_identity = dict(fact.after)
        case facts.Departed():
            account.present, account.state, account.removal_due = False, "departing", fact.removal_due
        case facts.Withdrawn():
            account.present, account.state = False, "withdrawn"
        case facts.LeftSource():
            account.present = False
        case facts.Deactivated():
            account.present, account.state, account.removal_due = False, "deactivated", fact.deletion_due
        case facts.DuplicateMarked():
            account.removal_before_mark = account.removal_due
            account.state, account.removal_due = "deactivated", fact.deletion_due
            account.duplicate_mark = fact.duplicate_of
        case facts.DuplicateUnmarked():
            account.state, account.removal_due, account.duplicate_mark = fact.state, fact.removal_due, ""
        case facts.AccountCreated():
            account.login, account.state = fact.login, "active"
        case facts.LoginRenamed():
            account.login = fact.new_login
        case facts.Declined():
            account.state = "no_account"
        case facts.Eligible():
            account.state, account.creation_due = "pending", fact.at
        case facts.Removed():
            account.state, account.present = "removed", False
        case facts.RemovalRescheduled() | facts.RemovalDeferred():
            account.removal_due = fact.removal_due
        case facts.CreationClockAdvanced():
            account.first_seen, account.creation_due = fact.seen_at, fact.creation_due
        case facts.DepartureDeclared():
            account.state, account.removal_due, account.declared_left_on = fact.state, fact.removal_due, fact.left_on
            account.enrolment_at_departure = enrolment(account.category, account.attrs)
        case facts.DepartureCancelled():
            account.state, account.removal_due, account.declared_left_on = fact.state, None, ""
        case facts.Attached():
            account.attachments = {**account.attachments, fact.uai: fact.until}
        case facts.AttachmentEnded():
            account.attachments = {u: d for u, d in account.attachments.items() if u != fact.uai}
