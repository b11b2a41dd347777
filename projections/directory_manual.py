"""The directory projection's folding of manual accounts (domain-rules §1,
issue 13): the account's row, active at once with its login, its category's
profile and the structure of its UAI; the end date is the account's
``removal_due`` (the clock removes it then), and ``manual_accounts`` keeps
what the admin said: category, free group, end date or pérenne, author."""

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
    # The free group is recorded with the account; its membership is the
    # free groups' to show once they exist (only the name is kept here).
    source = derive.account_source(ev.category, ev.attrs)
    _derived(b, row, replace(source, profile=ev.profile, function="", structures={ev.structure}, memberships=set()))
    b.put("accounts", aid, row)
    b.put(
        "manual_accounts",
        aid,
        {
            "account_id": aid,
            "category": ev.category,
            "uai": ev.uai,
            "free_group": ev.free_group,
            "end_date": iso(ev.end),
            "perenne": int(ev.end is None),
            "author": ev.author,
            "reason": ev.reason,
            "overrides": ",".join(ev.overrides),
            "at": iso(ev.at),
        },
    )
