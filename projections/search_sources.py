"""What the console's search (issue 16) finds beyond the accounts' current
names: the accounts whose record was retyped for another person (their
overwrites, whose former names the log holds), the students and guardians
SIECLE knows in the caller's establishments, and the records rejected under
an exact key. Bounded reads: the overwritten accounts are few; the SIECLE
names are narrowed in SQL by a pattern of the query's longest word before
being compared in Python (projections/name_match.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from events.anomaly import anomaly_id
from projections.account_queries import within_clause
from projections.clauses import placeholders
from projections.db import Database
from projections.name_match import like_pattern

SIECLE_LIMIT = 200  # candidates compared; a query this common is to be made precise
KINDS = {"student": ("siecle_students", "student_id", "eleve_id"), "guardian": ("siecle_guardians", "guardian_id", "personne_id")}  # fmt: skip


@dataclass(frozen=True)
class Overwritten:
    """An account of an overwrite anomaly: the fact holding its former identity."""

    account_id: str
    source: str  # aaf | siecle
    stream_id: str  # the account's stream (aaf) or the SIECLE record's
    version: int
    anomaly: str  # its id (events/anomaly.anomaly_id for the AAF's)
    decision: str  # open | confirmed | dismissed


def overwritten(db: Database, scope: frozenset[str] | None) -> list[Overwritten]:
    """The overwrites of the accounts of the caller's establishments (of
    the record's establishment, for SIECLE's), oldest first, with their decision."""
    where, params = "", []
    if scope is not None:
        clause, params = within_clause(db, sorted(scope) or [""])
        where = f"WHERE {clause}"
    found = [
        Overwritten(r[0], "aaf", r[0], int(r[1]), str(anomaly_id(r[0], int(r[1]))), "")
        for r in db.query(f"SELECT account_id, version FROM overwrites {where} ORDER BY at", params)
    ]
    if db.table_exists("siecle_anomalies"):
        where, params = "kind = 'suspected_overwrite' AND account_id <> ''", []
        if scope is not None:
            where += f" AND uai IN ({placeholders(sorted(scope) or [''])})"
            params = sorted(scope) or [""]
        found += [
            Overwritten(r[0], "siecle", r[1], int(r[2]), r[3], "")
            for r in db.query(
                f"SELECT account_id, aggregate_id, version, anomaly_id FROM siecle_anomalies WHERE {where} ORDER BY at",
                params,
            )
        ]
    decided = _decisions(db, [o.anomaly for o in found])
    return [replace(o, decision=decided.get(o.anomaly, "open")) for o in found]


def _decisions(db: Database, anomaly_ids: list[str]) -> dict[str, str]:
    if not anomaly_ids:
        return {}
    return dict(
        db.query(
            f"SELECT anomaly_id, status FROM anomaly_reviews WHERE anomaly_id IN ({placeholders(anomaly_ids)})",
            anomaly_ids,
        )
    )


def siecle_persons(db: Database, wanted: list[str], scope: frozenset[str] | None) -> list[dict]:
    """The SIECLE students and guardians of the caller's establishments whose
    names may hold every word (a superset: the caller compares them), each
    with the account it is linked to ("" for none)."""
    if not wanted or not db.table_exists("siecle_students"):
        return []
    pattern = like_pattern(max(wanted, key=len))
    out = []
    for kind, (table, id_column, key_column) in KINDS.items():
        where, params = "LOWER(p.family_name || ' ' || p.given_name) LIKE ?", [pattern]
        if scope is not None:
            where += f" AND p.uai IN ({placeholders(sorted(scope) or [''])})"
            params += sorted(scope) or [""]
        out += [
            {**r, "kind": kind}
            for r in db.query_dicts(
                f"SELECT p.{id_column} AS id, p.uai, p.{key_column} AS key, p.family_name, p.given_name, "
                "COALESCE(l.account_id, '') AS account_id FROM "
                f"{table} p LEFT JOIN siecle_account_links l ON l.aggregate_id = p.{id_column} "
                f"AND l.status = 'linked' WHERE {where} "
                f"ORDER BY p.family_name, p.given_name LIMIT {SIECLE_LIMIT}",
                params,
            )
        ]
    return out


def rejected(db: Database, key: str, scope: frozenset[str] | None) -> list[dict]:
    """The records rejected under ``key`` (a jointure, an ELEVE_ID or
    PERSONNE_ID), oldest first: SIECLE's of the caller's establishments; the
    AAF's (académie-wide) for operators, and for the others when ``key`` is
    the jointure of an account of theirs."""
    out = []
    if scope is None or _ours(db, key, scope):
        out += db.query_dicts(
            "SELECT 'aaf' AS source, r.delivery_id AS origin, d.received_at AS at, '' AS uai, r.file, r.line, "
            "r.record_id, r.field, r.reason, r.message FROM rejections r "
            "LEFT JOIN deliveries d ON d.delivery_id = r.delivery_id WHERE r.record_id = ?",
            (key,),
        )
    if db.table_exists("siecle_rejections"):
        where, params = "r.record_id = ?", [key]
        if scope is not None:
            where += f" AND i.uai IN ({placeholders(sorted(scope) or [''])})"
            params += sorted(scope) or [""]
        out += db.query_dicts(
            "SELECT 'siecle' AS source, r.import_id AS origin, i.received_at AS at, i.uai, r.file, r.line, "
            "r.record_id, r.field, r.reason, r.message FROM siecle_rejections r "
            f"JOIN siecle_imports i ON i.import_id = r.import_id WHERE {where}",
            params,
        )
    return sorted(out, key=lambda r: (r["at"] or "", r["origin"], r["line"]))


def _ours(db: Database, key: str, scope: frozenset[str]) -> bool:
    clause, params = within_clause(db, sorted(scope) or [""])
    return bool(db.query(f"SELECT 1 FROM accounts WHERE jointure = ? AND {clause}", [key, *params]))


def account_rejections(db: Database, jointure: str, account_id: str) -> list[dict]:
    """The records rejected under the jointure of an account the caller may
    see, and under the SIECLE ids of the records linked to it, oldest first."""
    found = rejected(db, jointure, None)
    if db.table_exists("siecle_account_links"):
        for uai, key in db.query(
            "SELECT uai, key FROM siecle_account_links WHERE account_id = ? AND status = 'linked'", (account_id,)
        ):
            found += [r for r in rejected(db, key, frozenset({uai})) if r["source"] == "siecle" and key != jointure]
    return sorted(found, key=lambda r: (r["at"] or "", r["origin"], r["line"]))
