"""Tokens for tests that call the API: made by the use case an operator's
`entsync tokens create` runs, so that a test's caller is a real one."""

from __future__ import annotations

import logging

from events.access import Role
from events.clock import SystemClock
from events.usecases import tokens

# Every secret the tests issued, and every line the project's loggers wrote in
# this process: at the end of the session none of the first is in the second
# (tests/conftest.py, issue 12: a token's secret is never logged).
ISSUED: set[str] = set()


class Written(logging.Handler):
    """What the ``entsync`` loggers write, at every level, kept whole."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot be formatted is the logging's business, not this scan's
            self.lines.append(repr(record.__dict__))


WRITTEN = Written()


def leaked() -> list[str]:
    """The secrets (whole, or their random part) found in what was written."""
    text = "\n".join(WRITTEN.lines)
    return sorted(s[:16] + "…" for s in ISSUED if s in text or random_part(s) in text)


def random_part(secret: str) -> str:
    """What follows ``entsync_<id>_``: the whole random part, which may itself
    hold ``_`` (URL-safe base64) — its last piece alone could be one letter,
    found by chance in any log line."""
    return secret.split("_", 2)[-1]


def issue(ctx, name: str, role: Role | str = Role.OPERATOR, uais: tuple[str, ...] = ()) -> str:
    """Create a token on ``ctx``'s store; its secret (the bearer value)."""
    made = tokens.create(
        tokens.CreateToken(name, Role(role), frozenset(uais), "tests"), ctx.tokens, ctx.access_audit, SystemClock()
    )
    ISSUED.add(made.secret)
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
