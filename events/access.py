"""Who may read or act on what through the API (issue 12, domain-rules §10).

A caller presents a bearer token. Each token has a name (the author of what
it records), a role and, for the roles that work for establishments, the UAIs
it covers. These are the pure rules: how a secret looks and is hashed, which
role may do what, and what a caller outside its scope is told. The tokens
themselves are kept by projections/access.py; the HTTP layer asks here.

Three answers, in the order they are decided:

- no token, an unknown, malformed or revoked one: **401**;
- a known token whose role does not allow the action: **403**;
- an allowed role asking for a person or an establishment outside its UAIs:
  **404**, exactly as if the thing did not exist, so that the answer never
  hints at the school a person is in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    # Reads the directory of its establishments (support staff).
    READER = "reader"
    # Reads, and acts as an establishment's administrator, in its establishments.
    ETAB_ADMIN = "etab-admin"
    # The académie's operators: everything, every establishment.
    OPERATOR = "operator"


class Action(StrEnum):
    # Accounts, classes, structures and imports of establishments: personal data.
    READ_DIRECTORY = "read-directory"
    # The académie-wide AAF deliveries: they span every establishment.
    READ_DELIVERIES = "read-deliveries"
    # Admin actions on accounts of an establishment (issue 13).
    ACT_ON_ACCOUNTS = "act-on-accounts"
    # Actions on the service itself: releasing a held delivery, purges.
    OPERATE = "operate"


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.READER: frozenset({Action.READ_DIRECTORY}),
    Role.ETAB_ADMIN: frozenset({Action.READ_DIRECTORY, Action.ACT_ON_ACCOUNTS}),
    Role.OPERATOR: frozenset(Action),
}

# Roles whose tokens must name the establishments they cover; an operator
# covers the académie.
SCOPED_ROLES = frozenset({Role.READER, Role.ETAB_ADMIN})

PREFIX = "entsync_"
_ID = r"[a-z0-9]{10}"
_SECRET = r"[A-Za-z0-9_-]{43}"
TOKEN_SHAPE = re.compile(rf"^{PREFIX}(?P<id>{_ID})_(?P<secret>{_SECRET})$")
NAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
UAI_SHAPE = re.compile(r"^[0-9]{7}[A-Z]$")


class AccessRefused(Exception):
    """An answer other than access: its HTTP status and a message that names
    no person, no establishment outside the caller's scope, and no secret."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def unauthenticated(message: str = "a valid bearer token is required") -> AccessRefused:
    return AccessRefused(401, "unauthorized", message)


def forbidden(action: Action) -> AccessRefused:
    return AccessRefused(403, "forbidden", f"this token's role may not {action.value.replace('-', ' ')}")


def not_found(what: str) -> AccessRefused:
    # The same words as a key that does not exist (daemon/http): a caller out of
    # scope learns nothing it could not learn from a typo.
    return AccessRefused(404, "not_found", f"no {what} with this key")


@dataclass(frozen=True)
class Token:
    """A token as kept: never its secret, only the secret's digest."""

    token_id: str
    name: str
    role: Role
    uais: frozenset[str]
    digest: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Caller:
    """Who is asking, once the token checked out."""

    name: str
    role: Role
    uais: frozenset[str]

    @property
    def everywhere(self) -> bool:
        return self.role not in SCOPED_ROLES

    def may(self, action: Action) -> bool:
        return action in ALLOWED[self.role]

    def covers(self, uai: str | None) -> bool:
        return self.everywhere or (uai is not None and uai in self.uais)

    def scope(self) -> frozenset[str] | None:
        """The UAIs a listing is restricted to; None: no restriction."""
        return None if self.everywhere else self.uais


def new_secret(token_id: str | None = None) -> tuple[str, str]:
    """A fresh ``(token_id, presented token)``. 32 random bytes: a digest
    need not be slow to resist guessing (unlike a password), so SHA-256 is
    the right hash (see ``digest``)."""
    token_id = token_id or "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
    return token_id, f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def digest(presented: str) -> str:
    return hashlib.sha256(presented.encode("ascii")).hexdigest()


def token_id_of(presented: str) -> str | None:
    """The id part of a well-formed token, which finds its record; None for
    anything else (no lookup is made with a malformed value)."""
    m = TOKEN_SHAPE.match(presented)
    return m.group("id") if m else None


def authenticate(presented: str | None, kept: Token | None) -> Caller:
    """The caller a presented token stands for, or 401."""
    if not presented:
        raise unauthenticated()
    if kept is None or not kept.active or token_id_of(presented) != kept.token_id:
        raise unauthenticated("this bearer token is not valid")
    if not hmac.compare_digest(digest(presented), kept.digest):
        raise unauthenticated("this bearer token is not valid")
    return Caller(kept.name, kept.role, kept.uais)


def authorize(caller: Caller, action: Action) -> None:
    if not caller.may(action):
        raise forbidden(action)


def check_new_token(name: str, role: Role, uais: frozenset[str], taken: set[str]) -> None:
    """Why a token cannot be created as asked (ValueError), or nothing."""
    if not NAME_SHAPE.match(name):
        raise ValueError("a token's name is 1 to 64 letters, digits or . _ @ -, starting with a letter or digit")
    if name in taken:
        raise ValueError(f"a token named {name} exists already (revoke it first)")
    bad = sorted(u for u in uais if not UAI_SHAPE.match(u))
    if bad:
        raise ValueError(f"not a UAI: {bad[0]} (seven digits and a capital letter)")
    if role in SCOPED_ROLES and not uais:
        raise ValueError(f"a {role.value} token names the establishments it covers (--uai)")
    if role not in SCOPED_ROLES and uais:
        raise ValueError("an operator token covers every establishment: give no --uai")
