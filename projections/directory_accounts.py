"""The directory projection's folding of the accounts (projections/
directory.py): an account's row and the side tables its record derives
(structures, memberships, guardian links, fields set aside), the logins it
reserves and the operator's hold on removals. Each function applies one
fact to the batch's rows."""

from __future__ import annotations

import json
from typing import Any

from events import derive
from events.account import Account
from events.duplicate_score import duplicate_keys
from events.login import Login
from events.personal import ERASED  # noqa: F401
from events.purge import PurgeHold
from projections.directory_batch import Batch
from projections.schema import iso


def _source(b: Batch, row: dict, ev: Any) -> None:
    """Columns and side tables that follow from the record's attributes,
    without the fields the account has set aside (domain-rules §12)."""
    cat, aid = row["category"], row["account_id"]
    usable = derive.usable(ev.attrs, b.set_aside_of(aid))
    _derived(b, row, derive.account_source(cat, usable), usable)
    row["last_delivery"] = ev.delivery_id
    b.put(
        "records",
        f"{cat}:{row['jointure']}",
        {
            "key": f"{cat}:{row['jointure']}",
            "category": cat,
            "aggregate_id": aid,
            "jointure": row["jointure"],
            "digest": ev.digest,
            "present": 1,
        },
    )


def _derived(b: Batch, row: dict, d: derive.AccountSource, attrs: dict | None = None) -> None:
    # ``attrs``: the map ``d.attrs`` serialises, when the caller holds it (not decoded again).
    cat, aid = row["category"], row["account_id"]
    row.update(profile=d.profile, function=d.function, couple_flag=d.couple_flag, identity=d.identity, attrs=d.attrs)
    family, given_birth = duplicate_keys(json.loads(d.attrs) if attrs is None else attrs)
    b.put(
        "duplicate_keys",
        aid,
        {"account_id": aid, "category": cat, "family_key": family, "given_birth_key": given_birth},
    )
    if cat == "PersRelEleve":
        b.guardians.add(row["jointure"])
    else:
        b.account_structures[aid] = d.structures
        b.memberships[aid] = d.memberships
    if cat == "Eleve":
        b.links[aid] = d.links


def reclassified(b: Batch, ev: Any) -> None:
    # What the current rules derive from the record already (the upgrade
    # recorded it because an earlier release derived otherwise).
    row = _row(b, ev)
    if ev.field in ("profile", "function"):
        row[ev.field] = ev.after


def fields_set_aside(b: Batch, ev: Any) -> None:
    # Before a Changed or Reappeared, which derives again from its own
    # attributes; after Appeared, whose row still holds every value.
    row = _row(b, ev)
    aid = row["account_id"]
    b.set_aside[aid] = {
        (name, reason, ev.delivery_id, ev.file, ev.line, iso(ev.at)) for name, reason in ev.fields.items()
    }
    usable = derive.usable(json.loads(row["attrs"]), ev.fields)
    _derived(b, row, derive.account_source(row["category"], usable), usable)


def appeared(b: Batch, ev: Account.Appeared) -> None:
    aid = str(ev.originator_id)
    row = {
        "account_id": aid,
        "jointure": ev.jointure,
        "category": ev.category,
        "state": "pending",
        "login": "",
        "first_seen": iso(ev.at),
        "creation_due": iso(ev.creation_due),
        "created_at": None,
        "departed_at": None,
        "removal_due": None,
        "removal_provisional": 0,
        "removed_at": None,
        "state_reason": "",
    }
    b.fresh.add(aid)
    _source(b, row, ev)
    b.put("accounts", aid, row)


def _row(b: Batch, ev: Any) -> dict:
    row = b.load("accounts", str(ev.originator_id))
    if row is None:
        raise LookupError(f"event {ev.topic} for unknown account {ev.originator_id}")
    return row


def _absent(b: Batch, row: dict) -> None:
    key = f"{row['category']}:{row['jointure']}"
    rec = b.load("records", key)
    if rec is not None:
        rec["present"] = 0


def changed(b: Batch, ev: Account.Changed) -> None:
    _source(b, _row(b, ev), ev)


def reappeared(b: Batch, ev: Account.Reappeared) -> None:
    row = _row(b, ev)
    _source(b, row, ev)
    if ev.state in ("deactivated", "removed"):
        return  # an operator's duplicate mark holds while a source delivers it (issue 13)
    row.update(
        state=ev.state,
        departed_at=None,
        removal_due=None,
        removal_provisional=0,
        removed_at=None,
        state_reason="reappeared",
    )
    if ev.creation_due is not None:
        row["creation_due"] = iso(ev.creation_due)


def departed(b: Batch, ev: Account.Departed) -> None:
    row = _row(b, ev)
    row.update(
        state="departing",
        departed_at=iso(ev.at),
        removal_due=iso(ev.removal_due),
        removal_provisional=int(ev.provisional),
        state_reason=ev.reason,
    )
    _absent(b, row)


def overwrite_suspected(b: Batch, ev: Any) -> None:
    aid = str(ev.originator_id)
    b.put(
        "overwrites",
        (aid, ev.originator_version),
        {
            "account_id": aid,
            "version": ev.originator_version,
            "delivery_id": ev.delivery_id,
            "file": ev.file,
            "line": ev.line,
            "at": iso(ev.at),
        },
    )


def deactivated(b: Batch, ev: Account.Deactivated) -> None:
    row = _row(b, ev)
    row.update(
        state="deactivated",
        departed_at=iso(ev.at),
        removal_due=iso(ev.deletion_due),
        removal_provisional=0,
        state_reason=f"duplicate_of:{ev.duplicate_of}",
    )
    _absent(b, row)


def withdrawn(b: Batch, ev: Account.Withdrawn) -> None:
    row = _row(b, ev)
    row.update(state="withdrawn", departed_at=iso(ev.at), state_reason=ev.reason)
    _absent(b, row)


def left_source(b: Batch, ev: Account.LeftSource) -> None:
    row = _row(b, ev)
    _absent(b, row)
    if row["state"] == "no_account":
        # A record that never had an account: the day it left the source is
        # what its erasure's retention runs from (issue 17).
        row["departed_at"] = iso(ev.at)


def created(b: Batch, ev: Account.AccountCreated) -> None:
    _row(b, ev).update(state="active", login=ev.login, created_at=iso(ev.at), state_reason="")


def login_renamed(b: Batch, ev: Account.LoginRenamed) -> None:
    # The old login keeps its row in ``logins`` (an alias that still finds
    # the account); the new one's row comes with its Login.Reserved.
    _row(b, ev)["login"] = ev.new_login


def declined(b: Batch, ev: Account.Declined) -> None:
    _row(b, ev).update(state="no_account", state_reason=ev.reason)


def eligible(b: Batch, ev: Account.Eligible) -> None:
    _row(b, ev).update(state="pending", creation_due=iso(ev.at), state_reason="")


def removed(b: Batch, ev: Account.Removed) -> None:
    _row(b, ev).update(state="removed", removed_at=iso(ev.at), state_reason=ev.reason)


def removal_rescheduled(b: Batch, ev: Account.RemovalRescheduled) -> None:
    _row(b, ev).update(removal_due=iso(ev.removal_due), removal_provisional=int(ev.provisional))


def removal_deferred(b: Batch, ev: Account.RemovalDeferred) -> None:
    _row(b, ev).update(removal_due=iso(ev.removal_due), removal_provisional=0)


def creation_clock_advanced(b: Batch, ev: Account.CreationClockAdvanced) -> None:
    _row(b, ev).update(first_seen=iso(ev.seen_at), creation_due=iso(ev.creation_due))


def departure_declared(b: Batch, ev: Account.DepartureDeclared) -> None:
    # The AAF still lists the person: the source record stays present.
    row = _row(b, ev)
    row.update(
        state=ev.state,
        departed_at=iso(ev.departed_at),
        removal_due=iso(ev.removal_due),
        removal_provisional=int(ev.provisional),
        state_reason=f"{ev.source}_leaving_date",
    )
    b.put(
        "departure_declarations",
        (row["account_id"], ev.left_on),
        {
            "account_id": row["account_id"],
            "left_on": ev.left_on,
            "source_id": ev.source_id,
            "status": "declared",
            "reason": "",
            "at": iso(ev.at),
        },
    )


def departure_cancelled(b: Batch, ev: Account.DepartureCancelled) -> None:
    row = _row(b, ev)
    row.update(state=ev.state, departed_at=None, removal_due=None, removal_provisional=0, state_reason=ev.reason)
    left_on = ev.evidence.get("left_on", "")
    declaration = b.load("departure_declarations", (row["account_id"], left_on))
    if declaration is not None:
        declaration.update(status="cancelled", reason=ev.reason, at=iso(ev.at))


def login_reserved(b: Batch, ev: Login.Reserved) -> None:
    key = ev.originator_id.hex  # the stream's id is the login's key (events/login.py)
    b.put("logins", key, {"login_key": key, "login": ev.login, "account_id": ev.account_id, "reserved_at": iso(ev.at)})


def purge_hold(b: Batch, ev: Any) -> None:
    held = ev.topic != PurgeHold.Lifted.TOPIC
    b.put(
        "meta",
        "purge_hold",
        {
            "key": "purge_hold",
            "value": derive.dumps(
                {"held": held, "operator": ev.operator, "reason": getattr(ev, "reason", ""), "at": iso(ev.at)}
            ),
        },
    )
