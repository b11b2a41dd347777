"""When a person's personal data are erased (domain-rules §12, issue 17):
pure decisions on the rows the read model gives, tested as a table.

An account generation is *gone* when it was removed (Account.Removed) or
when its record left the source before an account was created for it
(withdrawn while pending, or declined and then gone from the source). It
is due for erasure ``retention`` after it went; an erasure already recorded
is never due again; while the operator holds purges (events/purge.py) a
due erasure is listed, not recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from events.policy import Policy

# An erasure due longer than this and still not recorded is overdue (the
# alert's gauge): a tick runs at least daily, so only a hold or a failure
# leaves one waiting that long.
OVERDUE_AFTER = timedelta(days=1)

# The states of a generation that may be gone (the read model's accounts.state).
GONE_STATES = ("removed", "withdrawn", "no_account")


@dataclass(frozen=True)
class Gone:
    """An account generation gone at ``gone_at``: removed, or left its source
    without an account (``state`` withdrawn or no_account)."""

    account_id: str
    jointure: str
    profile: str
    state: str
    gone_at: datetime


@dataclass(frozen=True)
class DueErasure:
    """A gone generation whose retention ended at ``due_at``; ``held``: the
    operator's hold on purges keeps it from being recorded."""

    account_id: str
    jointure: str
    profile: str
    state: str
    gone_at: datetime
    due_at: datetime
    held: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "jointure": self.jointure,
            "profile": self.profile,
            "state": self.state,
            "gone_at": self.gone_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "held": self.held,
        }


def due_at(gone_at: datetime, policy: Policy) -> datetime:
    """The end of the retention period that started when the person went."""
    return gone_at + policy.erasure_retention


def due(rows: Iterable[Gone], at: datetime, policy: Policy, erased: frozenset[str], held: bool) -> list[DueErasure]:
    """The gone generations due for erasure at ``at`` and not erased yet, by
    due date then jointure; each marked ``held`` while purges are held."""
    out = [
        DueErasure(r.account_id, r.jointure, r.profile, r.state, r.gone_at, end, held)
        for r in rows
        if r.state in GONE_STATES and r.account_id not in erased and (end := due_at(r.gone_at, policy)) <= at
    ]
    return sorted(out, key=lambda d: (d.due_at, d.jointure, d.account_id))


def overdue(dues: Iterable[DueErasure], at: datetime) -> int:
    """How many due erasures have waited longer than ``OVERDUE_AFTER``."""
    return sum(1 for d in dues if d.due_at + OVERDUE_AFTER <= at)


# ---- the details of deliveries and imports ---------------------------------------
# The kinds of stream whose details name several persons (events/personal_fields.py, MULTI).
DETAIL_KINDS = ("aaf", "siecle", "timetable")


@dataclass(frozen=True)
class Received:
    """A delivery (``aaf``) or an import (``siecle``, ``timetable``) received
    at ``received_at``, whose details are not erased yet."""

    stream_id: str
    kind: str
    received_at: datetime


@dataclass(frozen=True)
class DueDetails:
    """A delivery's or import's details whose retention ended at ``due_at``;
    ``held``: the operator's hold on purges keeps them from being erased."""

    stream_id: str
    kind: str
    received_at: datetime
    due_at: datetime
    held: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream_id": self.stream_id,
            "kind": self.kind,
            "received_at": self.received_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "held": self.held,
        }


def details_due(
    rows: Iterable[Received], at: datetime, policy: Policy, erased: frozenset[str], held: bool
) -> list[DueDetails]:
    """The deliveries and imports whose details are due for erasure at
    ``at``: ``retention`` after they were received, by due date then stream.

    The rejection messages, fields set aside, unmatched people and STS
    identities of a delivery or import name several persons and are sealed
    under its own key (events/personal_fields.py, MULTI). Received is the
    right start: every delivery or import that names a person was received
    before that person's removal (a person still in the source is not
    removed), so ``received_at + retention`` comes no later than
    ``removed_at + retention``: by the time a person is erased
    (``due_at`` above), the details that named them are gone already. Held
    with the purges, as a person's erasure is."""
    out = [
        DueDetails(r.stream_id, r.kind, r.received_at, end, held)
        for r in rows
        if r.kind in DETAIL_KINDS and r.stream_id not in erased and (end := due_at(r.received_at, policy)) <= at
    ]
    return sorted(out, key=lambda d: (d.due_at, d.stream_id))
