"""The read models' folding of an erasure of details (events/erasure.py
``DetailsErased``, issue 17): the rows that hold a delivery's or import's
details sealed under its own key (events/personal_fields.py, MULTI)
rewritten as a replay of the log reads them now, each sealed value in its
erased form (events.personal.erased_value: a message ``[effacé]``, a dict
``{}``; an empty value was never sealed and stays empty), so that
``entsync verify`` stays equal.

- directory (kind ``aaf``): ``rejections.message`` (RecordRejected, a
  row of RecordsRejected), ``delivery_set_asides.message``, and the
  ``message`` of ``deliveries.details`` of a rejected delivery (Rejected is
  its last fact: nothing writes its details after it). The directory also
  keeps ``details_erasures``, every kind's, which the erasure's query reads.
- SIECLE (kind ``siecle``): ``siecle_rejections.message``,
  ``siecle_set_asides.message``, and ``siecle_imports.message`` of a
  rejected import (a held import's message is not sealed).
- timetable imports (kind ``timetable``): ``imports.record_rejections``
  (each one's message), ``imports.people`` (the people not matched, sealed
  whole) and ``imports.message`` once Rejected wrote it: only Cancelled
  (an operator's reason, not sealed) and Replaced write another after it.

In a rebuild, the facts and their erasure may fold in one batch: the rows
the batch holds are rewritten as well as the stored ones."""

from __future__ import annotations

import json
from typing import Any

from events.derive import dumps
from events.personal import ERASED, erased_value
from projections.db import Database
from projections.directory_batch import Batch
from projections.imports_schema import dumps as compact
from projections.schema import iso
from projections.siecle_batch import Rows

# The statuses of a timetable import whose message was not written by Rejected.
NOT_REJECTED_MESSAGE = ("cancelled", "replaced")


def directory(b: Batch, ev: Any) -> None:
    sid = ev.stream_id
    b.put(
        "details_erasures",
        sid,
        {
            "stream_id": sid,
            "kind": ev.kind,
            "received_at": iso(ev.received_at),
            "erased_at": iso(ev.at),
            "keys": ev.keys,
        },
    )
    if ev.kind != "aaf":
        return
    row = b.load("deliveries", sid)
    if row is not None and row["status"] == "rejected":
        details = json.loads(row["details"] or "{}")
        if "message" in details:
            details["message"] = erased_value(details["message"])
            row["details"] = dumps(details)
    b.rejections[:] = [(*r[:7], erased_value(r[7])) if r[0] == sid else r for r in b.rejections]
    _messages(b.db, f"{b.p}rejections", "delivery_id", sid)
    for row in b.rows["delivery_set_asides"].values():
        if row["delivery_id"] == sid:
            row["message"] = erased_value(row["message"])
    _messages(b.db, f"{b.p}delivery_set_asides", "delivery_id", sid)


def siecle(r: Rows, ev: Any) -> None:
    if ev.kind != "siecle":
        return
    sid = ev.stream_id
    row = r.get("siecle_imports", (sid,))
    if row is not None and row["status"] == "rejected":
        row["message"] = erased_value(row["message"])
        r.put("siecle_imports", row)
    r.rejections[:] = [(*x[:7], erased_value(x[7])) if x[0] == sid else x for x in r.rejections]
    _messages(r.db, f"{r.p}siecle_rejections", "import_id", sid)
    for aside in r.rows["siecle_set_asides"].values():
        if aside is not None and aside["import_id"] == sid:
            aside["message"] = erased_value(aside["message"])
    _messages(r.db, f"{r.p}siecle_set_asides", "import_id", sid)


def timetable(db: Database, prefix: str, ev: Any) -> None:
    if ev.kind != "timetable":
        return
    found = db.query_dicts(f"SELECT * FROM {prefix}imports WHERE import_id = ?", (ev.stream_id,))
    if not found:
        return
    row = found[0]
    message = row["message"] if row["status"] in NOT_REJECTED_MESSAGE else erased_value(row["message"])
    rejections = [
        {**x, "message": erased_value(x["message"])} if isinstance(x, dict) and "message" in x else x
        for x in json.loads(row["record_rejections"] or "[]")
    ]
    db.execute(
        f"UPDATE {prefix}imports SET message = ?, people = ?, record_rejections = ? WHERE import_id = ?",
        (
            message,
            compact(erased_value(json.loads(row["people"] or "{}"))),
            compact(rejections),
            ev.stream_id,
        ),
    )


def _messages(db: Database, table: str, column: str, stream_id: str) -> None:
    db.execute(f"UPDATE {table} SET message = ? WHERE {column} = ? AND message <> ''", (ERASED, stream_id))
