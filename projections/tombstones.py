"""The key ring's tombstones a store never had (design-17 §7): a restored
backup that predates a key gets that key's tombstone row anyway, so that the
restored store's own tombstones (a later restore's, a later export's) still
say the key is destroyed. The key ring's port (events/personal.py KeyRing,
projections/keyring.py) reads and destroys keys; it has no way to write the
tombstone of a key it never held, hence these two statements."""

from __future__ import annotations

from collections.abc import Iterable

from events.personal import Tombstone
from projections.db import Database


def missing(db: Database, dead: Iterable[Tombstone]) -> list[Tombstone]:
    """The tombstones of ``dead`` whose key the store's key ring has no row of."""
    known = {str(k) for (k,) in db.query("SELECT key_id FROM keyring")}
    return [t for t in dead if t.key_id not in known]


def record(db: Database, dead: Iterable[Tombstone]) -> None:
    """Rows for keys the store never had, destroyed when they were elsewhere
    (their creation time unknown here: their destruction's stands for it)."""
    with db.transaction():
        db.executemany(
            "INSERT INTO keyring (key_id, subject, secret, created_at, destroyed_at) VALUES (?, ?, NULL, ?, ?)",
            [(t.key_id, t.subject, t.destroyed_at, t.destroyed_at) for t in dead],
        )
