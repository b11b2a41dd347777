"""SIECLE before the AAF on the account aggregate (domain-rules §11, Precedence)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.account import Account
from events.account_commands import TransitionRefused
from events.enrolment import new_enrolment

T0 = datetime(2026, 8, 25, 6, tzinfo=timezone.utc)
DELAY = timedelta(hours=48)
# A student of structure S1, class 4A, group G1.
ATTRS = {
    "sn": ["Martin"],
    "givenName": ["Léa"],
    "ENTPersonStructRattach": ["S1"],
    "ENTEleveClasses": ["S1$4A"],
    "ENTEleveGroupes": ["S1$G1"],
}


def account(created: bool = True) -> Account:
    a = Account(
        jointure="1234567",
        category="Eleve",
        attrs=ATTRS,
        digest="d0",
        delivery_id="D1",
        file="f.xml",
        line=5,
        at=T0,
        creation_due=T0 + DELAY,
    )
    if created:
        a.create_account("lea.martin", T0 + DELAY)
    return a


def declared(a: Account) -> Account:
    a.declare_departure(
        "siecle",
        "S-stream",
        "2026-09-10",
        T0 + timedelta(days=16),
        T0 + timedelta(days=60),
        False,
        T0 + timedelta(days=17),
    )
    return a


def names(a: Account) -> list[str]:
    return [type(e).__name__ for e in a.collect_events()]


def test_earlier_sighting_advances_the_clock_and_only_backwards():
    a = account(created=False)
    seen = T0 - timedelta(days=5)
    with pytest.raises(TransitionRefused):
        a.advance_creation_clock("siecle", "S", T0 + timedelta(hours=1), T0 + DELAY, T0)
    a.advance_creation_clock("siecle", "S", seen, seen + DELAY, T0)
    assert (a.first_seen, a.creation_due) == (seen, seen + DELAY)
    a.create_account("lea.martin", T0)  # due already: the AAF record did not restart the clock
    assert names(a) == ["Appeared", "CreationClockAdvanced", "AccountCreated"]


def test_declared_departure_of_an_active_account_then_toussaint():
    a = declared(account())
    assert (a.state, a.removal_due, a.declared_left_on) == ("departing", T0 + timedelta(days=60), "2026-09-10")
    a.remove("toussaint", T0 + timedelta(days=61))
    assert a.state == "removed"
    with pytest.raises(TransitionRefused, match="only pending or active accounts depart"):
        declared(a)


def test_declared_departure_of_a_pending_account_means_never_created():
    a = declared(account(created=False))
    assert a.state == "withdrawn" and a.removal_due is None
    with pytest.raises(TransitionRefused):
        a.create_account("lea.martin", T0 + DELAY)


def test_the_aaf_still_listing_the_person_does_not_cancel_it():
    a = declared(account())
    # same structure and class; another group and a corrected name are not a new enrolment
    a.record(
        {**ATTRS, "ENTEleveGroupes": ["S1$G2"], "sn": ["Martín"]},
        "d1",
        "D2",
        "g.xml",
        3,
        T0 + timedelta(days=20),
        DELAY,
    )
    assert a.state == "departing"
    assert names(a)[-1] == "Changed"


@pytest.mark.parametrize(
    "change", [{"ENTEleveClasses": ["S1$3B"]}, {"ENTPersonStructRattach": ["S2"], "ENTEleveClasses": ["S2$4A"]}]
)
def test_a_new_enrolment_in_the_aaf_cancels_it(change):
    a = declared(account())
    a.record({**ATTRS, **change}, "d1", "D2", "g.xml", 3, T0 + timedelta(days=20), DELAY)
    assert (a.state, a.login, a.removal_due) == ("active", "lea.martin", None)
    events = a.collect_events()
    assert [type(e).__name__ for e in events][-2:] == ["Changed", "DepartureCancelled"]
    assert events[-1].reason == "new_enrolment" and events[-1].evidence["left_on"] == "2026-09-10"


def test_cancelled_in_siecle_returns_to_the_state_before():
    active, pending = declared(account()), declared(account(created=False))
    for a in (active, pending):
        a.cancel_declared_departure("leaving_date_cleared", {"left_on": "2026-09-10"}, T0 + timedelta(days=30))
    assert (active.state, pending.state) == ("active", "pending")
    with pytest.raises(TransitionRefused):
        active.cancel_declared_departure("leaving_date_cleared", {}, T0 + timedelta(days=31))


def test_new_enrolment_rule():
    base = {"structures": ["S1"], "classes": ["S1$4A"]}
    assert not new_enrolment(base, base)
    assert not new_enrolment(base, {"structures": [], "classes": ["S1$4A"]})  # left a structure: not an enrolment
    assert new_enrolment(base, {"structures": ["S1", "S2"], "classes": ["S1$4A"]})
    assert new_enrolment(base, {"structures": ["S1"], "classes": ["S1$4B"]})
    assert not new_enrolment(base, {"structures": ["S1"], "classes": []})  # no class any more: not an enrolment
