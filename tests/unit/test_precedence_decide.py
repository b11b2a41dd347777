"""SIECLE before the AAF, the rule alone (domain-rules §11, Precedence): given
these rows of the read models and this day, then these decisions."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from events.usecases.precedence import Decision, Declaration, Enrolment, Sighting, decide

TODAY = date(2026, 9, 15)
AUG_17 = datetime(2026, 8, 17, 8, tzinfo=timezone.utc)
AUG_18 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
AUG_19 = datetime(2026, 8, 19, 6, tzinfo=timezone.utc)


def seen(account: str, first_seen: datetime, source: str, at: datetime | None) -> Sighting:
    return Sighting(account, f"J{account}", first_seen, source, at)


def enrolled(account: str, state: str, source: str, left_on: str = "", enrolled: bool = True) -> Enrolment:
    return Enrolment(account, f"J{account}", state, source, left_on, enrolled)


CASES = {
    "nothing recorded, nothing to decide": ([], [], [], []),
    "seen in SIECLE first: the clock advances to the SIECLE sighting": (
        [seen("A1", AUG_19, "S1", AUG_18)],
        [],
        [],
        [Decision("advance-clock", "A1", "JA1", "S1", "seen_in_siecle_first", seen_at=AUG_18.isoformat())],
    ),
    "the earliest of two SIECLE sightings": (
        [seen("A1", AUG_19, "S1", AUG_18), seen("A1", AUG_19, "G1", AUG_17)],
        [],
        [],
        [Decision("advance-clock", "A1", "JA1", "G1", "seen_in_siecle_first", seen_at=AUG_17.isoformat())],
    ),
    "seen in SIECLE after the AAF, or never: the AAF's clock stays": (
        [seen("A1", AUG_18, "S1", AUG_19), seen("A2", AUG_18, "S2", None)],
        [],
        [],
        [],
    ),
    "a leaving date that has come: the departure is declared": (
        [],
        [enrolled("A1", "active", "S1", "2026-09-10")],
        [],
        [Decision("declare-departure", "A1", "JA1", "S1", "siecle_leaving_date", left_on="2026-09-10")],
    ),
    "a leaving date today is a leaving date that has come, also for a pending account": (
        [],
        [enrolled("A1", "pending", "S1", "2026-09-15")],
        [],
        [Decision("declare-departure", "A1", "JA1", "S1", "siecle_leaving_date", left_on="2026-09-15")],
    ),
    "the latest of two ended enrolments": (
        [],
        [enrolled("A1", "active", "S1", "2026-07-04", enrolled=False), enrolled("A1", "active", "S2", "2026-09-10")],
        [],
        [Decision("declare-departure", "A1", "JA1", "S2", "siecle_leaving_date", left_on="2026-09-10")],
    ),
    "a leaving date to come: nothing yet": ([], [enrolled("A1", "active", "S1", "2026-10-01")], [], []),
    "another SIECLE enrolment still going on: no departure": (
        [],
        [enrolled("A1", "active", "S1", "2026-09-10"), enrolled("A1", "active", "S2")],
        [],
        [],
    ),
    "the same leaving date declared before (even if cancelled since): never again": (
        [],
        [enrolled("A1", "active", "S1", "2026-09-10")],
        [Declaration("A1", "2026-09-10", "cancelled")],
        [],
    ),
    "the leaving date moved later: the departure is cancelled": (
        [],
        [enrolled("A1", "departing", "S1", "2026-12-18")],
        [Declaration("A1", "2026-09-10", "declared")],
        [Decision("cancel-departure", "A1", "JA1", "S1", "leaving_date_moved", left_on="2026-09-10")],
    ),
    "the leaving date cleared: the departure of a withdrawn account is cancelled": (
        [],
        [enrolled("A1", "withdrawn", "S1")],
        [Declaration("A1", "2026-09-10", "declared")],
        [Decision("cancel-departure", "A1", "JA1", "S1", "leaving_date_cleared", left_on="2026-09-10")],
    ),
    "a departure SIECLE did not declare is not SIECLE's to cancel": (
        [],
        [enrolled("A1", "departing", "S1")],
        [],
        [],
    ),
    "a student no longer enrolled does not cancel anything": (
        [],
        [enrolled("A1", "departing", "S1", enrolled=False)],
        [Declaration("A1", "2026-09-10", "declared")],
        [],
    ),
}


@pytest.mark.parametrize(("sightings", "enrolments", "declarations", "expected"), CASES.values(), ids=CASES.keys())
def test_decide(sightings, enrolments, declarations, expected):
    assert decide(sightings, enrolments, declarations, TODAY) == expected


def test_decisions_come_clocks_first_then_departures_each_by_jointure():
    decisions = decide(
        [seen("B", AUG_19, "SB", AUG_18), seen("A", AUG_19, "SA", AUG_18)],
        [enrolled("D", "active", "SD", "2026-09-01"), enrolled("C", "active", "SC", "2026-09-01")],
        [],
        TODAY,
    )
    assert [(d.kind, d.jointure) for d in decisions] == [
        ("advance-clock", "JA"),
        ("advance-clock", "JB"),
        ("declare-departure", "JC"),
        ("declare-departure", "JD"),
    ]
