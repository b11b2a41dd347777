"""The next instant the due-transitions job must run (daemon/service/due.py):
one timer for the earliest creation (domain-rules §3) or removal (§4),
removals left out while an operator holds them (§11)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon.service.due import next_due_instant

NOW = datetime(2026, 8, 20, 7, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    "creation, removal, held, due_now, expected",
    [
        (None, None, False, False, None),  # nothing waits: no timer
        (NOW + 5 * H, None, False, False, NOW + 5 * H),  # the next creation
        (None, NOW + 2 * H, False, False, NOW + 2 * H),  # the next removal
        (NOW + 5 * H, NOW + 2 * H, False, False, NOW + 2 * H),  # the earliest of both
        (NOW + 5 * H, NOW + 2 * H, True, False, NOW + 5 * H),  # removals held: creations only
        (None, NOW + 2 * H, True, False, None),  # held and nothing else: no timer
        (NOW + 5 * H, NOW + 2 * H, False, True, NOW),  # something due already: now
        (NOW - 3 * H, None, False, False, NOW),  # overdue: now, never in the past
        (None, NOW - H, True, False, None),  # a held removal overdue does not spin
    ],
)
def test_next_due_instant(creation, removal, held, due_now, expected):
    assert next_due_instant(NOW, creation, removal, held, due_now) == expected
