"""With the policy's ``suspend_on_overwrite`` (domain-rules §11), a SIECLE
record retyped for another person suspends the account it is linked to, as
the AAF's own suspected overwrite does: the new person must not inherit
the previous one's mail and children until an operator decides."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from events.account_reviews import suspend_for
from events.anomaly import anomaly_id
from events.usecases.ports import EventLog


def suspensions(record: Any, log: EventLog, at: datetime) -> Iterator[tuple[Any]]:
    """The accounts the ``record``'s pending OverwriteSuspected suspend, each
    a group to save after the record's (the anomaly's id names the record's fact)."""
    for fact in record.pending_events:
        if type(fact).__name__ != "OverwriteSuspected" or not fact.account_id:
            continue
        account = log.find(UUID(fact.account_id))
        if account is not None and account.state in ("active", "pending"):
            suspend_for(account, str(anomaly_id(record.id, fact.originator_version)), at)
            yield (account,)
