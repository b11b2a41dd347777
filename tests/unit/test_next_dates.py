"""The dates the scheduler's timer waits for, on the in-memory twin
(TickQueries.next_dates, projections/tick_queries.py): a SIECLE leaving date
still to come arms it at the establishments' midnight of that day, and a
date already past never does — the plan judges it (daemon/service/due.py).
The other kinds on SQLite and PostgreSQL through the real scheduler:
tests/integration/test_scheduler_ends.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from daemon.service.due import due_state
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from tests.unit.test_siecle_usecases import ELEVES, RECEIVED, T0, given_college, student, uow  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")
LEAVES = datetime(2026, 4, 24, 0, tzinfo=PARIS)  # 650003's leaving date in the export


def test_a_leaving_date_to_come_arms_the_timer_at_its_midnight_then_declares_the_departure(uow):  # noqa: F811
    given_college(uow)
    uow.log.save(*(student(f"E{n}", "S1", eleve_id=f"65000{n}") for n in (1, 2, 3)))
    assert ingest_siecle(ELEVES, uow, RECEIVED).status == "applied"
    after = RECEIVED + timedelta(days=3)  # the 48 h past: E1 and E3 are created
    tick(uow, after)
    state = due_state(uow, after)
    assert state.dates.leaving == LEAVES and state.creation_due is None and not state.due_now
    assert state.next(after) == LEAVES  # nothing else dated: the leaving date arms the timer
    assert due_state(uow, LEAVES - timedelta(seconds=1)).next(LEAVES - timedelta(seconds=1)) == LEAVES

    _, done = tick(uow, LEAVES)
    assert [(t.kind, t.jointure) for t in done if t.kind == "declare-departure"] == [("declare-departure", "E3")]
    # Declared: its leaving date is past and no longer arms the timer; its removal date does.
    later = due_state(uow, LEAVES)
    assert later.dates.leaving is None and later.removal_due is not None and later.removal_due > LEAVES


def test_a_date_already_past_does_not_arm_the_timer(uow):  # noqa: F811
    given_college(uow)
    uow.log.save(student("E1", "S1", eleve_id="650001"))  # seen at T0, due 48 h later
    uow.projection.catch_up(uow.log)
    due = uow.tick_queries.next_dates(T0, uow.policy).creation
    assert due == T0 + timedelta(hours=48)
    # The creation is due and not recorded yet: the plan says so, not the date.
    late = due + timedelta(hours=1)
    assert uow.tick_queries.next_dates(late, uow.policy).creation is None
    assert due_state(uow, late).due_now and due_state(uow, late).next(late) == late
