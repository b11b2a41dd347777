"""Tables of the read model. Every table is derived from the event log only,
so a rebuild under another prefix must equal the live tables row by row."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import overload

from projections.db import Database

# name → (columns with their SQL types, primary key)
SCHEMA: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    # Change-detection index: one row per source record (digest, presence).
    "records": (
        [
            ("key", "TEXT"),
            ("category", "TEXT"),
            ("aggregate_id", "TEXT"),
            ("jointure", "TEXT"),
            ("digest", "TEXT"),
            ("present", "INTEGER"),
        ],
        ["key"],
    ),
    "accounts": (
        [
            ("account_id", "TEXT"),
            ("jointure", "TEXT"),
            ("category", "TEXT"),
            ("profile", "TEXT"),
            ("function", "TEXT"),
            ("state", "TEXT"),
            ("login", "TEXT"),
            ("first_seen", "TEXT"),
            ("creation_due", "TEXT"),
            ("created_at", "TEXT NULL"),
            ("departed_at", "TEXT NULL"),
            ("removal_due", "TEXT NULL"),
            ("removal_provisional", "INTEGER"),
            ("removed_at", "TEXT NULL"),
            ("state_reason", "TEXT"),
            ("couple_flag", "INTEGER"),
            ("identity", "TEXT"),
            ("last_delivery", "TEXT"),
            ("attrs", "TEXT"),
        ],
        ["account_id"],
    ),
    "account_structures": ([("account_id", "TEXT"), ("structure", "TEXT")], ["account_id", "structure"]),
    # The blocks suspected duplicates are looked for in (projections/duplicate_candidates.py):
    # normalised family name, and the given name's first letters with the birth year.
    "duplicate_keys": (
        [("account_id", "TEXT"), ("category", "TEXT"), ("family_key", "TEXT"), ("given_birth_key", "TEXT")],
        ["account_id"],
    ),
    "memberships": (
        [("account_id", "TEXT"), ("structure", "TEXT"), ("kind", "TEXT"), ("code", "TEXT")],
        ["account_id", "structure", "kind", "code"],
    ),
    "guardian_links": (
        [("student_id", "TEXT"), ("guardian_jointure", "TEXT"), ("resp_legal", "TEXT"), ("lien", "TEXT")],
        ["student_id", "guardian_jointure"],
    ),
    "structures": (
        [
            ("jointure", "TEXT"),
            ("uai", "TEXT"),
            ("name", "TEXT"),
            ("type", "TEXT"),
            ("contract", "TEXT"),
            ("present", "INTEGER"),
            ("classes", "TEXT"),
            ("groups", "TEXT"),
        ],
        ["jointure"],
    ),
    "nomenclatures": (
        [("category", "TEXT"), ("jointure", "TEXT"), ("label", "TEXT"), ("present", "INTEGER")],
        ["category", "jointure"],
    ),
    # A reserved login by its stream id's hex (events/login.py: keyed, or the
    # uuid5 of an earlier release): after an erasure the key is what is left
    # of it, and it keeps the login reserved; ``login`` serves the live lookups.
    "logins": (
        [("login_key", "TEXT"), ("login", "TEXT"), ("account_id", "TEXT"), ("reserved_at", "TEXT")],
        ["login_key"],
    ),
    "deliveries": (
        [
            ("delivery_id", "TEXT"),
            ("fingerprint", "TEXT"),
            ("source", "TEXT"),
            ("kind", "TEXT"),
            ("date", "TEXT"),
            ("prefix", "TEXT"),
            ("status", "TEXT"),
            ("received_at", "TEXT"),
            ("finished_at", "TEXT NULL"),
            ("reason", "TEXT"),
            ("details", "TEXT"),
            ("rejected_records", "INTEGER"),
            ("counts", "TEXT"),
        ],
        ["delivery_id"],
    ),
    "rejections": (
        [
            ("delivery_id", "TEXT"),
            ("seq", "INTEGER"),
            ("reason", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("record_id", "TEXT"),
            ("field", "TEXT"),
            ("message", "TEXT"),
        ],
        ["delivery_id", "seq"],
    ),
    "meta": ([("key", "TEXT"), ("value", "TEXT")], ["key"]),
    # The erasures recorded (issue 17): who is no longer due, without a look in the log.
    "erasures": (
        [
            ("account_id", "TEXT"),
            ("jointure", "TEXT"),
            ("erased_at", "TEXT"),
            ("removed_at", "TEXT"),
            ("keys", "INTEGER"),
            ("subjects", "INTEGER"),
        ],
        ["account_id"],
    ),
    # The deliveries and imports whose details were erased (issue 17): no longer due.
    "details_erasures": (
        [
            ("stream_id", "TEXT"),
            ("kind", "TEXT"),
            ("received_at", "TEXT"),
            ("erased_at", "TEXT"),
            ("keys", "INTEGER"),
        ],
        ["stream_id"],
    ),
    # Departures declared from a SIECLE leaving date, and whether they were cancelled (domain-rules §11).
    "departure_declarations": (
        [
            ("account_id", "TEXT"),
            ("left_on", "TEXT"),
            ("source_id", "TEXT"),
            ("status", "TEXT"),
            ("reason", "TEXT"),
            ("at", "TEXT"),
        ],
        ["account_id", "left_on"],
    ),
    # Where each establishment's groups get their members (domain-rules §2; default SIECLE).
    "group_sources": (
        [("stream_id", "TEXT"), ("uai", "TEXT"), ("source", "TEXT"), ("operator", "TEXT"), ("at", "TEXT")],
        ["stream_id"],
    ),
    # Accounts merged into another while the merge holds (events/merge.py, issue 14): the read
    # queries fold the absorbed account into its survivor; an unmerge deletes the row.
    "account_merges": (
        [
            ("absorbed_id", "TEXT"),
            ("survivor_id", "TEXT"),
            ("alias", "TEXT"),
            ("decisions", "TEXT"),
            ("author", "TEXT"),
            ("reason", "TEXT"),
            ("at", "TEXT"),
        ],
        ["absorbed_id"],
    ),
    # Free groups created by hand (events/manual_groups.py): no import writes these two tables.
    "manual_groups": (
        [("uai", "TEXT"), ("code", "TEXT"), ("name", "TEXT"), ("author", "TEXT"), ("at", "TEXT")],
        ["uai", "code"],
    ),
    # Members assigned by hand to a free group, a class or a group (kind free | class | group).
    "manual_memberships": (
        [
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("code", "TEXT"),
            ("account_id", "TEXT"),
            ("author", "TEXT"),
            ("at", "TEXT"),
        ],
        ["uai", "kind", "code", "account_id"],
    ),
    # Fields of an account's current record set aside for an implausible value (domain-rules §12).
    "set_aside_fields": (
        [
            ("account_id", "TEXT"),
            ("field", "TEXT"),
            ("reason", "TEXT"),
            ("delivery_id", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("at", "TEXT"),
        ],
        ["account_id", "field"],
    ),
    # What each delivery set aside, as recorded when it was read (like the rejections).
    "delivery_set_asides": (
        [
            ("delivery_id", "TEXT"),
            ("record_id", "TEXT"),
            ("field", "TEXT"),
            ("reason", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("message", "TEXT"),
        ],
        ["delivery_id", "record_id", "field"],
    ),
    # Operators' decisions on anomalies (events/anomaly.py): status open, confirmed or dismissed.
    "anomaly_reviews": (
        [
            ("anomaly_id", "TEXT"),
            ("kind", "TEXT"),
            ("subject", "TEXT"),
            ("status", "TEXT"),
            ("author", "TEXT"),
            ("reason", "TEXT"),
            ("opened_at", "TEXT"),
            ("decided_at", "TEXT NULL"),
        ],
        ["anomaly_id"],
    ),
    # Records retyped for another person (domain-rules §5), for operators to confirm.
    "overwrites": (
        [
            ("account_id", "TEXT"),
            ("version", "INTEGER"),
            ("delivery_id", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("at", "TEXT"),
        ],
        ["account_id", "version"],
    ),
    # Guardian accounts of one student exchanging identities in one AAF delivery
    # (Delivery.GuardiansSwapped, projections/directory_swaps.py); jointures comma-separated.
    "guardian_swaps": (
        [
            ("anomaly_id", "TEXT"),
            ("delivery_id", "TEXT"),
            ("version", "INTEGER"),
            ("jointures", "TEXT"),
            ("child", "TEXT"),
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


def _ddl(cols: list[tuple[str, str]], pk: list[str]) -> str:
    defs = [f"{c} {t.replace(' NULL', '')}{'' if t.endswith('NULL') else ' NOT NULL'}" for c, t in cols]
    return ", ".join([*defs, f"PRIMARY KEY ({', '.join(pk)})"])


INDEXES = {
    "records": ["category", "aggregate_id"],
    "accounts": ["jointure", "state", "login", "identity"],
    "logins": ["login", "account_id"],
    "account_structures": ["structure"],
    "duplicate_keys": ["family_key", "given_birth_key"],
    "guardian_links": ["guardian_jointure"],
    "structures": ["uai"],
}

# Tracking is the projection's position in the log, not derived data.
TRACKING = "tracking"


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: None) -> None: ...
@overload
def iso(dt: datetime | None) -> str | None: ...
def iso(dt: datetime | None) -> str | None:
    """A time as the read models store it: ISO 8601 text in UTC, which sorts
    and compares as text alike on SQLite and PostgreSQL."""
    return None if dt is None else dt.astimezone(timezone.utc).isoformat()


def create_tables(db: Database, schema: dict, indexes: dict[str, list[str]], prefix: str = "") -> None:
    """A read model's tables (name → (columns with SQL types, primary key)),
    their one-column indexes, and the tracking table all read models share."""
    with db.transaction():
        for name, (cols, pk) in schema.items():
            db.execute(f"CREATE TABLE IF NOT EXISTS {prefix}{name} ({_ddl(cols, pk)})")
        for name, cols in indexes.items():
            for col in cols:
                db.execute(f"CREATE INDEX IF NOT EXISTS {prefix}{name}_{col} ON {prefix}{name} ({col})")
        db.execute(f"CREATE TABLE IF NOT EXISTS {prefix}{TRACKING} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)")


def create(db: Database, prefix: str = "") -> None:
    create_tables(db, SCHEMA, INDEXES, prefix)


def drop(db: Database, prefix: str) -> None:
    with db.transaction():
        for name in [*TABLES, TRACKING]:
            db.execute(f"DROP TABLE IF EXISTS {prefix}{name}")


def dump(db: Database, prefix: str = "") -> dict[str, list[tuple]]:
    """Every row of every derived table, sorted: what a rebuild must reproduce."""
    out = {}
    for name in TABLES:
        rows = db.query(f"SELECT * FROM {prefix}{name}")
        out[name] = sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
    return out
