"""The console's sessions (daemon/http/console/sessions.py): they end after
their idle time or their lifetime, on log-out, and the oldest goes when too
many are open; the CSRF comparison refuses what is missing or different."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon.http.console import sessions as sessions_
from daemon.http.console.sessions import IDLE, LIFETIME, Sessions, same
from events.clock import ManualClock

T = datetime(2026, 9, 17, 8, tzinfo=timezone.utc)


def test_a_session_is_found_by_its_id_and_never_shows_its_token():
    kept = Sessions(ManualClock(T))
    session = kept.open("entsync_secret")
    assert kept.get(session.sid) is session and session.sid != session.csrf
    assert "entsync_secret" not in repr(session) and session.csrf not in repr(session)
    assert kept.get(None) is None and kept.get("") is None and kept.get("another") is None


@pytest.mark.parametrize(
    ("pauses", "alive"),
    [
        ([IDLE - timedelta(seconds=1)], True),
        ([IDLE + timedelta(seconds=1)], False),
        ([IDLE - timedelta(minutes=1)] * 20, True),  # active all day: each page resets the idle time
        ([IDLE - timedelta(minutes=1)] * 21, False),  # 10 h 30 in all: past its lifetime
    ],
)
def test_a_session_ends_when_idle_too_long_or_older_than_its_lifetime(pauses, alive):
    clock = ManualClock(T)
    kept = Sessions(clock)
    session = kept.open("token")
    found = session
    for pause in pauses:
        clock.advance(pause.total_seconds())
        found = kept.get(session.sid)
        if found is None:
            break
    assert (found is not None) is alive
    assert sum(pauses, timedelta()) <= LIFETIME or not alive


def test_an_ended_session_is_forgotten():
    clock = ManualClock(T)
    kept = Sessions(clock)
    session = kept.open("token")
    clock.advance((IDLE + timedelta(seconds=1)).total_seconds())
    assert kept.get(session.sid) is None and len(kept) == 0


def test_logging_out_forgets_the_session():
    kept = Sessions(ManualClock(T))
    session, other = kept.open("a"), kept.open("b")
    kept.close(session.sid)
    kept.close(None)  # no cookie: nothing to forget
    assert kept.get(session.sid) is None and kept.get(other.sid) is other


def test_the_oldest_session_goes_when_too_many_are_open(monkeypatch):
    monkeypatch.setattr(sessions_, "MAX_SESSIONS", 3)
    kept = Sessions(ManualClock(T))
    first, second = kept.open("1"), kept.open("2")
    kept.get(first.sid)  # used again: the second is now the oldest in use
    kept.open("3"), kept.open("4")
    assert len(kept) == 3 and kept.get(second.sid) is None and kept.get(first.sid) is first


@pytest.mark.parametrize(
    ("expected", "presented", "accepted"),
    [("abc", "abc", True), ("abc", "abd", False), ("abc", "", False), ("", "", False), (None, None, False)],
)
def test_a_csrf_value_must_be_present_and_equal(expected, presented, accepted):
    assert same(expected, presented) is accepted
