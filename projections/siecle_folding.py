"""The SIECLE projection's folding (projections/siecle.py), one function per
fact applied to the batch's rows: the imports, the students with their
leaving dates, their links to guardians, the guardians, and the correlation
of each to an account."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from projections.schema import iso
from projections.siecle_batch import Rows
from projections.siecle_erasure import seen


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _student_columns(row: dict, attrs: dict) -> None:
    row.update(
        ine=attrs.get("ine", ""),
        family_name=attrs.get("family_name", ""),
        given_name=attrs.get("given_name", ""),
        birth_date=attrs.get("birth_date", ""),
        division=attrs.get("division", ""),
        groups=_dumps(attrs.get("groups", [])),
        mef=attrs.get("mef", ""),
        entered_on=attrs.get("entered_on", ""),
        left_on=attrs.get("left_on", ""),
        attrs=_dumps(attrs),
    )


def import_received(r: Rows, ev: Any) -> None:
    r.put(
        "siecle_imports",
        {
            "import_id": str(ev.originator_id),
            "sha256": ev.sha256,
            "receipt": ev.receipt,
            "source": ev.source,
            "file": ev.file,
            "size": ev.size,
            "uai": ev.uai,
            "kind": ev.kind,
            "school_year": ev.school_year,
            "exported_on": ev.exported_on,
            "exported_at": ev.exported_at,
            "received_at": iso(ev.at),
            "status": "received",
            "reason": "",
            "message": "",
            "line": 0,
            "duplicate_of": "",
            "finished_at": None,
            "rejected_records": 0,
            "counts": "{}",
        },
    )


def _import(r: Rows, ev: Any) -> dict:
    return r.need("siecle_imports", (str(ev.originator_id),))


def import_record_rejected(r: Rows, ev: Any) -> None:
    row = _import(r, ev)
    row["rejected_records"] += 1
    r.rejections.append(
        (row["import_id"], row["rejected_records"], ev.reason, ev.file, ev.line, ev.record_id, ev.field, ev.message)
    )


def import_field_set_aside(r: Rows, ev: Any) -> None:
    r.put(
        "siecle_set_asides",
        {
            "import_id": _import(r, ev)["import_id"],
            "record_id": ev.record_id,
            "field": ev.field,
            "reason": ev.reason,
            "file": ev.file,
            "line": ev.line,
            "message": ev.message,
        },
    )


def import_rejected(r: Rows, ev: Any) -> None:
    _import(r, ev).update(
        status="rejected",
        reason=ev.reason,
        message=ev.message,
        line=ev.line,
        duplicate_of=ev.duplicate_of,
        finished_at=iso(ev.at),
    )


def import_held(r: Rows, ev: Any) -> None:
    _import(r, ev).update(status="held", reason=ev.reason, message=ev.message)


def import_released(r: Rows, ev: Any) -> None:
    _import(r, ev).update(status="received", reason="", message="")


def import_applying(r: Rows, ev: Any) -> None:
    _import(r, ev)["status"] = "applying"


def import_applied(r: Rows, ev: Any) -> None:
    _import(r, ev).update(status="applied", finished_at=iso(ev.at), counts=_dumps(ev.counts))


def _record(r: Rows, uai: str, kind: str, key: str, aggregate_id: str, digest: str, present: bool) -> None:
    r.put(
        "siecle_records",
        {
            "uai": uai,
            "kind": kind,
            "key": key,
            "aggregate_id": aggregate_id,
            "digest": digest,
            "present": int(present),
        },
    )


def _student(r: Rows, ev: Any) -> dict:
    return r.need("siecle_students", (str(ev.originator_id),))


def student_enrolled(r: Rows, ev: Any) -> None:
    sid = str(ev.originator_id)
    row = {
        "student_id": sid,
        "uai": ev.uai,
        "eleve_id": ev.eleve_id,
        "leaving_status": "",
        "enrolled": 1,
        "first_seen": iso(ev.at),
        "last_import": ev.import_id,
    }
    _student_columns(row, seen(ev, ev.attrs))
    r.put("siecle_students", row)
    _record(r, ev.uai, "student", ev.eleve_id, sid, ev.digest, True)


def _student_update(r: Rows, ev: Any, attrs: dict, enrolled: bool) -> dict:
    row = _student(r, ev)
    _student_columns(row, attrs)
    row.update(enrolled=int(enrolled), last_import=ev.import_id)
    digest = getattr(ev, "digest", None)
    if digest is None:  # Unenrolled: the digest stays, presence goes
        digest = r.need("siecle_records", (row["uai"], "student", row["eleve_id"]))["digest"]
    _record(r, row["uai"], "student", row["eleve_id"], row["student_id"], digest, enrolled)
    return row


def student_changed(r: Rows, ev: Any) -> None:
    attrs = json.loads(_student(r, ev)["attrs"])
    attrs.update({name: change.get("after") for name, change in ev.changes.items()})  # erased: {}
    _student_update(r, ev, seen(ev, attrs), True)


def student_reenrolled(r: Rows, ev: Any) -> None:
    old = json.loads(_student(r, ev)["attrs"])
    attrs = {**ev.attrs, "left_on": old.get("left_on", ""), "leaving_reason": old.get("leaving_reason", "")}
    _student_update(r, ev, seen(ev, attrs), True)


def student_unenrolled(r: Rows, ev: Any) -> None:
    _student_update(r, ev, json.loads(_student(r, ev)["attrs"]), False)


def leaving_set(r: Rows, ev: Any) -> None:
    row = _student(r, ev)
    attrs = {**json.loads(row["attrs"]), "left_on": ev.left_on, "leaving_reason": ev.reason}
    _student_update(r, ev, attrs, bool(row["enrolled"]))["leaving_status"] = ev.status


def leaving_cleared(r: Rows, ev: Any) -> None:
    row = _student(r, ev)
    attrs = {**json.loads(row["attrs"]), "left_on": "", "leaving_reason": ""}
    _student_update(r, ev, attrs, bool(row["enrolled"]))["leaving_status"] = ""


def _links_digest(r: Rows, row: dict, ev: Any) -> None:
    _record(r, row["uai"], "links", row["eleve_id"], row["student_id"], ev.links_digest, bool(ev.links_digest))


def linked(r: Rows, ev: Any) -> None:
    row = _student(r, ev)
    r.put(
        "siecle_links",
        {
            "uai": row["uai"],
            "eleve_id": row["eleve_id"],
            "personne_id": ev.personne_id,
            "level": ev.level,
            "kinship": ev.kinship,
            "pays_fees": int(ev.pays_fees),
            "priority_contact": int(ev.priority_contact),
        },
    )
    _links_digest(r, row, ev)


def link_changed(r: Rows, ev: Any) -> None:
    row = _student(r, ev)
    link = r.need("siecle_links", (row["uai"], row["eleve_id"], ev.personne_id))
    for name, change in ev.changes.items():
        link[name] = int(change["after"]) if name in ("pays_fees", "priority_contact") else change["after"]
    _links_digest(r, row, ev)


def unlinked(r: Rows, ev: Any) -> None:
    row = _student(r, ev)
    r.delete("siecle_links", (row["uai"], row["eleve_id"], ev.personne_id))
    _links_digest(r, row, ev)


def _guardian_row(r: Rows, ev: Any, attrs: dict, present: bool) -> dict:
    gid = str(ev.originator_id)
    row = r.get("siecle_guardians", (gid,)) or {
        "guardian_id": gid,
        "uai": ev.uai,
        "personne_id": ev.personne_id,
        "first_seen": iso(ev.at),
    }
    row.update(
        family_name=attrs.get("family_name", ""),
        given_name=attrs.get("given_name", ""),
        present=int(present),
        last_import=ev.import_id,
        attrs=_dumps(attrs),
    )
    r.put("siecle_guardians", row)
    digest = getattr(ev, "digest", None)
    if digest is None:
        digest = r.need("siecle_records", (row["uai"], "guardian", row["personne_id"]))["digest"]
    _record(r, row["uai"], "guardian", row["personne_id"], gid, digest, present)
    return row


def guardian_appeared(r: Rows, ev: Any) -> None:
    _guardian_row(r, ev, seen(ev, ev.attrs), True)


def guardian_changed(r: Rows, ev: Any) -> None:
    attrs = json.loads(r.need("siecle_guardians", (str(ev.originator_id),))["attrs"])
    attrs.update({name: change.get("after") for name, change in ev.changes.items()})  # erased: {}
    _guardian_row(r, ev, seen(ev, attrs), True)


def guardian_reappeared(r: Rows, ev: Any) -> None:
    _guardian_row(r, ev, seen(ev, ev.attrs), True)


def guardian_withdrawn(r: Rows, ev: Any) -> None:
    _guardian_row(r, ev, json.loads(r.need("siecle_guardians", (str(ev.originator_id),))["attrs"]), False)


def account_link(kind: str) -> Callable[[Rows, Any], None]:
    table, key = ("siecle_students", "eleve_id") if kind == "student" else ("siecle_guardians", "personne_id")

    def handler(r: Rows, ev: Any) -> None:
        aid = str(ev.originator_id)
        row = r.need(table, (aid,))
        linked = bool(getattr(ev, "account_id", ""))
        r.put(
            "siecle_account_links",
            {
                "aggregate_id": aid,
                "uai": row["uai"],
                "kind": kind,
                "key": row[key],
                "status": "linked" if linked else "unresolved",
                "account_id": getattr(ev, "account_id", ""),
                "jointure": getattr(ev, "jointure", ""),
                "rule": ev.rule,
                "reason": getattr(ev, "reason", ""),
                "at": iso(ev.at),
            },
        )

    return handler
