"""Whether Pronote identifiers may be attached to an account (domain-rules §5:
"not to an account that has a duplicate, even a deactivated one"), as the
API's account read says it (``pronote_matching_blocked``, issue 15).

Only a *confirmed* duplicate blocks: the account is deactivated as a
duplicate (a corrected duplicate of §11, or an operator's mark of issue
13), another account is deactivated as its duplicate, or an operator
confirmed a scored pair it belongs to. A pair merely suspected
(`entsync duplicates`) does not: most are decided one way or the other
within days, and blocking on a guess would hold every homonym. Once the
duplicate is deleted (removed) it no longer blocks its kept account."""

from __future__ import annotations

import json

from projections.db import Database

_AS_DUPLICATE = ("duplicate_of:", "marked_duplicate_of:")


def pronote_matching_blocked(db: Database, account_id: str, jointure: str, state: str, state_reason: str) -> bool:
    if state == "removed":  # nothing to attach identifiers to any more: its state says so
        return False
    if state == "deactivated" and state_reason.startswith(_AS_DUPLICATE):
        return True
    reasons = [prefix + jointure for prefix in _AS_DUPLICATE]
    if db.scalar(
        "SELECT COUNT(*) FROM accounts WHERE state = 'deactivated' AND state_reason IN (?, ?)", tuple(reasons)
    ):
        return True
    for (subject,) in db.query(
        "SELECT subject FROM anomaly_reviews WHERE kind = 'suspected_duplicate' AND status = 'confirmed'"
    ):
        others = [other for other in json.loads(subject) if other != account_id]
        if len(others) == len(json.loads(subject)):
            continue  # a pair this account is not in
        # The pair blocks while its other side exists: deleted, it no longer does.
        if any(db.scalar("SELECT COUNT(*) FROM accounts WHERE account_id = ? AND state <> 'removed'", (other,))
               for other in others):  # fmt: skip
            return True
    return False
