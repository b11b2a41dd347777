"""Whether a login may be renamed (domain-rules §6, issue 13): pure rules on
the account's state and logins and on what the directory has reserved.

A new login has the shape of the generated ones: lower case letters, digits,
``.``, ``-`` and ``_``, from ``LOGIN_MIN_LENGTH`` to ``LOGIN_MAX_LENGTH``
characters (the generator's bound, events/rules.py). It starts and ends with
a letter or a digit and holds no ``..``: a leading ``-`` reads as an option
to the tools that take logins as arguments, and a mail local part (RFC 5321)
neither starts nor ends with a dot nor doubles one. It must differ from the
current login and never have been reserved in the directory — a current
login, an alias, a removed account's: logins are never reused, so that a
person does not inherit another's address."""

from __future__ import annotations

import re
from dataclasses import dataclass

from events.rules import LOGIN_MAX_LENGTH

# One character is a typo, not a login a person would be given.
LOGIN_MIN_LENGTH = 2
_SHAPE = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")


class RenameRefused(ValueError):
    """A rename the rules do not allow: ``code`` for scripts, the message
    for the operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Reservation:
    """Who reserved a login: the account, its state, and whether the login
    is still its current one (else an alias left by a rename)."""

    account_id: str
    state: str
    current: bool


def shape_refusal(login: str) -> str | None:
    """Why ``login`` does not have the shape of a login, or None."""
    if not LOGIN_MIN_LENGTH <= len(login) <= LOGIN_MAX_LENGTH:
        return f"a login has {LOGIN_MIN_LENGTH} to {LOGIN_MAX_LENGTH} characters, not {len(login)}"
    if not _SHAPE.fullmatch(login):
        return (
            "a login is lower case letters (a-z), digits, '.', '-' and '_', "
            "and starts and ends with a letter or a digit"
        )
    if ".." in login:
        return "a login holds no '..'"
    return None


def check_rename(state: str, current: str, new: str, reason: str) -> None:
    """What the account alone decides; raises RenameRefused."""
    if not reason.strip():
        raise RenameRefused("no_reason", "a login rename needs a reason (--reason), recorded with it")
    if state == "removed":
        raise RenameRefused("removed", "the account is removed: its login stays reserved and is not renamed")
    if not current:
        raise RenameRefused(
            "no_login", f"the account has no login yet (it is {state}): a login is given when the account is created"
        )
    malformed = shape_refusal(new)
    if malformed is not None:
        raise RenameRefused("malformed", f"{new!r} is not a login: {malformed}")
    if new == current:
        raise RenameRefused("unchanged", f"{new!r} is the account's login already")


def check_free(new: str, holder: Reservation | None, account_id: str) -> None:
    """Whether the directory ever reserved ``new``; raises RenameRefused."""
    if holder is None:
        return
    if holder.account_id == account_id:
        raise RenameRefused(
            "ever_used", f"{new!r} was this account's login before (an alias now): logins are never reused"
        )
    if holder.current and holder.state != "removed":
        raise RenameRefused("taken", f"{new!r} is taken: it is another account's login")
    raise RenameRefused(
        "ever_used",
        f"{new!r} was used before (another account's former login, or a removed account's): logins are never reused",
    )
