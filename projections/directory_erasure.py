"""The directory projection's folding of an erasure (events/erasure.py,
issue 17): the rows of the streams whose keys were destroyed rewritten as a
replay of the log reads them now, each sealed value in its erased form
(events.personal.erased_value), so that ``entsync verify`` stays equal and
no name, birth date, INE, address, e-mail or login of the person remains.

What a replay derives from erased events, and only that, is rewritten:
- ``accounts`` (an account subject): the personal attributes of ``attrs``,
  the ``identity`` and couple flag derived from them, the ``login``; and its
  ``duplicate_keys``. Structures, memberships and links come from
  attributes that are not sealed: unchanged.
- ``logins`` (a Login subject): the login reads ``[effacé]`` in a replay.
  Every erased login would then share one key, and which reservation keeps
  the row would depend on the log's order, which a live rewrite cannot see:
  the row is kept under ``[effacé]:<Login stream id>`` instead, by the
  replay's folding too (projections/directory_accounts.login_reserved).
- ``meta``: the reasons of a duplicate mark and of an attachment (sealed:
  an operator's free text about the person may quote their name).
- ``account_merges`` (a merge subject): the absorbed account's login
  (``alias``) and the reason.
- ``meta`` ``erased_before``: the latest removal an erasure ran from, for
  the service's archive (daemon/service/archive.py).

The live model also drops the person's records from the deliveries staged
or parked before the erasure (projections/staging.Staging.forget).

Not reached: the messages of a delivery's rejections and fields set aside
(``rejections``, ``delivery_set_asides``), sealed under the delivery's key
as they name several persons (design-17 §2): erased with the delivery's
details, ``retention`` after it was received (projections/details_erasure.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from events import derive
from events.duplicate_score import duplicate_keys
from events.merge import merge_id
from events.personal import ERASED, erased_value
from events.personal_fields import AAF
from projections.db import Database
from projections.directory_attachments import KEY as ATTACHMENT
from projections.directory_batch import Batch
from projections.directory_marks import KEY as MARK
from projections.schema import iso

# The latest ``removed_at`` of the erasures folded (ISO), in ``meta``.
ARCHIVE = "erased_before"


def person_erased(b: Batch, ev: Any) -> None:
    b.put(
        "erasures",
        ev.account_id,
        {
            "account_id": ev.account_id,
            "jointure": ev.jointure,
            "erased_at": iso(ev.at),
            "removed_at": iso(ev.removed_at),
            "keys": ev.keys,
            "subjects": len(ev.subjects),
        },
    )
    subjects = set(ev.subjects)
    for aid in sorted(subjects):
        row = b.load("accounts", aid)
        if row is not None:
            _account(b, row)
            _meta(b, f"{MARK}{aid}", ("reason", "undo_reason"))
            for key in _meta_keys(b, f"{ATTACHMENT}{aid}:"):
                _meta(b, key, ("reason", "end_reason"))
            if (
                b.staging is not None and "#" not in row["jointure"]
            ):  # an ended generation's records are its successor's
                b.staging.forget(row["jointure"], iso(ev.at))
        _logins(b, aid, subjects)
        if str(merge_id(aid)) in subjects:
            b.db.execute(
                f"UPDATE {b.p}account_merges SET alias = CASE WHEN alias = '' THEN '' ELSE ? END, "
                f"reason = CASE WHEN reason = '' THEN '' ELSE ? END WHERE absorbed_id = ?",
                (ERASED, ERASED, aid),
            )
    before = b.load("meta", ARCHIVE)
    removed = iso(ev.removed_at)
    if before is None or before["value"] < removed:
        b.put("meta", ARCHIVE, {"key": ARCHIVE, "value": removed})


def erased_before(db: Database, prefix: str = "") -> datetime | None:
    """The latest removal an erasure ran from: what the service archived
    before it may name an erased person (daemon/service/archive.py)."""
    value = db.scalar(f"SELECT value FROM {prefix}meta WHERE key = ?", (ARCHIVE,))
    return datetime.fromisoformat(value) if value else None


def _account(b: Batch, row: dict) -> None:
    aid, cat = row["account_id"], row["category"]
    attrs = {k: erased_value(v) if k in AAF else v for k, v in json.loads(row["attrs"]).items()}
    d = derive.account_source(cat, attrs)
    row.update(identity=d.identity, couple_flag=d.couple_flag, attrs=d.attrs, login=erased_value(row["login"]))
    family, given_birth = duplicate_keys(attrs)
    b.put(
        "duplicate_keys",
        aid,
        {"account_id": aid, "category": cat, "family_key": family, "given_birth_key": given_birth},
    )


def _logins(b: Batch, aid: str, subjects: set[str]) -> None:
    """The login text of the person's reservations: a row is keyed by its
    stream's id (the login's keyed hash), which stays and keeps it reserved."""
    cached = [r for r in b.rows["logins"].values() if r["account_id"] == aid]
    stored = b.db.query_dicts(f"SELECT * FROM {b.p}logins WHERE account_id = ?", (aid,))
    for row in {r["login_key"]: r for r in [*stored, *cached]}.values():
        if row["login"] == ERASED or str(UUID(hex=row["login_key"])) not in subjects:
            continue
        b.put("logins", row["login_key"], {**row, "login": ERASED})


def _meta_keys(b: Batch, prefix: str) -> list[str]:
    stored = [k for (k,) in b.db.query(f"SELECT key FROM {b.p}meta WHERE key LIKE ?", (prefix + "%",))]
    return sorted({*stored, *(k for k in b.rows["meta"] if k.startswith(prefix))})


def _meta(b: Batch, key: str, fields: tuple[str, ...]) -> None:
    row = b.load("meta", key)
    if row is None:
        return
    value = json.loads(row["value"])
    value.update({f: erased_value(value.get(f, "")) for f in fields})
    row["value"] = json.dumps(value, ensure_ascii=False, sort_keys=True)
