"""The timetable-imports read model's tables (projections/imports.py folds
the log into them): the imports with their reports, the matches of each,
those made by hand and remembered, the last applied timetable of each
establishment and source, and the groups it populates. Derived data only:
a store whose tables have another shape drops them and rebuilds them from
the log."""

from __future__ import annotations

import json
from typing import Any

from events.anomaly import anomaly_id
from projections.db import Database
from projections.schema import TRACKING, create_tables, iso

# The projection's row in the shared tracking table.
NAME = "imports"

SCHEMA: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    "imports": (
        [
            ("import_id", "TEXT"),
            ("uai", "TEXT"),
            ("source", "TEXT"),
            ("file", "TEXT"),
            ("sha256", "TEXT"),
            ("size", "BIGINT"),
            ("school_year", "INTEGER"),
            ("status", "TEXT"),
            ("reason", "TEXT"),
            ("message", "TEXT"),
            ("automatic", "INTEGER"),
            ("received_at", "TEXT"),
            ("finished_at", "TEXT NULL"),
            ("operator", "TEXT"),
            ("lifted", "TEXT"),
            ("summary", "TEXT"),
            ("counts", "TEXT"),
            ("report", "TEXT"),
            ("details", "TEXT"),
            ("record_rejections", "TEXT"),
            ("snapshot", "TEXT"),
            ("exported_at", "TEXT"),
            ("plan", "TEXT"),
            ("people", "TEXT"),
            ("not_imported", "TEXT"),
            ("share", "TEXT"),
        ],
        ["import_id"],
    ),
    "import_matches": (
        [
            ("import_id", "TEXT"),
            ("seq", "INTEGER"),
            ("kind", "TEXT"),
            ("ident", "TEXT"),
            ("code", "TEXT"),
            ("match_key", "TEXT"),
            ("match_by", "TEXT"),
            ("reason", "TEXT"),
            ("line", "INTEGER"),
            ("name", "TEXT"),
            ("candidates", "TEXT"),
        ],
        ["import_id", "seq"],
    ),
    # Matches made by hand on an import, and those remembered for the later
    # imports of the year once it was applied (keyed on ident and name).
    "import_hand_matches": (
        [
            ("import_id", "TEXT"),
            ("kind", "TEXT"),
            ("ident", "TEXT"),
            ("name", "TEXT"),
            ("match_key", "TEXT"),
            ("operator", "TEXT"),
            ("at", "TEXT"),
        ],
        ["import_id", "kind", "ident"],
    ),
    "remembered_matches": (
        [
            ("uai", "TEXT"),
            ("source", "TEXT"),
            ("school_year", "INTEGER"),
            ("kind", "TEXT"),
            ("ident", "TEXT"),
            ("name", "TEXT"),
            ("match_key", "TEXT"),
            ("import_id", "TEXT"),
        ],
        ["uai", "source", "school_year", "kind", "ident"],
    ),
    # The last applied timetable of each establishment and source: what the next import is compared with.
    "timetables": (
        [
            ("uai", "TEXT"),
            ("source", "TEXT"),
            ("import_id", "TEXT"),
            ("school_year", "INTEGER"),
            ("applied_at", "TEXT"),
            ("snapshot", "TEXT"),
        ],
        ["uai", "source"],
    ),
    # Groups (and classes) of the applied timetable and who is in them: kind class | student | teacher.
    "timetable_groups": (
        [("uai", "TEXT"), ("source", "TEXT"), ("code", "TEXT"), ("kind", "TEXT"), ("member", "TEXT")],
        ["uai", "source", "code", "kind", "member"],
    ),
    # STS-web suspected overwrites (events/sts_staff.py): ids, file and line only, never the names.
    "sts_anomalies": (
        [
            ("anomaly_id", "TEXT"),
            ("aggregate_id", "TEXT"),
            ("version", "INTEGER"),
            ("uai", "TEXT"),
            ("sts_id", "TEXT"),
            ("account_id", "TEXT"),
            ("jointure", "TEXT"),
            ("score", "REAL"),
            ("reasons", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("at", "TEXT"),
        ],
        ["anomaly_id"],
    ),
}
TABLES = list(SCHEMA)
INDEXES = {"imports": ["uai", "sha256"]}
# The shape of these tables: a store whose tables have another one drops
# and rebuilds them from the log (they are derived data only).
SCHEMA_VERSION = 3
SCHEMA_NAME = "imports.schema"


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sts_overwrite(db: Database, prefix: str, ev: Any) -> None:
    """An STS-web suspected overwrite (events/sts_staff.py), listed by projections/identity_anomaly_listing.py."""
    uai = db.scalar(f"SELECT uai FROM {prefix}imports WHERE import_id = ?", (str(ev.originator_id),))
    row = (
        str(anomaly_id(ev.originator_id, ev.originator_version)),
        str(ev.originator_id),
        ev.originator_version,
        uai or "",
        ev.sts_id,
        ev.account_id,
        ev.jointure,
        ev.score,
        ",".join(ev.reasons),
        ev.file,
        ev.line,
        iso(ev.at),
    )
    db.execute(f"INSERT INTO {prefix}sts_anomalies VALUES ({', '.join('?' * len(row))})", row)


def create(db: Database, prefix: str = "") -> None:
    """The tables under ``prefix``; those of an earlier shape are dropped first
    (the projection then rebuilds them from the log)."""
    if db.table_exists(f"{prefix}{TRACKING}") and db.table_exists(f"{prefix}imports"):
        version = db.scalar(f"SELECT position FROM {prefix}{TRACKING} WHERE name = ?", (SCHEMA_NAME,))
        if int(version or 1) != SCHEMA_VERSION:
            drop(db, prefix)
    create_tables(db, SCHEMA, INDEXES, prefix)
    with db.transaction():
        db.execute(
            f"INSERT INTO {prefix}{TRACKING} (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (SCHEMA_NAME, SCHEMA_VERSION),
        )


def drop(db: Database, prefix: str) -> None:
    """Drop this read model's tables under ``prefix`` (and its tracking row)."""
    with db.transaction():
        for name in TABLES:
            db.execute(f"DROP TABLE IF EXISTS {prefix}{name}")
        if db.table_exists(f"{prefix}{TRACKING}"):
            db.execute(f"DELETE FROM {prefix}{TRACKING} WHERE name IN (?, ?)", (NAME, SCHEMA_NAME))


def dump(db: Database, prefix: str = "") -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what a rebuild must reproduce."""
    return {
        name: sorted(
            db.query(f"SELECT * FROM {prefix}{name}"), key=lambda r: tuple("" if v is None else str(v) for v in r)
        )
        for name in TABLES
    }
