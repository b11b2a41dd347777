"""The key ring (events/personal.py ``KeyRing``): one table beside the log,
``keyring``, one row per key. A destroyed key keeps its row without its
secret: the row is the tombstone a restore reads (issue 17, backup).

Its own connection: a key is committed before the events sealed with it,
never inside a read-model unit of work that could still roll it back after
the events were saved (then the events would read as erased)."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone

from events.personal import STORE_SUBJECT, Tombstone
from projections.db import Database

DDL = """key_id TEXT PRIMARY KEY, subject TEXT NOT NULL, secret TEXT NULL,
    created_at TEXT NOT NULL, destroyed_at TEXT NULL"""

PEPPER_ID = "store-pepper"

# After this many subjects looked up one by one, all live keys are read at once
# (a replay or a complete delivery meets most of them).
LOOKUPS_BEFORE_LOADING = 500


# A key ring's row as stored: key id, subject, secret (None: destroyed), created, destroyed.
KeyRow = tuple[str, str, str | None, str, str | None]


def read_keys(store_url: str) -> list[KeyRow]:
    """The key ring of the store at ``store_url``, read (nothing created: a
    store of an earlier release has none): what a copy of its log needs to
    read it (the preview's twin of a PostgreSQL store)."""
    db = Database(store_url)
    try:
        return SqlKeyRing(db).rows() if db.table_exists("keyring") else []
    finally:
        db.close()


def create_table(db: Database, pepper: bytes | None = None) -> None:
    """The table and the store's pepper, created once (under the schema lock:
    two processes opening a new store must not make two peppers): random,
    unless ``pepper`` is given (two stores built apart from the same files,
    compared by a test, hash alike only with the same pepper)."""
    with db.transaction():
        db.execute(f"CREATE TABLE IF NOT EXISTS keyring ({DDL})")
        db.execute("CREATE INDEX IF NOT EXISTS keyring_subject ON keyring (subject)")
        if db.scalar("SELECT 1 FROM keyring WHERE key_id = ?", (PEPPER_ID,)) is None:
            db.execute(
                "INSERT INTO keyring (key_id, subject, secret, created_at) VALUES (?, ?, ?, ?)",
                (PEPPER_ID, STORE_SUBJECT, _b64(pepper or os.urandom(32)), _wall_clock()),
            )


class SqlKeyRing:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._live: dict[str, tuple[str, bytes]] = {}  # subject -> its live key
        self._secrets: dict[str, bytes | None] = {}  # key id -> secret, None once destroyed
        self._pending: list[tuple[str, str, str, str]] = []
        self._lookups = 0
        self._loaded = False
        self._pepper: bytes | None = None
        self._seen_destroyed = self._destroyed_count()
        self.generation = 0

    def key_for(self, subject: str, *, fresh: bool = False) -> tuple[str, bytes]:
        live = self._live.get(subject)
        if live is None and not fresh and not self._loaded:
            live = self._lookup(subject)
        if live is None:
            key_id, secret = str(uuid.uuid4()), os.urandom(32)
            self._pending.append((key_id, subject, _b64(secret), _wall_clock()))
            live = self._live[subject] = key_id, secret
            self._secrets[key_id] = secret
        return live

    def key(self, key_id: str) -> bytes | None:
        if key_id in self._secrets:
            return self._secrets[key_id]
        if not self._loaded:
            self._lookups += 1
            if self._lookups > LOOKUPS_BEFORE_LOADING:
                self._load()
                return self._secrets.get(key_id)
        rows = self.db.query("SELECT subject, secret FROM keyring WHERE key_id = ?", (key_id,))
        secret = _secret(rows[0][1]) if rows else None
        if rows:
            self._secrets[key_id] = secret
        return secret

    def pepper(self) -> bytes:
        if self._pepper is None:
            self._pepper = _secret(self.db.scalar("SELECT secret FROM keyring WHERE key_id = ?", (PEPPER_ID,)))
            if self._pepper is None:
                raise RuntimeError("the store's key ring has no pepper: it was not created by entsync")
        return self._pepper

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO keyring (key_id, subject, secret, created_at) VALUES (?, ?, ?, ?)", pending
            )

    def destroy(self, subjects: Iterable[str], at: datetime) -> int:
        subjects = [s for s in dict.fromkeys(subjects) if s != STORE_SUBJECT]
        self.flush()
        destroyed = 0
        with self.db.transaction():
            for chunk in _chunks(subjects, 500):
                marks = ", ".join("?" * len(chunk))
                rows = self.db.query(
                    f"SELECT key_id FROM keyring WHERE subject IN ({marks}) AND secret IS NOT NULL", chunk
                )
                self.db.execute(
                    f"UPDATE keyring SET secret = NULL, destroyed_at = ? "
                    f"WHERE subject IN ({marks}) AND secret IS NOT NULL",
                    (at.isoformat(), *chunk),
                )
                destroyed += len(rows)
                for (key_id,) in rows:
                    self._secrets[key_id] = None
        for subject in subjects:
            self._live.pop(subject, None)
        self._seen_destroyed = self._destroyed_count()
        self.generation += 1
        return destroyed

    def bury(self, tombstones: Iterable[Tombstone]) -> int:
        known = {k for (k,) in self.db.query("SELECT key_id FROM keyring")}
        # Their creation time is not known here: their destruction's stands for it.
        rows = [(t.key_id, t.subject, t.destroyed_at, t.destroyed_at) for t in tombstones if t.key_id not in known]
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO keyring (key_id, subject, secret, created_at, destroyed_at) VALUES (?, ?, NULL, ?, ?)",
                rows,
            )
        return len(rows)

    def destroyed(self, subjects: Iterable[str] | None = None) -> list[Tombstone]:
        query = "SELECT key_id, subject, destroyed_at FROM keyring WHERE secret IS NULL"
        if subjects is None:
            rows = self.db.query(f"{query} ORDER BY destroyed_at, key_id")
        else:
            wanted, rows = list(dict.fromkeys(subjects)), []
            for chunk in _chunks(wanted, 500):
                rows += self.db.query(f"{query} AND subject IN ({', '.join('?' * len(chunk))})", chunk)
            rows.sort(key=lambda r: (r[2], r[0]))
        return [Tombstone(key_id, subject, at) for key_id, subject, at in rows]

    def close(self) -> None:
        self.db.close()

    def rows(self) -> list[KeyRow]:
        """Every key, as stored: what a copy of the store (the preview's twin
        of a PostgreSQL store) needs to read the copied log."""
        self.flush()
        return self.db.query("SELECT key_id, subject, secret, created_at, destroyed_at FROM keyring ORDER BY key_id")

    def adopt(self, rows: list[KeyRow]) -> None:
        """The keys of the store this one copies, in place of its own."""
        with self.db.transaction():
            self.db.execute("DELETE FROM keyring")
            self.db.executemany(
                "INSERT INTO keyring (key_id, subject, secret, created_at, destroyed_at) VALUES (?, ?, ?, ?, ?)", rows
            )
        self._live, self._secrets, self._pepper, self._loaded = {}, {}, None, False
        self.generation += 1

    def refresh(self) -> None:
        count = self._destroyed_count()
        if count == self._seen_destroyed:
            return
        self._seen_destroyed = count
        self.generation += 1
        for tomb in self.destroyed():
            if tomb.key_id in self._secrets:
                self._secrets[tomb.key_id] = None
            live = self._live.get(tomb.subject)
            if live is not None and live[0] == tomb.key_id:
                del self._live[tomb.subject]

    def _lookup(self, subject: str) -> tuple[str, bytes] | None:
        self._lookups += 1
        if self._lookups > LOOKUPS_BEFORE_LOADING:
            self._load()
            return self._live.get(subject)
        rows = self.db.query(
            "SELECT key_id, secret FROM keyring WHERE subject = ? AND secret IS NOT NULL ORDER BY created_at, key_id",
            (subject,),
        )
        if not rows:
            return None
        key_id, secret = rows[-1][0], _secret(rows[-1][1])
        assert secret is not None
        self._secrets[key_id] = secret
        self._live[subject] = key_id, secret
        return key_id, secret

    def _load(self) -> None:
        for key_id, subject, secret in self.db.query(
            "SELECT key_id, subject, secret FROM keyring ORDER BY created_at, key_id"
        ):
            plain = _secret(secret)
            self._secrets.setdefault(key_id, plain)
            if plain is not None and subject != STORE_SUBJECT:
                self._live.setdefault(subject, (key_id, plain))
        self._loaded = True

    def _destroyed_count(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM keyring WHERE secret IS NULL") or 0)


def _wall_clock() -> str:
    # Keys are the store's machinery, not facts of the directory: the wall clock
    # dates them, not the effective time a simulation runs at.
    return datetime.now(timezone.utc).isoformat()


def _secret(value: str | None) -> bytes | None:
    return base64.b64decode(value) if value else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
