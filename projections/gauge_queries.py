"""What the Prometheus gauges read from the read models at scrape time
(daemon/observability/readings.py turns the answers into gauge values).
Counts and instants only: no person is named."""

from __future__ import annotations

from projections.db import Database


def accounts_by_profile_and_state(db: Database) -> list[tuple[str, str, int]]:
    return [
        (p, s, int(n)) for p, s, n in db.query("SELECT profile, state, COUNT(*) FROM accounts GROUP BY profile, state")
    ]


def pending_creations(db: Database) -> int:
    return int(db.scalar("SELECT COUNT(*) FROM accounts WHERE state = 'pending'") or 0)


def pending_due_before(db: Database, before_iso: str) -> list[str]:
    """Jointures of pending accounts whose creation was due before ``before_iso``
    (ISO strings in UTC compare in time order)."""
    return [
        j
        for (j,) in db.query(
            "SELECT jointure FROM accounts WHERE state = 'pending' AND creation_due < ?", (before_iso,)
        )
    ]


def departing_due_before(db: Database, before_iso: str) -> int:
    return int(
        db.scalar("SELECT COUNT(*) FROM accounts WHERE state = 'departing' AND removal_due < ?", (before_iso,)) or 0
    )


def deliveries_in(db: Database, status: str) -> int:
    return int(db.scalar("SELECT COUNT(*) FROM deliveries WHERE status = ?", (status,)) or 0)


def siecle_imports_held(db: Database) -> int:
    return int(db.scalar("SELECT COUNT(*) FROM siecle_imports WHERE status = 'held'") or 0)


def last_applied_delivery(db: Database) -> str | None:
    return db.scalar("SELECT MAX(finished_at) FROM deliveries WHERE status = 'applied'")


def last_applied_imports(db: Database) -> list[tuple[str, str | None]]:
    """(source, finished at) of the last applied timetable or STS-web import of each source."""
    return list(db.query("SELECT source, MAX(finished_at) FROM imports WHERE status = 'applied' GROUP BY source"))


def imports_awaiting_validation(db: Database) -> list[tuple[str, int]]:
    return [
        (source, int(n))
        for source, n in db.query(
            "SELECT source, COUNT(*) FROM imports WHERE status = 'awaiting_validation' GROUP BY source"
        )
    ]


def last_applied_siecle_import(db: Database) -> str | None:
    return db.scalar("SELECT MAX(finished_at) FROM siecle_imports WHERE status = 'applied'")


def purge_hold_value(db: Database) -> str | None:
    return db.scalar("SELECT value FROM meta WHERE key = 'purge_hold'")


def structure_uais(db: Database) -> list[str]:
    return [u for (u,) in db.query("SELECT DISTINCT uai FROM structures")]
