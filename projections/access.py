"""The API's tokens and its access audit (issue 12), kept beside the read
model in the store's database.

Neither is a fact about the directory, so neither goes to the event log:
replaying the log rebuilds the directory, not who was let in. A token is kept
as the SHA-256 digest of its secret (events/access.py), never the secret.
The audit table records refusals and the creation and revocation of tokens,
with the token's name (never its secret), the client's address and the
route's template (``/api/v1/accounts/{key}``, never the key: it may be a
login)."""

from __future__ import annotations

from datetime import datetime

from events.access import Role, Token
from projections.db import Database

DDL = {
    "api_tokens": """token_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, uais TEXT NOT NULL,
        digest TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT""",
    "api_audit": """at TEXT NOT NULL, token_name TEXT NOT NULL, client TEXT NOT NULL, method TEXT NOT NULL,
        route TEXT NOT NULL, status INTEGER NOT NULL, code TEXT NOT NULL""",
}
AUDIT_CAP = 100_000  # rows kept; the oldest go first (a flood of refusals cannot fill the disk)
TRIM_EVERY = 1000  # writes between trims: counting rows on every write would cost a scan each


def create_tables(db: Database) -> None:
    with db.transaction():
        for name, cols in DDL.items():
            db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
        # One active token per name: the name is the author of what it records.
        db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL"
        )
        db.execute("CREATE INDEX IF NOT EXISTS api_audit_at ON api_audit (at)")


def _token(row: tuple) -> Token:
    token_id, name, role, uais, digest, created_at, revoked_at = row
    return Token(
        token_id=token_id,
        name=name,
        role=Role(role),
        uais=frozenset(u for u in uais.split(",") if u),
        digest=digest,
        created_at=datetime.fromisoformat(created_at),
        revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
    )


_COLUMNS = "token_id, name, role, uais, digest, created_at, revoked_at"


class TokenStore:
    def __init__(self, db: Database):
        self.db = db

    def add(self, token: Token) -> None:
        with self.db.transaction():
            self.db.execute(
                f"INSERT INTO api_tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (
                    token.token_id,
                    token.name,
                    token.role.value,
                    ",".join(sorted(token.uais)),
                    token.digest,
                    token.created_at.isoformat(),
                ),
            )

    def by_id(self, token_id: str) -> Token | None:
        rows = self.db.query(f"SELECT {_COLUMNS} FROM api_tokens WHERE token_id = ?", (token_id,))
        return _token(rows[0]) if rows else None

    def active_names(self) -> set[str]:
        return {n for (n,) in self.db.query("SELECT name FROM api_tokens WHERE revoked_at IS NULL")}

    def listing(self, *, include_revoked: bool = False) -> list[Token]:
        where = "" if include_revoked else " WHERE revoked_at IS NULL"
        return [_token(r) for r in self.db.query(f"SELECT {_COLUMNS} FROM api_tokens{where} ORDER BY created_at, name")]

    def revoke(self, name: str, at: datetime) -> bool:
        """Revoke the active token of this name; False if there is none."""
        with self.db.transaction():
            found = self.db.scalar("SELECT token_id FROM api_tokens WHERE name = ? AND revoked_at IS NULL", (name,))
            if found is None:
                return False
            self.db.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", (at.isoformat(), found))
        return True

    def any_active(self) -> bool:
        return self.db.scalar("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL") > 0


class AccessAudit:
    def __init__(self, db: Database, cap: int = AUDIT_CAP):
        self.db, self.cap = db, cap
        self._written = 0  # since the last trim

    def record(
        self, at: datetime, token_name: str, client: str, method: str, route: str, status: int, code: str
    ) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO api_audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at.isoformat(), token_name, client, method, route, status, code),
            )
        self._written += 1
        if self._written >= TRIM_EVERY:
            self.trim()

    def trim(self) -> None:
        """Keep the newest ``cap`` rows."""
        self._written = 0
        with self.db.transaction():
            self.db.execute(
                "DELETE FROM api_audit WHERE at <= (SELECT at FROM api_audit ORDER BY at DESC LIMIT 1 OFFSET ?)",
                (self.cap,),
            )

    def recent(self, limit: int = 100) -> list[dict]:
        return self.db.query_dicts(
            "SELECT at, token_name, client, method, route, status, code FROM api_audit ORDER BY at DESC LIMIT ?",
            (limit,),
        )
