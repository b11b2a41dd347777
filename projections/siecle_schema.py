"""The SIECLE read model's tables (projections/siecle.py folds the log into
them): imports, students, guardians, student↔guardian links, correlations
to accounts and the per-record digests that let the next export record only
changes; every column NOT NULL except those marked NULL."""

from __future__ import annotations

from projections.db import Database
from projections.schema import TRACKING, create_tables

# The SIECLE projection's row in the shared tracking table.
NAME = "siecle"

# name → (columns, primary key)
SCHEMA: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    "siecle_imports": (
        [
            ("import_id", "TEXT"),
            ("sha256", "TEXT"),
            ("receipt", "INTEGER"),
            ("source", "TEXT"),
            ("file", "TEXT"),
            ("size", "BIGINT"),
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("school_year", "INTEGER"),
            ("exported_on", "TEXT"),
            ("exported_at", "TEXT"),
            ("received_at", "TEXT"),
            ("status", "TEXT"),
            ("reason", "TEXT"),
            ("message", "TEXT"),
            ("line", "INTEGER"),
            ("duplicate_of", "TEXT"),
            ("finished_at", "TEXT NULL"),
            ("rejected_records", "INTEGER"),
            ("counts", "TEXT"),
        ],
        ["import_id"],
    ),
    "siecle_rejections": (
        [
            ("import_id", "TEXT"),
            ("seq", "INTEGER"),
            ("reason", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("record_id", "TEXT"),
            ("field", "TEXT"),
            ("message", "TEXT"),
        ],
        ["import_id", "seq"],
    ),
    # Fields of kept records set aside for an implausible value (domain-rules §12), per import.
    "siecle_set_asides": (
        [
            ("import_id", "TEXT"),
            ("record_id", "TEXT"),
            ("field", "TEXT"),
            ("reason", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("message", "TEXT"),
        ],
        ["import_id", "record_id", "field"],
    ),
    # Change detection: kind student | guardian | links (a student's link set).
    "siecle_records": (
        [
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("key", "TEXT"),
            ("aggregate_id", "TEXT"),
            ("digest", "TEXT"),
            ("present", "INTEGER"),
        ],
        ["uai", "kind", "key"],
    ),
    "siecle_students": (
        [
            ("student_id", "TEXT"),
            ("uai", "TEXT"),
            ("eleve_id", "TEXT"),
            ("ine", "TEXT"),
            ("family_name", "TEXT"),
            ("given_name", "TEXT"),
            ("birth_date", "TEXT"),
            ("division", "TEXT"),
            ("groups", "TEXT"),
            ("mef", "TEXT"),
            ("entered_on", "TEXT"),
            ("left_on", "TEXT"),
            ("leaving_status", "TEXT"),
            ("enrolled", "INTEGER"),
            ("first_seen", "TEXT"),
            ("last_import", "TEXT"),
            ("attrs", "TEXT"),
        ],
        ["student_id"],
    ),
    "siecle_guardians": (
        [
            ("guardian_id", "TEXT"),
            ("uai", "TEXT"),
            ("personne_id", "TEXT"),
            ("family_name", "TEXT"),
            ("given_name", "TEXT"),
            ("present", "INTEGER"),
            ("first_seen", "TEXT"),
            ("last_import", "TEXT"),
            ("attrs", "TEXT"),
        ],
        ["guardian_id"],
    ),
    "siecle_links": (
        [
            ("uai", "TEXT"),
            ("eleve_id", "TEXT"),
            ("personne_id", "TEXT"),
            ("level", "INTEGER"),
            ("kinship", "TEXT"),
            ("pays_fees", "INTEGER"),
            ("priority_contact", "INTEGER"),
        ],
        ["uai", "eleve_id", "personne_id"],
    ),
    # kind student | guardian; status linked | unresolved.
    "siecle_account_links": (
        [
            ("aggregate_id", "TEXT"),
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("key", "TEXT"),
            ("status", "TEXT"),
            ("account_id", "TEXT"),
            ("jointure", "TEXT"),
            ("rule", "TEXT"),
            ("reason", "TEXT"),
            ("at", "TEXT"),
        ],
        ["aggregate_id"],
    ),
    # Anomalies SIECLE facts record (domain-rules §5): kind suspected_overwrite | guardians_swapped;
    # record_kind student | guardian, key its ELEVE_ID or PERSONNE_ID; others the swapped PERSONNE_IDs.
    "siecle_anomalies": (
        [
            ("anomaly_id", "TEXT"),
            ("kind", "TEXT"),
            ("aggregate_id", "TEXT"),
            ("version", "INTEGER"),
            ("uai", "TEXT"),
            ("record_kind", "TEXT"),
            ("key", "TEXT"),
            ("others", "TEXT"),
            ("account_id", "TEXT"),
            ("score", "REAL"),
            ("reasons", "TEXT"),
            ("import_id", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("at", "TEXT"),
        ],
        ["anomaly_id"],
    ),
}
TABLES = list(SCHEMA)
COLUMNS = {name: [c for c, _ in cols] for name, (cols, _) in SCHEMA.items()}
PRIMARY_KEYS = {name: pk for name, (_, pk) in SCHEMA.items()}
INDEXES = {
    "siecle_imports": ["sha256", "uai"],
    "siecle_students": ["uai"],
    "siecle_guardians": ["uai"],
    "siecle_account_links": ["uai", "account_id"],
}


def create(db: Database, prefix: str = "") -> None:
    create_tables(db, SCHEMA, INDEXES, prefix)


def drop(db: Database, prefix: str) -> None:
    """Drop the SIECLE tables under ``prefix`` and its tracking row (never the
    shared tracking table: other read models keep their position there)."""
    with db.transaction():
        for name in TABLES:
            db.execute(f"DROP TABLE IF EXISTS {prefix}{name}")
        if db.table_exists(f"{prefix}{TRACKING}"):
            db.execute(f"DELETE FROM {prefix}{TRACKING} WHERE name = ?", (NAME,))
