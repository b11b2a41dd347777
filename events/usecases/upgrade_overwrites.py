"""The overwrites an earlier rule missed, found in the log (issue 15;
domain-rules §12: a rule change corrects existing stores).

The identity rule (events/identity_rules.py) judges records otherwise than
the string ratio before it: stores already hold records retyped for another
person that no ``Account.OverwriteSuspected`` names. The store upgrade walks
each account's facts as ``Account.record`` judged them — the previous record,
the values set aside on either side, the identity at creation, moved to the
new holder once an overwrite is recorded — and records, once, each overwrite
this rule finds where no fact follows the record it judges.

A fact recorded by the upgrade names the delivery, file and line of the
record it judges, and carries the store's last effective time (an upgrade
never moves the clock); it comes after the account's later facts, so its
``after`` values become the identity the account is judged against from then
on, as the walk assumed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from events.account import Account
from events.account_rules import Overwrite, identity_values, overwrite


@dataclass(frozen=True)
class Missed:
    """An overwrite the log holds and no fact names: the record of ``version``."""

    account_id: UUID
    jointure: str
    version: int
    delivery_id: str
    file: str
    line: int
    overwrite: Overwrite

    def as_report(self) -> dict[str, Any]:
        """What the upgrade says of it: ids, files, lines — never the names or birth dates."""
        return {
            "account_id": str(self.account_id),
            "jointure": self.jointure,
            "version": self.version,
            "delivery_id": self.delivery_id,
            "file": self.file,
            "line": self.line,
            "score": self.overwrite.score,
            "reasons": ", ".join(self.overwrite.reasons),
        }


@dataclass
class _Walk:
    """One account as the walk follows it."""

    jointure: str
    attrs: dict[str, list[str]]
    creation: dict[str, list[str]]
    set_aside: dict[str, str] = field(default_factory=dict)
    aside_before: dict[str, str] = field(default_factory=dict)  # before the last FieldsSetAside
    aside_of: tuple[int, str] = (0, "")  # version and delivery of the last FieldsSetAside


def missed_overwrites(facts: Iterable[tuple[int, Any]], threshold: float) -> list[Missed]:
    """The overwrites this rule finds in ``facts`` (the whole log, in order)
    that no ``OverwriteSuspected`` of the account names (by delivery, file
    and line: the live fact follows its record, an upgrade's comes later), in
    the order of the log."""
    walks: dict[UUID, _Walk] = {}
    judged: list[Missed] = []
    named: set[tuple[UUID, str, str, int]] = set()
    for _, fact in facts:
        if not isinstance(fact, Account.Event):
            continue
        walk = walks.get(fact.originator_id)
        if isinstance(fact, Account.Appeared):  # ManualCreated too
            walks[fact.originator_id] = _Walk(fact.jointure, fact.attrs, identity_values(fact.attrs, {}))
            continue
        if walk is None:
            continue
        match fact:
            case Account.OverwriteSuspected():
                named.add((fact.originator_id, fact.delivery_id, fact.file, fact.line))
                walk.creation = dict(fact.after)
            case Account.FieldsSetAside():
                walk.aside_before, walk.set_aside = walk.set_aside, dict(fact.fields)
                walk.aside_of = fact.originator_version, fact.delivery_id
                if fact.originator_version == 2:  # the creation's own (as events/account_state.py)
                    walk.creation = identity_values(walk.creation, fact.fields)
            case Account.Changed() | Account.Reappeared():
                # Account.record reads the values set aside before the new
                # record's FieldsSetAside, recorded just before it.
                ahead = walk.aside_of == (fact.originator_version - 1, fact.delivery_id)
                before_aside = walk.aside_before if ahead else walk.set_aside
                suspected = overwrite(walk.attrs, before_aside, fact.attrs, walk.set_aside, threshold, walk.creation)
                if suspected is not None:
                    v, did = fact.originator_version, fact.delivery_id
                    judged.append(Missed(fact.originator_id, walk.jointure, v, did, fact.file, fact.line, suspected))
                    walk.creation = dict(suspected.after)  # as recording it does (events/account_state.py)
                walk.attrs = fact.attrs
    return [m for m in judged if (m.account_id, m.delivery_id, m.file, m.line) not in named]


def record_missed(accounts: dict[UUID, Account], missed: Iterable[Missed], at: datetime) -> None:
    """Record each missed overwrite on its account (loaded in ``accounts``)."""
    for m in missed:
        accounts[m.account_id].suspect(m.overwrite, m.delivery_id, m.file, m.line, at)
