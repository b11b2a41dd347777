"""Pure rules of one account's transitions: what a record delivered again
makes of the account (domain-rules §4, §5, §12). Functions of the account's
values and ``now``, tested as tables; the commands in
``events/account_commands.py`` record what they decide."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from events.derive import first
from events.rules import creation_due, normalised_identity, overwrite_suspected

# What tells who a person is: the values an overwrite is judged on (§5).
IDENTITY_ATTRIBUTES = ("sn", "givenName", "ENTPersonDateNaissance")


class Reentry(NamedTuple):
    """The state of a person back in a source after leaving it, and the new
    creation due time when the account starts pending again (None: keeps it)."""

    state: str
    creation_due: datetime | None


def reentry(state: str, at: datetime, creation_delay: timedelta, marked: bool = False) -> Reentry:
    """Back in a source (domain-rules §4): an account that was departing (or
    deactivated as a duplicate) is active again with the same login; a person
    withdrawn or removed starts over, pending, with a new 48 h clock. An
    account an operator marked a duplicate stays as it is, deactivated or
    deleted (issue 13: the mark is sticky while a source delivers it)."""
    if marked and state in ("deactivated", "removed"):
        return Reentry(state, None)
    if state in ("departing", "deactivated"):
        return Reentry("active", None)
    return Reentry("pending", creation_due(at, creation_delay))


class Overwrite(NamedTuple):
    """The identity values before and after a record retyped for another
    person (compte écrasé), a value set aside blanked on both sides."""

    before: dict[str, list[str]]
    after: dict[str, list[str]]


def overwrite(
    before: Mapping[str, list[str]],
    aside_before: Mapping[str, str],
    after: Mapping[str, list[str]],
    aside_after: Mapping[str, str],
    threshold: float,
) -> Overwrite | None:
    """The overwrite a new record of the same jointure shows, if any
    (domain-rules §5): its name is too far from the former one or its birth
    date differs. A value set aside on either side (§12) says nothing of who
    the person is, so it is compared on neither side."""
    unknown = set(aside_before) | set(aside_after)
    kept = Overwrite(_identity(before, aside_before), _identity(after, aside_after))
    names = [
        "" if unknown & {"sn", "givenName"} else normalised_identity(first(a, "sn"), first(a, "givenName"))
        for a in kept
    ]
    births = ["" if "ENTPersonDateNaissance" in unknown else first(a, "ENTPersonDateNaissance") for a in kept]
    return kept if overwrite_suspected(names[0], names[1], births[0], births[1], threshold) else None


def _identity(attrs: Mapping[str, list[str]], aside: Mapping[str, str]) -> dict[str, list[str]]:
    return {k: [] if k in aside else attrs.get(k, []) for k in IDENTITY_ATTRIBUTES}
