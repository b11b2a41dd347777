"""The brake on SIECLE leaving dates (domain-rules §12): an export that would
make too many of an establishment's accounts depart at once is held, as an
AAF delivery is (events/usecases/brake_check.py counts and describes both)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from adapters.siecle import ElevesExport
from events import brakes
from events.brakes import Departure
from events.policy import Policy
from events.usecases.brake_check import BrakeQueries, details, population_sizes
from events.usecases.siecle_correlation import CorrelationQueries, student_correlations


class LeavingQueries(CorrelationQueries, Protocol):
    def leaving_dates(self, uai: str) -> dict[str, str]:
        """ELEVE_ID → the leaving date recorded for each student of the establishment ("" when none)."""


class LeavingBrakeWork(Protocol):
    # Read-only properties, as the other units of work declare theirs: a plain
    # Protocol attribute is invariant, and the context's narrower types would not match it.
    @property
    def policy(self) -> Policy: ...
    @property
    def brake_queries(self) -> BrakeQueries: ...
    @property
    def siecle_queries(self) -> LeavingQueries: ...


def _expected(state: str, left_on: date | None, mef: str, policy: Policy) -> str:
    """Why a departure is not counted: not an account yet, or a final-year
    student leaving at the end of a school year ("" when counted). The export
    carries the MEF code, not its label."""
    if state not in brakes.COUNTED_STATES:
        return brakes.NOT_AN_ACCOUNT
    if left_on is None:
        return ""
    if brakes.leaves_at_year_end(left_on, policy.school_year_start) and brakes.is_final_year(
        mef, "", policy.final_year_mef_prefixes, policy.final_year_label_pattern
    ):
        return brakes.EXPECTED_FINAL_YEAR
    return ""


def leaving_brake(uow: LeavingBrakeWork, uai: str, export: ElevesExport, at: datetime) -> dict[str, Any] | None:
    """The students whose leaving date this export newly sets (or moves) and
    whose account is pending or active are the departures, per population of
    the establishment's structure; final-year students leaving at the end of
    a school year are expected and not counted. Returns the ``Held`` details
    when the brake is exceeded, else None."""
    recorded = uow.siecle_queries.leaving_dates(uai)
    changed = {
        s.eleve_id: s
        for s in export.students
        if s.left_on is not None and s.left_on.isoformat() != recorded.get(s.eleve_id, "")
    }
    if not changed:
        return None
    correlations = student_correlations(uow, uai, {eid: s.ine for eid, s in changed.items()})
    linked = {eid: c for eid, c in correlations.items() if c.resolved}
    if not linked:
        return None
    structure = next((sj for sj, u in uow.brake_queries.structure_uais().items() if u == uai), uai)
    accounts = uow.brake_queries.accounts(sorted({c.jointure for c in linked.values()}))
    found = []
    for eid, c in sorted(linked.items(), key=lambda kv: kv[0]):
        account = accounts.get(c.jointure)
        if account is None or account.account_id != c.account_id:
            continue
        s = changed[eid]
        expected = _expected(account.state, s.left_on, s.mef or "", uow.policy)
        found.append(
            Departure(
                c.account_id,
                c.jointure,
                account.profile,
                account.state,
                frozenset({structure}),
                "siecle_leaving_date",
                expected,
            )
        )
    assessment = brakes.assess(found, population_sizes(uow, {structure}), uow.policy.brake_limits())
    if not assessment.held:
        return None
    return {**details(uow, assessment, found, False), "siecle": {"uai": uai, "leaving_dates_set": len(changed)}}
