"""Manual accounts and their guard (domain-rules §1, issue 13): pure rules.

A manual account is only for a population the AAF does not carry. Each
category joins its profile and its free group (000 §B.3); it ends at an end
date or is *pérenne*. The guard refuses a manual account for a person who
already has, or is about to get, an account from a source — two ENT accounts
of one person can never be merged afterwards — unless an operator forces it
with a reason. An establishment administrator learns that such an account
exists in another establishment, never which one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from events.account import account_id
from events.rules import normalised_identity


@dataclass(frozen=True)
class ManualCategory:
    profile: str
    free_group: str
    label: str
    group_code: str  # the free group's code when the account's creation creates it (§2: 8 characters)


# The seeds name the groups of the first three (000 §B.3); apprentices and
# guests get a group of their own so that every manual account is findable.
CATEGORIES: dict[str, ManualCategory] = {
    "social_worker": ManualCategory("NON_ENSEIGNANT", "Médico-social", "social worker", "MEDSOC"),
    "attee": ManualCategory("PERSONNEL_COLLECTIVITE", "Agents", "local-authority staff (ATTEE)", "AGENTS"),
    "external_tutor": ManualCategory("NON_ENSEIGNANT", "Tuteurs", "external tutor", "TUTEURS"),
    "apprentice": ManualCategory("ELEVE", "Apprentis", "apprentice", "APPRENTI"),
    "guest": ManualCategory("AUTRE", "Invités", "guest", "INVITES"),
}

WHY = "two ENT accounts of one person can never be merged afterwards (domain-rules §1)"
CONTRACT_STAFF = (
    "contract staff (contractuels, AED, language assistants, AESH) get their account from the AAF "
    "within 48 h of the contract's signature: wait for it instead of creating a guest account"
)
FIRST_DEGREE = (
    "a 1st-degree teacher attached to a bassin or a DSDEN is not created automatically: "
    "escalate to the académie instead of creating a guest account"
)
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_FR = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


class ManualRefused(ValueError):
    """A manual account the rules do not allow: ``code`` for scripts, the
    message for the administrator (no personal data in it). ``public``: the
    message for the HTTP API, where a match is named by its account id only
    (its login is made of the person's names, domain-rules §6)."""

    def __init__(self, code: str, message: str, public: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.public = public if public is not None else message


@dataclass(frozen=True)
class Match:
    """A record of a source that looks like the candidate: an account (AAF,
    ``source`` "AAF") or a SIECLE record, its state, when its creation is
    due while pending, and the UAIs it is attached to. ``kind``: ``staff``
    (national-education staff: contract staff among them), ``first_degree``
    (a teacher of no served structure), or the population."""

    source: str
    key: str  # the account's jointure, or the source record's key
    login: str
    state: str
    creation_due: datetime | None
    uais: frozenset[str]
    kind: str
    by: str  # identity | mail


def parse_birth(value: str) -> date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``; raises ManualRefused."""
    if m := _DATE_ISO.fullmatch(value.strip()):
        y, mo, d = m.group(1, 2, 3)
    elif m := _DATE_FR.fullmatch(value.strip()):
        d, mo, y = m.group(1, 2, 3)
    else:
        raise ManualRefused("bad_birth_date", "the birth date is not YYYY-MM-DD or DD/MM/YYYY")
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        raise ManualRefused("bad_birth_date", "the birth date is not a date") from None


def identity_key(family_name: str, given_name: str, birth: date) -> str:
    """The key the duplicates compare (events/derive.identity): normalised
    name and the AAF's birth date format."""
    return f"{normalised_identity(family_name, given_name)}|{birth.strftime('%d/%m/%Y')}"


def check_request(
    category: str,
    given_name: str,
    family_name: str,
    birth: date,
    end: datetime | None,
    perenne: bool,
    now: datetime,
) -> ManualCategory:
    """What the request alone decides; raises ManualRefused."""
    if category not in CATEGORIES:
        raise ManualRefused(
            "unknown_category", f"{category!r} is not a manual category (one of {', '.join(CATEGORIES)})"
        )
    if not normalised_identity(family_name, "") or not normalised_identity("", given_name):
        raise ManualRefused("no_name", "a manual account needs a first name and a last name")
    if not date(1900, 1, 1) <= birth <= now.date():
        raise ManualRefused("bad_birth_date", "the birth date is before 1900 or in the future")
    if (end is None) == (not perenne):
        raise ManualRefused("end_or_perenne", "a manual account has an end date (--until) or is pérenne (--perenne)")
    if end is not None and end <= now:
        raise ManualRefused("end_passed", f"the end date {end.isoformat()} is not after now ({now.isoformat()})")
    return CATEGORIES[category]


def _explanation(kind: str) -> str:
    if kind == "first_degree":
        return f"; {FIRST_DEGREE}"
    if kind == "staff":
        return f"; {CONTRACT_STAFF}"
    return ""


def describe(match: Match, scope: frozenset[str] | None, public: bool = False) -> str:
    """The match as the caller may see it: outside an establishment
    administrator's UAIs, only that it exists elsewhere. ``public`` (the
    API's answer): an account by its id, neither its jointure nor its login."""
    by = "the same académie e-mail" if match.by == "mail" else "the same name and birth date"
    if scope is not None and not match.uais & scope:
        return f"an account of this person ({by}) exists in another establishment"
    name = f"account {match.key}" + (f" ({match.login})" if match.login else "")
    if public:
        name = f"account {account_id(match.key)}"
    if match.source != "AAF":
        name = f"{match.source} record {match.key}"
    text = f"{name} has {by} and is {match.state}"
    if match.state == "pending" and match.creation_due is not None:
        text += f", its creation is due at {match.creation_due.isoformat()}"
    return text


def guard(matches: Sequence[Match], scope: frozenset[str] | None, force: bool, reason: str) -> list[Match]:
    """The matches a creation overrides (empty: none), or ManualRefused.
    Only an operator (``scope`` None) may force, and only with a reason."""
    live = [m for m in matches if m.state not in ("removed", "withdrawn")]
    if not live:
        return []
    if force and scope is None:
        if not reason.strip():
            raise ManualRefused("no_reason", "forcing a manual account over a match needs a reason (--reason)")
        return list(live)
    first = live[0]
    more = f" (and {len(live) - 1} more)" if len(live) > 1 else ""
    hint = "" if scope is not None else "; an operator may force it, with a reason"
    if force:
        hint = "; only an operator may force it"
    why = f"{more}: {WHY}{_explanation(first.kind)}{hint}"
    raise ManualRefused(
        "matches_existing",
        f"refused: {describe(first, scope)}{why}",
        f"refused: {describe(first, scope, public=True)}{why}",
    )
