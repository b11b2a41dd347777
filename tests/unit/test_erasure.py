"""Erasures recorded on time on the in-memory twin (events/usecases/erasure.py,
domain-rules §12): a student removed at Toussaint is erased three months
later by the tick, not before, not while purges are held, once; a process
that dies between the keys' destruction and the record is recorded by the
next run. The same story through the CLI on SQLite and PostgreSQL:
tests/integration/test_erasure_cli.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon import bootstrap
from daemon.service.due import due_state
from events.account import Account, account_id
from events.erasure import erasure_id
from events.faults import StopAt
from events.login import legacy_login_id, login_id
from events.personal import ERASED
from events.usecases.erasure import erase_due, erased_count, overdue_count, recorded
from events.usecases.tick import hold_removals, lift_hold, tick

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
LEFT = datetime(2026, 9, 15, 6, tzinfo=timezone.utc)
TOUSSAINT = datetime.combine(datetime(2026, 10, 17).date(), time(0), ZoneInfo("Europe/Paris"))
ERASABLE = TOUSSAINT.astimezone(timezone.utc) + timedelta(days=92)  # 92 days of 24 hours


class Crash(Exception):
    pass


def crash() -> None:
    raise Crash


def removed_family(uow) -> None:
    """Léa and her mother, created at the rentrée; Léa left in September: both removed at Toussaint."""
    for jointure, category, given, attrs in (
        ("E1", "Eleve", "Léa", {"ENTElevePersRelEleve": ["G1$10$$1"]}),
        ("G1", "PersRelEleve", "Anne", {}),
    ):
        attrs = {"givenName": [given], "sn": ["Martin"], **attrs}
        uow.log.save(Account(jointure, category, attrs, "d", "D0", "f.xml", 1, T0, DUE))
    uow.projection.catch_up(uow.log)
    tick(uow, DUE)
    account = uow.log.get(account_id("E1"))
    account.leave("absent_from_complete", "D1", LEFT, TOUSSAINT, False)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    assert [t.kind for t in tick(uow, TOUSSAINT)[1]] == ["remove", "remove"]


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    removed_family(ctx)
    yield ctx
    ctx.close()


def names(uow, jointure: str) -> tuple[list[str], list[str]]:
    attrs = uow.log.get(account_id(jointure)).attrs
    return attrs["givenName"], attrs["sn"]


def test_removed_at_toussaint_erased_three_months_later_by_the_tick(uow):
    assert [t.kind for t in tick(uow, ERASABLE - timedelta(minutes=1))[1]] == []
    assert names(uow, "E1") == (["Léa"], ["Martin"])

    at, listed = tick(uow, ERASABLE, dry_run=True)
    assert [(t.kind, t.jointure) for t in listed] == [("erase", "E1"), ("erase", "G1")]
    assert uow.log.find(erasure_id(str(account_id("E1")))) is None  # a dry run records nothing

    _, done = tick(uow, ERASABLE)
    assert [(t.kind, t.jointure, t.reason) for t in done] == [
        ("erase", "E1", "retention"),
        ("erase", "G1", "retention"),
    ]
    assert names(uow, "E1") == ([ERASED], [ERASED]) and names(uow, "G1") == ([ERASED], [ERASED])
    fact = uow.log.get(erasure_id(str(account_id("E1"))))
    lea = str(account_id("E1"))
    assert fact.account_id == lea and fact.erased_at == ERASABLE
    # Its login's reservation: the keyed stream, and the uuid5 one a store of an earlier release has.
    assert fact.subjects == [lea, str(login_id(uow.pepper, "lea.martin")), str(legacy_login_id("lea.martin"))]
    assert uow.log.get(login_id(uow.pepper, "lea.martin")).login == ERASED
    assert [(e.jointure, e.keys) for e in recorded(uow)] == [("E1", 2), ("G1", 2)]

    assert erased_count(uow) == 2  # the counter the metrics expose
    assert tick(uow, ERASABLE + timedelta(days=1))[1] == []  # once
    assert overdue_count(uow, ERASABLE + timedelta(days=30)) == 0


def test_held_with_the_purges_and_overdue_after_a_day(uow):
    hold_removals(uow, "ops", "checking", ERASABLE - timedelta(days=1))
    position = uow.log.max_position()
    _, held = tick(uow, ERASABLE + timedelta(days=2))
    assert [(t.kind, t.jointure) for t in held] == [("erase-held", "E1"), ("erase-held", "G1")]
    assert uow.log.max_position() == position and names(uow, "E1") == (["Léa"], ["Martin"])
    assert overdue_count(uow, ERASABLE + timedelta(hours=23)) == 0
    assert overdue_count(uow, ERASABLE + timedelta(days=2)) == 2 and erased_count(uow) == 0

    lift_hold(uow, "ops", ERASABLE + timedelta(days=2))
    assert [t.kind for t in tick(uow, ERASABLE + timedelta(days=2, hours=1))[1]] == ["erase", "erase"]
    assert overdue_count(uow, ERASABLE + timedelta(days=3)) == 0


def test_a_crash_between_the_keys_and_the_record_is_recorded_by_the_next_run():
    uow = bootstrap.build("memory:", simulation=True, faults=StopAt(1, frozenset({"keys.destroyed"}), crash))
    removed_family(uow)
    with pytest.raises(Crash):
        erase_due(uow, ERASABLE)
    lea = str(account_id("E1"))
    assert names(uow, "E1") == ([ERASED], [ERASED])  # erased, not recorded
    assert uow.log.find(erasure_id(lea)) is None

    report = erase_due(uow, ERASABLE + timedelta(hours=6))
    assert [e.jointure for e in report.erased] == ["E1", "G1"]
    fact = uow.log.get(erasure_id(lea))
    assert fact.erased_at == ERASABLE  # when the keys were destroyed
    assert [(e.jointure, e.keys) for e in recorded(uow)] == [("E1", 2), ("G1", 2)]
    assert erase_due(uow, ERASABLE + timedelta(days=1)).erased == []
    uow.close()


def test_the_services_recheck_finds_an_erasure_due(uow):
    # An erasure has no date in the timer: the recheck's due_state must see it, once, and not held ones.
    assert not due_state(uow, ERASABLE - timedelta(hours=1)).due_now
    assert due_state(uow, ERASABLE).due_now
    hold_removals(uow, "ops", "audit", ERASABLE)
    assert not due_state(uow, ERASABLE + timedelta(hours=1)).due_now
    lift_hold(uow, "ops", ERASABLE + timedelta(hours=2))
    tick(uow, ERASABLE + timedelta(hours=3))
    assert not due_state(uow, ERASABLE + timedelta(hours=4)).due_now
    assert [e.jointure for e in recorded(uow)] == ["E1", "G1"]


def test_a_record_that_never_had_an_account_is_due_from_the_day_it_left_the_source(uow):
    # A guardian declined at creation (no eligible child), present in a later delivery, gone at the one after.
    uow.log.save(Account("G9", "PersRelEleve", {"sn": ["Roux"], "givenName": ["Paul"]}, "d", "D0", "f.xml", 1, T0, DUE))
    account = uow.log.get(account_id("G9"))
    account.decline("no_eligible_child", DUE)
    uow.log.save(account)
    account = uow.log.get(account_id("G9"))
    account.leave("absent_from_complete", "D2", TOUSSAINT, TOUSSAINT, False)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    gone = {g.account_id: g.gone_at for g in uow.erasure_queries.gone(TOUSSAINT + timedelta(days=1))}
    assert gone[str(account_id("G9"))] == TOUSSAINT  # not the day of its last delivery (T0)
    assert str(account_id("G9")) not in {g.account_id for g in uow.erasure_queries.gone(TOUSSAINT - timedelta(days=1))}
