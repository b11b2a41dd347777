"""The API's tokens (issue 12): create one for a caller, revoke it.

The secret is returned once, to be shown once; only its digest is kept
(events/access.py). Creations and revocations are written to the access
audit, with the token's name and the operator who acted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from events.access import Role, Token, check_new_token, digest, new_secret
from events.clock import Clock


class TokenKeeper(Protocol):
    """Implemented by projections/access.py (TokenStore)."""

    def add(self, token: Token) -> None: ...
    def active_names(self) -> set[str]: ...
    def revoke(self, name: str, at: datetime) -> bool: ...


class AuditTrail(Protocol):
    """Implemented by projections/access.py (AccessAudit)."""

    def record(
        self, at: datetime, token_name: str, client: str, method: str, route: str, status: int, code: str
    ) -> None: ...


@dataclass(frozen=True)
class CreateToken:
    name: str
    role: Role
    uais: frozenset[str]
    operator: str


@dataclass(frozen=True)
class RevokeToken:
    name: str
    operator: str


@dataclass(frozen=True)
class Created:
    token: Token
    secret: str  # the presented token: shown once, kept nowhere


def create(cmd: CreateToken, keeper: TokenKeeper, audit: AuditTrail, clock: Clock) -> Created:
    """Raises ValueError with a reason an operator can act on."""
    check_new_token(cmd.name, cmd.role, cmd.uais, keeper.active_names())
    token_id, secret = new_secret()
    at = clock.now()
    token = Token(token_id, cmd.name, cmd.role, cmd.uais, digest(secret), at)
    keeper.add(token)
    audit.record(at, cmd.name, f"cli:{cmd.operator}", "CREATE", "token", 0, "token_created")
    return Created(token, secret)


def revoke(cmd: RevokeToken, keeper: TokenKeeper, audit: AuditTrail, clock: Clock) -> None:
    at = clock.now()
    if not keeper.revoke(cmd.name, at):
        raise ValueError(f"no active token named {cmd.name}")
    audit.record(at, cmd.name, f"cli:{cmd.operator}", "REVOKE", "token", 0, "token_revoked")
