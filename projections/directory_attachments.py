"""The directory projection's folding of admins' attachments (issue 13): the
attachment with its end date, author and reason (kept once ended, with who
ended it and why) in ``meta`` under ``attachment:<account id>:<UAI>``, as
JSON like the duplicate marks (projections/directory_marks.py): a row of a
table `entsync verify` already compares, so that a rebuild checks it and the
verify report keeps its lines. The AAF's structures (account_structures)
are not touched: the AAF's attachments stay the AAF's."""

from __future__ import annotations

import json

from events.account import Account
from projections.directory_accounts import _row
from projections.directory_batch import Batch
from projections.schema import iso

KEY = "attachment:"


def key(account_id: str, uai: str) -> str:
    return f"{KEY}{account_id}:{uai}"


def attached(b: Batch, ev: Account.Attached) -> None:
    aid = _row(b, ev)["account_id"]
    attachment = {
        "uai": ev.uai,
        "until": iso(ev.until),
        "author": ev.author,
        "reason": ev.reason,
        "at": iso(ev.at),
        "status": "attached",
        "ended_by": "",
        "end_reason": "",
        "ended_at": None,
    }
    _put(b, aid, ev.uai, attachment)


def attachment_ended(b: Batch, ev: Account.AttachmentEnded) -> None:
    aid = _row(b, ev)["account_id"]
    stored = b.load("meta", key(aid, ev.uai))
    if stored is None:
        raise LookupError(f"event {ev.topic} for an account not attached to its UAI {ev.originator_id}")
    attachment = json.loads(stored["value"])
    attachment.update(status="ended", ended_by=ev.author, end_reason=ev.reason, ended_at=iso(ev.at))
    _put(b, aid, ev.uai, attachment)


def _put(b: Batch, account_id: str, uai: str, attachment: dict) -> None:
    k = key(account_id, uai)
    b.put("meta", k, {"key": k, "value": json.dumps(attachment, ensure_ascii=False, sort_keys=True)})
