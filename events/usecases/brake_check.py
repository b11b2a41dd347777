"""The brakes on mass departures, checked before a delivery or an export is
applied (domain-rules §11, §12).

``events/brakes.py`` decides from plain values; this use case gathers them
through ``BrakeQueries`` — the accounts that would depart with their
structures, profiles and states, the SIECLE leaving dates already recorded,
the guardians' children, whether the delivery opens a school year — and
turns the assessment into the details a ``Held`` event records: the counts
per structure and population and who would depart and why (jointures only,
no name, no birth date).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from adapters.aaf.names import establishment_of
from events import brakes
from events.brakes import Departure
from events.policy import Policy

# States of a child that has left already: a guardian of only such children follows them.
LEFT_STATES = ("departing", "removed", "withdrawn", "deactivated")


@dataclass(frozen=True)
class DepartingAccount:
    """What the read model knows of an account that would depart."""

    account_id: str
    profile: str
    state: str
    mef: str = ""  # the student's MEF code and label, "" for others (final year, domain-rules §12)
    mef_label: str = ""


class BrakeQueries(Protocol):
    """The read-model queries of the brake (projections/brake_queries.py)."""

    def accounts(self, jointures: Sequence[str]) -> dict[str, DepartingAccount]:
        """The accounts of these jointures that the directory knows, by jointure."""

    def structures_of(self, account_ids: Sequence[str]) -> dict[str, set[str]]:
        """The structures each account is attached to."""

    def with_siecle_leaving_date(self, account_ids: Sequence[str]) -> set[str]:
        """The accounts linked to a SIECLE student record that carries a leaving date."""

    def children(self, guardian_jointures: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """Each guardian's children: (student account id, state)."""

    def population_sizes(self, structures: Iterable[str]) -> dict[tuple[str, str], int]:
        """Pending and active accounts per (structure, profile)."""

    def applied_deliveries(self) -> Iterable[tuple[str, datetime]]:
        """(prefix, received at) of every applied AAF delivery, newest first."""

    def structure_uais(self) -> dict[str, str]:
        """Structure jointure → UAI."""


class BrakeWork(Protocol):
    @property
    def policy(self) -> Policy: ...
    @property
    def brake_queries(self) -> BrakeQueries: ...


def scope_of(prefix: str) -> str:
    """A delivery's scope: its establishment, or ``*`` for an académie-wide one."""
    return establishment_of(prefix) or "*"


def scopes_meet(a: str, b: str) -> bool:
    return a == "*" or b == "*" or a == b


def opens_school_year(uow: BrakeWork, at: datetime, prefix: str) -> bool:
    """True when no delivery of the scope was applied earlier in the school
    year of ``at``: this one opens it (the rentrée delivery, domain-rules §9)."""
    tz = ZoneInfo(uow.policy.timezone)
    start = uow.policy.school_year_start
    year = brakes.school_year(at.astimezone(tz).date(), start)
    scope = scope_of(prefix)
    for other_prefix, received in uow.brake_queries.applied_deliveries():
        if scopes_meet(scope, scope_of(other_prefix)):
            return brakes.school_year(received.astimezone(tz).date(), start) < year
    return True


def departures(uow: BrakeWork, items: list[tuple[str, str, str]], opens_year: bool) -> list[Departure]:
    """``items``: (category, jointure, reason) of the persons that would
    depart; returns them with what the brake needs, expected or not."""
    q, p = uow.brake_queries, uow.policy
    accounts = q.accounts([j for _, j, _ in items])
    ids = [a.account_id for a in accounts.values()]
    structures = q.structures_of(ids)
    siecle_leaving = q.with_siecle_leaving_date(ids)
    leaving = set(ids)
    children = q.children([j for c, j, _ in items if c == "PersRelEleve"])
    out = []
    for category, jointure, reason in items:
        account = accounts.get(jointure)
        if account is None:
            continue
        kids = children.get(jointure, [])
        d = Departure(
            account.account_id,
            jointure,
            account.profile,
            account.state,
            frozenset(structures.get(account.account_id, ())),
            reason,
        )
        expected = brakes.expected_reason(
            d,
            siecle_leaving=account.account_id in siecle_leaving,
            final_year=category == "Eleve"
            and brakes.is_final_year(
                account.mef, account.mef_label, p.final_year_mef_prefixes, p.final_year_label_pattern
            ),
            opens_school_year=opens_year,
            children_all_leaving=bool(kids) and all(sid in leaving or s in LEFT_STATES for sid, s in kids),
        )
        out.append(Departure(d.account_id, jointure, d.profile, d.state, d.structures, reason, expected))
    return out


def population_sizes(uow: BrakeWork, structures: set[str]) -> dict[tuple[str, str], int]:
    """Pending and active accounts per (structure, population)."""
    out: dict[tuple[str, str], int] = {}
    for (structure, profile), n in uow.brake_queries.population_sizes(sorted(structures)).items():
        key = (structure, brakes.population(profile))
        out[key] = out.get(key, 0) + n
    return out


def assess(
    uow: BrakeWork, items: list[tuple[str, str, str]], opens_year: bool
) -> tuple[brakes.Assessment, list[Departure]]:
    found = departures(uow, items, opens_year)
    sizes = population_sizes(uow, {s for d in found for s in d.structures})
    return brakes.assess(found, sizes, uow.policy.brake_limits()), found


def details(uow: BrakeWork, assessment: brakes.Assessment, found: list[Departure], opens_year: bool) -> dict[str, Any]:
    """What the ``Held`` event records: the counts of every structure and
    population, and who would depart (jointure, profile, state, UAIs, why,
    and why not counted)."""
    uai = uow.brake_queries.structure_uais()
    return {
        "opens_school_year": opens_year,
        "counts": [{**c.as_dict(), "uai": uai.get(c.structure, c.structure)} for c in assessment.counts],
        "departures": [
            {
                "jointure": d.jointure,
                "profile": d.profile,
                "state": d.state,
                "uais": sorted(uai.get(s, s) for s in d.structures),
                "reason": d.reason,
                "expected": d.expected,
            }
            for d in found
        ],
    }


def brake_check(uow: BrakeWork, items: list[tuple[str, str, str]], at: datetime, prefix: str) -> dict[str, Any] | None:
    """The details of the hold when departures exceed a brake, else None."""
    if not items:
        return None
    opens_year = opens_school_year(uow, at, prefix)
    assessment, found = assess(uow, items, opens_year)
    return details(uow, assessment, found, opens_year) if assessment.held else None


def describe_brake(held: dict[str, Any]) -> str:
    """One line naming each structure and population over its brake."""
    over = [c for c in held.get("counts", []) if c.get("held")]
    if not over:  # a hold recorded by 0.1.0: {uai: {departing, accounts}}
        return ", ".join(
            f"{u} ({v.get('departing')} of {v.get('accounts')})" for u, v in sorted(held.items()) if isinstance(v, dict)
        )
    return ", ".join(
        f"{c['uai']} {c['population']} ({c['counted']} of {c['accounts']}, {c['expected']} expected not counted)"
        for c in over
    )
