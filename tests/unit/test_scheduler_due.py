"""The next instant the due-transitions job must run (daemon/service/due.py):
one timer for the earliest dated transition — a creation (domain-rules §3), a
removal (§4: a departure, a duplicate's deletion, a manual account's end
date), an admin's attachment's end, a SIECLE leaving date — removals left out
while an operator holds them (§11); an attachment's end and a leaving date
are not removals and are never held."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon.service.due import next_due_instant
from events.usecases.tick import NextDates

NOW = datetime(2026, 8, 20, 7, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    "creation, removal, end, leaving, held, due_now, expected",
    [
        (None, None, None, None, False, False, None),  # nothing waits: no timer
        (NOW + 5 * H, None, None, None, False, False, NOW + 5 * H),  # the next creation
        (None, NOW + 2 * H, None, None, False, False, NOW + 2 * H),  # the next removal
        (NOW + 5 * H, NOW + 2 * H, None, None, False, False, NOW + 2 * H),  # the earliest of both
        (NOW + 5 * H, NOW + 2 * H, None, None, True, False, NOW + 5 * H),  # removals held: creations only
        (None, NOW + 2 * H, None, None, True, False, None),  # held and nothing else: no timer
        (NOW + 5 * H, NOW + 2 * H, None, None, False, True, NOW),  # something due already: now
        (NOW - 3 * H, None, None, None, False, False, NOW),  # overdue: now, never in the past
        (None, NOW - H, None, None, True, False, None),  # a held removal overdue does not spin
        (None, None, NOW + 3 * H, None, False, False, NOW + 3 * H),  # an attachment's end alone
        (NOW + 5 * H, NOW + 4 * H, NOW + 3 * H, None, False, False, NOW + 3 * H),  # the end comes first
        (None, NOW + 2 * H, NOW + 3 * H, None, True, False, NOW + 3 * H),  # an end is never held
        (None, None, None, NOW + 6 * H, False, False, NOW + 6 * H),  # a leaving date alone
        (NOW + 9 * H, None, NOW + 8 * H, NOW + 6 * H, False, False, NOW + 6 * H),  # the leaving date first
        (None, NOW + H, None, NOW + 6 * H, True, False, NOW + 6 * H),  # a leaving date is not a removal
        (None, NOW + H, NOW + 3 * H, NOW + 6 * H, False, False, NOW + H),  # the earliest of all kinds
        (None, None, NOW + 3 * H, NOW + 6 * H, False, True, NOW),  # due already beats every date
    ],
)
def test_next_due_instant(creation, removal, end, leaving, held, due_now, expected):
    dates = NextDates(creation=creation, removal=removal, attachment_end=end, leaving=leaving)
    assert next_due_instant(NOW, dates, held, due_now) == expected
