"""Brakes on mass changes (domain-rules §11 "Mass-departure brake", §12
"Brakes on every mass change").

A delivery (complete or delta) or a SIECLE export that would make too many
accounts of one structure and one population depart is held for an
operator. Pure functions: the ingest services (events/usecases/aaf_stage.py,
events/usecases/siecle_brake.py) read the facts, these decide.

- **Populations** are counted apart, each with its own minimum: students,
  teaching staff, other staff, guardians removed directly (a guardian whose
  children all leave *follows* them and is not counted).
- **Pending accounts count** (a pending account is an account to be).
- **Expected leavers do not count**: an account with a recorded SIECLE
  leaving date, a corrected duplicate, and the final year of the
  establishment (3e, terminale) in the delivery that opens a new school
  year — otherwise every rentrée would be held and operators would learn to
  release blindly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

STUDENTS, TEACHING_STAFF, OTHER_STAFF, GUARDIANS = "students", "teaching_staff", "other_staff", "guardians"
POPULATIONS = (STUDENTS, TEACHING_STAFF, OTHER_STAFF, GUARDIANS)
_POPULATION_OF_PROFILE = {
    "ELEVE": STUDENTS,
    "ENSEIGNANT": TEACHING_STAFF,
    "NON_ENSEIGNANT": OTHER_STAFF,
    "PARENT": GUARDIANS,
}
# Only accounts that exist or are about to: a departing, removed or
# deactivated account cannot depart again, a guardian without legal link has none.
COUNTED_STATES = frozenset({"pending", "active"})

# Why a departure is not counted.
EXPECTED_SIECLE = "siecle_leaving_date"
EXPECTED_FINAL_YEAR = "final_year"
EXPECTED_DUPLICATE = "corrected_duplicate"
FOLLOWS_CHILDREN = "follows_children"
NOT_AN_ACCOUNT = "no_account_to_lose"


def population(profile: str) -> str:
    """The brake population of an account profile (domain-rules §12)."""
    return _POPULATION_OF_PROFILE.get(profile, OTHER_STAFF)


@dataclass(frozen=True)
class Limit:
    """A brake: held when the counted departures are at least ``minimum``
    AND more than ``share`` of the population's accounts (domain-rules §11:
    a count and a share are both exceeded)."""

    share: float
    minimum: int

    def exceeded(self, departing: int, accounts: int) -> bool:
        return departing >= self.minimum and departing > self.share * accounts


@dataclass(frozen=True)
class Departure:
    """One account a delivery or export would make depart, as the read model
    knows it before the change."""

    account_id: str
    jointure: str
    profile: str
    state: str
    structures: frozenset[str]
    reason: str  # absent_from_complete | deleted_by_delta | siecle_leaving_date | duplicate
    expected: str = ""  # why it is not counted ("" = counted)

    @property
    def population(self) -> str:
        return population(self.profile)


@dataclass(frozen=True)
class Count:
    """One structure and population: what the brake saw."""

    structure: str
    population: str
    departing: int  # every departure of the population listed for the structure
    expected: int  # not counted (expected leavers, guardians following their children…)
    counted: int
    accounts: int  # pending and active accounts of the population in the structure
    share: float
    minimum: int
    held: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "structure": self.structure,
            "population": self.population,
            "departing": self.departing,
            "expected": self.expected,
            "counted": self.counted,
            "accounts": self.accounts,
            "share": self.share,
            "minimum": self.minimum,
            "held": self.held,
        }


@dataclass(frozen=True)
class Assessment:
    counts: tuple[Count, ...] = field(default_factory=tuple)

    @property
    def held(self) -> bool:
        return any(c.held for c in self.counts)

    def over(self) -> list[Count]:
        return [c for c in self.counts if c.held]


def expected_reason(
    d: Departure, *, siecle_leaving: bool, final_year: bool, opens_school_year: bool, children_all_leaving: bool
) -> str:
    """Why a departure is expected and not counted by the brake, or ``""``
    (domain-rules §12): no account to lose, a corrected duplicate, a recorded
    SIECLE leaving date, the final year in the delivery that opens a school
    year, a guardian whose children all leave."""
    if d.state not in COUNTED_STATES:
        return NOT_AN_ACCOUNT
    if d.reason == "duplicate":
        return EXPECTED_DUPLICATE
    if siecle_leaving:
        return EXPECTED_SIECLE
    if d.population == STUDENTS and final_year and opens_school_year:
        return EXPECTED_FINAL_YEAR
    if d.population == GUARDIANS and children_all_leaving:
        return FOLLOWS_CHILDREN
    return ""


def assess(
    departures: Iterable[Departure], accounts: Mapping[tuple[str, str], int], limits: Mapping[str, Limit]
) -> Assessment:
    """Count the departures per (structure, population) and apply each
    population's limit. ``accounts`` gives the pending and active accounts
    of each (structure, population) before the change."""
    listed: dict[tuple[str, str], list[Departure]] = {}
    for d in departures:
        for s in d.structures or {""}:  # a person attached to no structure is still counted, under ""
            listed.setdefault((s, d.population), []).append(d)
    out = []
    for (structure, pop), items in sorted(listed.items()):
        counted = sum(1 for d in items if not d.expected)
        limit = limits[pop]
        total = accounts.get((structure, pop), 0)
        out.append(
            Count(
                structure,
                pop,
                len(items),
                len(items) - counted,
                counted,
                total,
                limit.share,
                limit.minimum,
                limit.exceeded(counted, total),
            )
        )
    return Assessment(tuple(out))


# ---------------------------------------------------------------- final year, school year


def school_year(day: date, starts: tuple[int, int] = (8, 1)) -> int:
    """The school year a day belongs to, named by the calendar year it starts
    in (``starts`` = month, day of its first day; 1 August by default: the
    académie hands the new year's data over mid-August, domain-rules §9)."""
    return day.year if (day.month, day.day) >= starts else day.year - 1


def leaves_at_year_end(left_on: date, starts: tuple[int, int] = (8, 1)) -> bool:
    """A SIECLE leaving date at the end of a school year: from 1 June to a
    month after the next school year starts (leavers of the summer, whose
    dates SIECLE records in June, July and the first weeks of the rentrée).
    With the final year, what a SIECLE export's brake does not count
    (domain-rules §12: expected leavers)."""
    month, day = starts
    return date(left_on.year, 6, 1) <= left_on < date(left_on.year, month, day) + timedelta(days=31)


def is_final_year(mef: str, mef_label: str, mef_prefixes: Iterable[str], label_pattern: str) -> bool:
    """The last year of an establishment (3e in a collège, terminale in a
    lycée), from the student's MEF code, else its label (domain-rules §12).

    The MEF's first three digits name the training (103 = 3e, 202 = terminale
    générale, 212 = terminale technologique…); which codes are final is
    configuration, and the label is the fallback for codes the list does not
    know (*uncertain*: MEF codes are national but their final years are not
    published as a list we could find; labels such as ``3EME``,
    ``TERMINALE GENERALE``, ``TLEPRO …`` are what exports carry)."""
    mef = (mef or "").strip()
    if mef and any(mef.startswith(p) for p in mef_prefixes):
        return True
    return bool(label_pattern and mef_label and re.search(label_pattern, mef_label.strip(), re.IGNORECASE))
