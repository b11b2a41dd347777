"""The directory projection's folding of manual accounts (domain-rules §1,
issue 13): the account's row, active at once with its login, its manual
category and its profile, attached to the structure of its UAI; the end date
is the account's ``removal_due`` (the clock removes it then; none: pérenne).
The author, reason, free group and overridden matches stay in the fact
(``entsync history``): no table of their own, so that the read model's
tables — and what ``verify`` compares — stay those of the earlier release."""

from __future__ import annotations

from dataclasses import replace

from events import derive
from events.account import Account
from projections.directory_accounts import _derived
from projections.directory_batch import Batch
from projections.schema import iso


def manual_created(b: Batch, ev: Account.ManualCreated) -> None:
    aid = str(ev.originator_id)
    row = {
        "account_id": aid,
        "jointure": ev.jointure,
        "category": ev.category,
        "state": "active",
        "login": ev.login,
        "first_seen": iso(ev.at),
        "creation_due": iso(ev.at),
        "created_at": iso(ev.at),
        "departed_at": None,
        "removal_due": iso(ev.end),
        "removal_provisional": 0,
        "removed_at": None,
        "state_reason": "",
        "last_delivery": "",
    }
    b.fresh.add(aid)
    # The free group is named in the fact; its membership is the free groups'
    # read model's to fold once they exist.
    source = derive.account_source(ev.category, ev.attrs)
    _derived(b, row, replace(source, profile=ev.profile, function="", structures={ev.structure}, memberships=set()))
    b.put("accounts", aid, row)
