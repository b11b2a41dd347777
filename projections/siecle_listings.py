"""The read side of SIECLE: the history of imports, the fields set aside by
the current exports, the records not linked to an account, and the digests
of an establishment's records the next import compares with."""

from __future__ import annotations

import json

from events.siecle_rules import KnownRecord
from projections.clauses import scoped
from projections.db import Database


def imports(db: Database, uai: str | None = None, prefix: str = "", scope: frozenset[str] | None = None) -> list[dict]:
    """The history of SIECLE imports, latest first; with a ``scope`` (an API
    caller's UAIs), only those of its establishments."""
    where, params = scoped(uai, scope)
    rows = db.query_dicts(
        f"SELECT import_id, received_at, status, reason, uai, kind, file, exported_on, "
        f"rejected_records, counts, duplicate_of, message FROM {prefix}siecle_imports{where} "
        f"ORDER BY received_at DESC, import_id",
        params,
    )
    for row in rows:
        row["counts"] = json.loads(row["counts"])
    return rows


def set_asides(db: Database, uai: str | None = None, prefix: str = "") -> list[dict]:
    """The fields set aside (domain-rules §12) by the latest applied export
    of each establishment and kind: an export is a snapshot, so these are
    the current ones. SIECLE keys and fields, never values."""
    where, params = ("AND i.uai = ?", (uai,)) if uai else ("", ())
    rows = db.query_dicts(
        f"SELECT i.uai, i.kind, i.import_id, i.received_at, s.record_id, s.field, s.reason, s.file, s.line "
        f"FROM {prefix}siecle_set_asides s JOIN {prefix}siecle_imports i ON i.import_id = s.import_id "
        f"WHERE i.status = 'applied' {where} ORDER BY i.uai, i.kind, s.line, s.record_id, s.field",
        params,
    )
    latest: dict[tuple[str, str], str] = {}
    for uai_, kind, import_id, _received_at in db.query(
        f"SELECT uai, kind, import_id, received_at FROM {prefix}siecle_imports WHERE status = 'applied' "
        f"ORDER BY received_at, import_id"
    ):
        latest[(uai_, kind)] = import_id
    out = [r for r in rows if latest.get((r["uai"], r["kind"])) == r["import_id"]]
    for r in out:
        del r["received_at"]
    return out


def unresolved(db: Database, uai: str | None = None, prefix: str = "") -> list[dict]:
    """SIECLE records not linked to an account (domain-rules §11: listed, never
    guessed): only students enrolled and persons present. No names: the SIECLE
    key tells the operator which record."""
    where, params = ("AND l.uai = ?", (uai,)) if uai else ("", ())
    students = db.query_dicts(
        f"SELECT l.uai, l.kind, l.key, l.reason, l.rule, l.at FROM {prefix}siecle_account_links l "
        f"JOIN {prefix}siecle_students s ON s.student_id = l.aggregate_id "
        f"WHERE l.status = 'unresolved' AND s.enrolled = 1 {where}",
        params,
    )
    guardians = db.query_dicts(
        f"SELECT l.uai, l.kind, l.key, l.reason, l.rule, l.at FROM {prefix}siecle_account_links l "
        f"JOIN {prefix}siecle_guardians g ON g.guardian_id = l.aggregate_id "
        f"WHERE l.status = 'unresolved' AND g.present = 1 {where}",
        params,
    )
    return sorted(students + guardians, key=lambda r: (r["uai"], r["kind"], r["key"]))


def index(db: Database, uai: str, kind: str, prefix: str = "") -> dict[str, KnownRecord]:
    """key → what the read model holds of one establishment's records of ``kind``."""
    return {
        key: KnownRecord(digest, bool(present))
        for key, digest, present in db.query(
            f"SELECT key, digest, present FROM {prefix}siecle_records WHERE uai = ? AND kind = ?", (uai, kind)
        )
    }
