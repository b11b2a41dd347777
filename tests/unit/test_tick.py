"""The clock on the in-memory twin (domain-rules §3, §4, §11): given the
people the sources brought (recorded as events and folded into the read
model), when the clock ticks or the operator holds removals, then these
facts are recorded and this is answered. The same stories run on SQLite and
PostgreSQL in tests/integration (test_lifecycle, test_scheduler)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon import bootstrap
from events.account import Account, account_id
from events.usecases.tick import due, hold_removals, lift_hold, purge_hold, tick

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)  # the rentrée delivery
DUE = T0 + timedelta(hours=48)
LEFT = datetime(2026, 9, 15, 6, tzinfo=timezone.utc)  # a departure in September
TOUSSAINT = datetime.combine(datetime(2026, 10, 17).date(), time(0), ZoneInfo("Europe/Paris"))


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    yield ctx
    ctx.close()


def given_person(uow, jointure: str, category: str, given: str, family: str, **attrs: list[str]) -> None:
    uow.log.save(
        Account(jointure, category, {"givenName": [given], "sn": [family], **attrs}, "d", "D0", "f.xml", 1, T0, DUE)
    )
    uow.projection.catch_up(uow.log)


def given_family(uow) -> None:
    """A student and her mother, legal representative (respLegal 1)."""
    given_person(uow, "E1", "Eleve", "Léa", "Martin", ENTElevePersRelEleve=["G1$10$$1"])
    given_person(uow, "G1", "PersRelEleve", "Anne", "Martin")


def given_departure(uow, jointure: str) -> None:
    """The person left the structure in September: removed at Toussaint."""
    account = uow.log.get(account_id(jointure))
    account.leave("absent_from_complete", "D1", LEFT, TOUSSAINT, False)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)


def recorded_since(uow, position: int) -> list[str]:
    return [type(event).__qualname__ for _, event in uow.log.iter_events(after=position)]


def states(uow) -> dict[str, str]:
    return {j: uow.log.get(account_id(j)).state for j in ("E1", "G1")}


def test_creations_are_recorded_when_due_with_their_logins(uow):
    given_family(uow)
    at, early = tick(uow, DUE - timedelta(minutes=1))
    assert early == [] and states(uow) == {"E1": "pending", "G1": "pending"}

    at, listed = tick(uow, DUE, dry_run=True)
    assert [(t.kind, t.jointure, t.login) for t in listed] == [
        ("create", "E1", "lea.martin"),
        ("create", "G1", "anne.martin"),
    ]
    assert states(uow) == {"E1": "pending", "G1": "pending"}  # a dry run records nothing

    position = uow.log.max_position()
    at, done = tick(uow, DUE)
    assert at == DUE and done == listed
    assert sorted(recorded_since(uow, position)) == [
        "Account.AccountCreated",
        "Account.AccountCreated",
        "Login.Reserved",
        "Login.Reserved",
    ]
    assert states(uow) == {"E1": "active", "G1": "active"}
    assert uow.log.get(account_id("E1")).login == "lea.martin"
    assert tick(uow, DUE + timedelta(hours=1))[1] == []  # once


def test_a_guardian_without_a_legal_link_is_declined(uow):
    given_person(uow, "E1", "Eleve", "Léa", "Martin", ENTElevePersRelEleve=["G1$10$$0"])
    given_person(uow, "G1", "PersRelEleve", "Anne", "Martin")
    _, done = tick(uow, DUE)
    assert [(t.kind, t.jointure, t.reason) for t in done] == [
        ("create", "E1", "creation_due"),
        ("decline", "G1", "no_legal_link"),
    ]
    assert states(uow) == {"E1": "active", "G1": "no_account"}


def test_a_departed_student_is_removed_at_toussaint_and_her_guardian_with_her(uow):
    given_family(uow)
    tick(uow, DUE)
    given_departure(uow, "E1")
    assert tick(uow, TOUSSAINT - timedelta(minutes=1))[1] == []
    assert due(uow, TOUSSAINT - timedelta(minutes=1)) == []  # the scheduler's view: nothing due yet

    position = uow.log.max_position()
    _, done = tick(uow, TOUSSAINT)
    assert [(t.kind, t.jointure, t.reason) for t in done] == [
        ("remove", "E1", "toussaint"),
        ("remove", "G1", "last_child_removed"),
    ]
    assert recorded_since(uow, position) == ["Account.Removed", "Account.Removed"]
    assert states(uow) == {"E1": "removed", "G1": "removed"}


def test_held_removals_are_listed_not_recorded_until_the_hold_is_lifted(uow):
    given_family(uow)
    tick(uow, DUE)
    given_departure(uow, "E1")
    assert purge_hold(uow) == {"held": False}  # never placed

    hold_removals(uow, "ops", "checking the November delivery", TOUSSAINT - timedelta(days=1))
    assert purge_hold(uow) == {
        "held": True,
        "operator": "ops",
        "reason": "checking the November delivery",
        "at": (TOUSSAINT - timedelta(days=1)).astimezone(timezone.utc).isoformat(),
    }
    assert [t.kind for t in due(uow, TOUSSAINT)] == ["remove-held", "remove-held"]
    position = uow.log.max_position()
    _, held = tick(uow, TOUSSAINT)
    assert [(t.kind, t.jointure) for t in held] == [("remove-held", "E1"), ("remove-held", "G1")]
    assert uow.log.max_position() == position  # nothing recorded
    assert states(uow) == {"E1": "departing", "G1": "active"}
    with pytest.raises(ValueError, match="already held"):
        hold_removals(uow, "ops", "twice", TOUSSAINT)

    lift_hold(uow, "ops", TOUSSAINT + timedelta(hours=1))
    assert purge_hold(uow)["held"] is False and purge_hold(uow)["operator"] == "ops"
    _, done = tick(uow, TOUSSAINT + timedelta(hours=2))
    assert [(t.kind, t.jointure) for t in done] == [("remove", "E1"), ("remove", "G1")]
    assert states(uow) == {"E1": "removed", "G1": "removed"}


def test_a_hold_never_placed_cannot_be_lifted(uow):
    with pytest.raises(ValueError, match="not held"):
        lift_hold(uow, "ops", T0)
    assert purge_hold(uow) == {"held": False}
