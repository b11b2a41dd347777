"""The key ring's tombstones carried across a restore (design-17 §1, §7): a
destroyed key keeps its row in ``keyring`` (secret NULL, destroyed_at set),
and a restored backup must not bring back a key destroyed since it was
taken — the person's data would read again.

Written against the table the design fixes, until the key ring's own port
(projections/keyring.py) is there to read and destroy through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from projections.db import Database

KEYRING = "keyring"
# The design's table (§1), for a store that has none yet: a backup taken
# before the key ring existed still receives the tombstones of the store it
# replaces.
KEYRING_DDL = (
    f"CREATE TABLE IF NOT EXISTS {KEYRING} (key_id TEXT PRIMARY KEY, subject TEXT NOT NULL, "
    "secret TEXT NULL, created_at TEXT NOT NULL, destroyed_at TEXT NULL)",
    f"CREATE INDEX IF NOT EXISTS {KEYRING}_subject ON {KEYRING} (subject)",
)


@dataclass(frozen=True)
class Tombstone:
    """A destroyed key: which, whose (a subject id, never a person's value), when."""

    key_id: str
    subject: str
    destroyed_at: str  # ISO 8601, as the key ring stored it

    def as_dict(self) -> dict[str, str]:
        return {"key_id": self.key_id, "subject": self.subject, "destroyed_at": self.destroyed_at}


@dataclass(frozen=True)
class Reapplied:
    destroyed: int  # keys live in this store, destroyed again
    recorded: int  # tombstones of keys this store never had, recorded so that a later restore carries them too
    already: int  # keys this store had destroyed already


def tombstones(db: Database) -> list[Tombstone]:
    """Every destroyed key of the store (none when it has no key ring)."""
    if not db.table_exists(KEYRING):
        return []
    rows = db.query(
        f"SELECT key_id, subject, destroyed_at FROM {KEYRING} WHERE destroyed_at IS NOT NULL ORDER BY key_id"
    )
    return [Tombstone(str(k), str(s), str(d)) for k, s, d in rows]


def destroy_again(db: Database, dead: Iterable[Tombstone]) -> Reapplied:
    """Destroy in this store every key of ``dead`` still live here, each
    with the time it was destroyed at first; a key this store never had
    gets its tombstone row."""
    dead = list(dead)
    with db.transaction():
        for statement in KEYRING_DDL:
            db.execute(statement)
        known = {str(k): d for k, d in db.query(f"SELECT key_id, destroyed_at FROM {KEYRING}")}
        live = [t for t in dead if t.key_id in known and known[t.key_id] is None]
        unknown = [t for t in dead if t.key_id not in known]
        db.executemany(
            f"UPDATE {KEYRING} SET secret = NULL, destroyed_at = ? WHERE key_id = ? AND destroyed_at IS NULL",
            [(t.destroyed_at, t.key_id) for t in live],
        )
        db.executemany(
            f"INSERT INTO {KEYRING} (key_id, subject, secret, created_at, destroyed_at) VALUES (?, ?, NULL, ?, ?)",
            [(t.key_id, t.subject, t.destroyed_at, t.destroyed_at) for t in unknown],
        )
    return Reapplied(destroyed=len(live), recorded=len(unknown), already=len(dead) - len(live) - len(unknown))
