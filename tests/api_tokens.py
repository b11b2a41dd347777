"""Tokens for tests that call the API: made by the use case an operator's
`entsync tokens create` runs, so that a test's caller is a real one."""

from __future__ import annotations

from events.access import Role
from events.clock import SystemClock
from events.usecases import tokens


def issue(ctx, name: str, role: Role | str = Role.OPERATOR, uais: tuple[str, ...] = ()) -> str:
    """Create a token on ``ctx``'s store; its secret (the bearer value)."""
    made = tokens.create(
        tokens.CreateToken(name, Role(role), frozenset(uais), "tests"), ctx.tokens, ctx.access_audit, SystemClock()
    )
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
