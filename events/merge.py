"""Two accounts of one person merged, and taken back (issue 14,
domain-rules §1: the ENT platforms can never merge two accounts; entsync
can, audited, and can undo it).

A merge is a fold, not a rewrite: each source keeps writing to its own
account's stream (the absorbed jointure's later deliveries still land on
the absorbed account), and the read model folds the absorbed account into
the survivor while the merge holds (projections/). Unmerging ends the fold:
each account then shows what it would have had without the merge.

One stream per absorbed account: an account is absorbed by at most one
survivor at a time, and may be merged again after an unmerge (a new
``AccountsMerged`` on the same stream). Which merges are allowed is decided
by the rules (events/merge_rules.py), not here."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE


def merge_id(absorbed_id: str) -> UUID:
    """The merge stream of the account ``absorbed_id`` (its account id)."""
    return uuid5(NAMESPACE, f"merge:{absorbed_id}")


class AccountMerge(Aggregate):
    TOPIC = "entsync:AccountMerge.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:AccountMerge.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:AccountMerge.Created.v1"

    class Opened(Created):
        """The first merge asked for this absorbed account (the stream's start)."""

        TOPIC = "entsync:AccountMerge.Opened.v1"
        absorbed_id: str
        at: datetime

    class AccountsMerged(Event):
        """An operator or establishment administrator merged the account
        ``absorbed_id`` into ``survivor_id``: one person. ``alias`` is the
        absorbed account's login, from now on an alias that resolves to the
        survivor ("" when it had none); ``decisions`` what was chosen where
        the two disagreed (field → "survivor" or "absorbed")."""

        TOPIC = "entsync:AccountMerge.AccountsMerged.v1"
        survivor_id: str
        survivor_jointure: str
        absorbed_id: str
        absorbed_jointure: str
        alias: str
        decisions: dict[str, Any]
        author: str
        reason: str
        at: datetime

    class AccountsUnmerged(Event):
        """The merge ended: each account shows again what it would have had
        without it, later deliveries to each side included."""

        TOPIC = "entsync:AccountMerge.AccountsUnmerged.v1"
        survivor_id: str
        absorbed_id: str
        alias: str
        author: str
        reason: str
        at: datetime

    @staticmethod
    def create_id(absorbed_id: str, **_: object) -> UUID:
        return merge_id(absorbed_id)

    @event(Opened)
    def __init__(self, absorbed_id: str, at: datetime) -> None:
        self.absorbed_id = absorbed_id
        self.survivor_id: str | None = None  # set while the merge holds
        self.alias = ""

    @property
    def merged(self) -> bool:
        return self.survivor_id is not None

    @event(AccountsMerged)
    def merge(
        self,
        survivor_id: str,
        survivor_jointure: str,
        absorbed_id: str,
        absorbed_jointure: str,
        alias: str,
        decisions: dict[str, Any],
        author: str,
        reason: str,
        at: datetime,
    ) -> None:
        self.survivor_id, self.alias = survivor_id, alias

    @event(AccountsUnmerged)
    def _unmerged(self, survivor_id: str, absorbed_id: str, alias: str, author: str, reason: str, at: datetime) -> None:
        self.survivor_id, self.alias = None, ""

    def unmerge(self, author: str, reason: str, at: datetime) -> None:
        if self.survivor_id is None:
            raise ValueError("not merged")
        self._unmerged(self.survivor_id, self.absorbed_id, self.alias, author, reason, at)
