"""One person SIECLE knows (issue 16, the console's SIECLE page): the student
or guardian record of an establishment by its ELEVE_ID or PERSONNE_ID, its
link to an account (or why there is none), the guardians or students it is
linked to, and the records rejected under its id in that establishment's
imports."""

from __future__ import annotations

import json

from projections.db import Database

TABLES = {"student": ("siecle_students", "student_id", "eleve_id"), "guardian": ("siecle_guardians", "guardian_id", "personne_id")}  # fmt: skip


def person(db: Database, uai: str, kind: str, key: str, identity: bool = False) -> dict | None:
    """The record with its ``link`` (a siecle_account_links row or None),
    ``related`` (the other side of its student↔guardian links, with their
    names and accounts) and ``rejections``; None when SIECLE has no such record.
    ``identity``: with the whole record (its ``attrs``, birth date and INE),
    as the person's own export gives it (daemon/history/person.py)."""
    if kind not in TABLES or not db.table_exists("siecle_students"):
        return None
    table, id_column, key_column = TABLES[kind]
    rows = db.query_dicts(
        f"SELECT *, {id_column} AS stream_id FROM {table} WHERE uai = ? AND {key_column} = ?", (uai, key)
    )
    if not rows:
        return None
    row = rows[0]
    if identity:
        row["attrs"] = json.loads(row.get("attrs") or "{}")
    else:
        row.pop("attrs", None)
        row.pop("birth_date", None)  # never shown: not needed to answer a ticket
        row.pop("ine", None)
    links = db.query_dicts(
        "SELECT status, account_id, jointure, rule, reason, at FROM siecle_account_links WHERE uai = ? AND kind = ? "
        "AND key = ?",
        (uai, kind, key),
    )
    row["link"] = links[0] if links else None
    other, other_table, other_key, mine, theirs = (  # the other side of the links
        ("guardian", "siecle_guardians", "personne_id", "eleve_id", "personne_id")
        if kind == "student"
        else ("student", "siecle_students", "eleve_id", "personne_id", "eleve_id")
    )
    row["related"] = db.query_dicts(
        f"SELECT k.{theirs} AS key, k.level, p.family_name, p.given_name, COALESCE(l.account_id, '') AS account_id "
        f"FROM siecle_links k LEFT JOIN {other_table} p ON p.uai = k.uai AND p.{other_key} = k.{theirs} "
        f"LEFT JOIN siecle_account_links l ON l.aggregate_id = p.{TABLES[other][1]} "
        f"AND l.status = 'linked' WHERE k.uai = ? AND k.{mine} = ? ORDER BY k.level, k.{theirs}",
        (uai, key),
    )
    row["related_kind"] = other
    row["rejections"] = db.query_dicts(
        "SELECT r.import_id, i.received_at AS at, r.file, r.line, r.field, r.reason, r.message FROM siecle_rejections r "
        "JOIN siecle_imports i ON i.import_id = r.import_id WHERE i.uai = ? AND r.record_id = ? "
        "ORDER BY i.received_at, r.line",
        (uai, key),
    )
    return row
