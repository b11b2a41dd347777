"""Pure rules of one account's transitions: what a record delivered again
makes of the account (domain-rules §4, §5, §12). Functions of the account's
values and ``now``, tested as tables; the commands in
``events/account_commands.py`` record what they decide."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from events.derive import first
from events.identity_rules import Identity, overwrite_of, words
from events.rules import creation_due

# What tells who a person is: the values an overwrite is judged on (§5), and
# those judged too when a record carries them (adapters/aaf/records.py keeps
# every attribute of a person; the generator writes them, real files may not).
IDENTITY_ATTRIBUTES = ("sn", "givenName", "ENTPersonDateNaissance")
OPTIONAL_IDENTITY = ("ENTPersonNomPatro", "ENTPersonAutresPrenoms", "personalTitle")
_DDMMYYYY = re.compile(r"\d\d/\d\d/\d{4}")


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
    person (compte écrasé), a value set aside blanked on both sides, and the
    rule's verdict (events/identity_rules.py)."""

    before: dict[str, list[str]]
    after: dict[str, list[str]]
    score: float = 0.0
    reasons: tuple[str, ...] = ()


def identity_values(attrs: Mapping[str, list[str]], aside: Mapping[str, str]) -> dict[str, list[str]]:
    """The identity attributes of a record, those set aside blanked: the
    three always, the optional ones when the record has them."""
    return {
        k: [] if k in aside else list(attrs.get(k, []))
        for k in IDENTITY_ATTRIBUTES + OPTIONAL_IDENTITY
        if k in IDENTITY_ATTRIBUTES or attrs.get(k)
    }


def aaf_identity(values: Mapping[str, list[str]]) -> Identity:
    """The AAF record as the identity rule reads it: the birth family name
    (ENTPersonNomPatro) when given, ``sn`` (for students the usage name) as
    the usage name; givenName then the other given names; the civility."""
    sn, patro = first(values, "sn"), first(values, "ENTPersonNomPatro")
    given = [first(values, "givenName")]
    given += [g for g in values.get("ENTPersonAutresPrenoms", []) if words(g) not in [words(x) for x in given]]
    birth = first(values, "ENTPersonDateNaissance")
    if _DDMMYYYY.fullmatch(birth):
        birth = f"{birth[6:]}-{birth[3:5]}-{birth[:2]}"
    return Identity(patro or sn, tuple(given), birth, sn if patro else "", first(values, "personalTitle"))


def overwrite(
    before: Mapping[str, list[str]],
    aside_before: Mapping[str, str],
    after: Mapping[str, list[str]],
    aside_after: Mapping[str, str],
    threshold: float,
    creation: Mapping[str, list[str]] | None = None,
) -> Overwrite | None:
    """The overwrite a new record of the same jointure shows, if any
    (domain-rules §5, events/identity_rules.py), judged against the previous
    record and against ``creation`` (the identity values the account was
    created with, ``AccountState.creation_identity``). A value set aside on
    either side (§12) says nothing of who the person is, so it is compared on
    neither side."""
    unknown = {**aside_before, **aside_after}
    then = None if creation is None else aaf_identity(identity_values(creation, unknown))
    judged = [aaf_identity(identity_values(attrs, unknown)) for attrs in (before, after)]
    verdict = overwrite_of(then, judged[0], judged[1], threshold)
    if not verdict.overwrite:
        return None
    # What is recorded: each side's values, blanked where that side set them aside.
    kept = identity_values(before, aside_before), identity_values(after, aside_after)
    return Overwrite(kept[0], kept[1], verdict.score, verdict.reasons)
