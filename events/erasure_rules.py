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
