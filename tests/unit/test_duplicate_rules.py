"""The rules of an operator's duplicate mark as tables (issue 13,
domain-rules §5): who may be marked, of whom, when a mark may be undone,
when the account is deleted, and what a delivery makes of a marked account."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.account_rules import Reentry, reentry
from events.duplicate_rules import MarkRefused, check_mark, check_unmark, deletion_due

AT = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
DELAY = timedelta(hours=48)


@pytest.mark.parametrize(
    "state, marked_of, jointure, of, of_state, reason, code",
    [
        ("active", "", "E1", "E2", "active", "saisi deux fois", None),
        ("active", "", "E1", "E2", "pending", "x", None),
        ("active", "", "E1", "E2", "departing", "x", None),
        ("active", "", "E1", "E2", "active", "  ", "reason_required"),
        ("active", "", "E1", "E1", "active", "x", "same_account"),
        ("deactivated", "E2", "E1", "E3", "active", "x", "already_marked"),
        ("deactivated", "", "E1", "E2", "active", "x", "already_deactivated"),
        ("removed", "", "E1", "E2", "active", "x", "removed"),
        ("pending", "", "E1", "E2", "active", "x", "not_active"),
        ("departing", "", "E1", "E2", "active", "x", "not_active"),
        ("active", "", "E1", "E2", "removed", "x", "kept_not_kept"),
        ("active", "", "E1", "E2", "deactivated", "x", "kept_not_kept"),
        ("active", "", "E1", "E2", "withdrawn", "x", "kept_not_kept"),
    ],
)
def test_who_may_be_marked_a_duplicate_of_whom(state, marked_of, jointure, of, of_state, reason, code):
    if code is None:
        check_mark(state, marked_of, jointure, of, of_state, reason)
        return
    with pytest.raises(MarkRefused) as refused:
        check_mark(state, marked_of, jointure, of, of_state, reason)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "state, marked_of, present, reason, code",
    [
        ("deactivated", "E2", True, "erreur", None),
        ("deactivated", "E2", True, "", "reason_required"),
        ("active", "", True, "x", "not_marked"),
        ("deactivated", "", True, "x", "not_marked"),  # a duplicate a delivery corrected is no mark
        ("removed", "E2", True, "x", "removed"),
        ("deactivated", "E2", False, "x", "not_delivered"),
    ],
)
def test_when_a_mark_may_be_undone(state, marked_of, present, reason, code):
    if code is None:
        check_unmark(state, marked_of, present, "E1", reason)
        return
    with pytest.raises(MarkRefused) as refused:
        check_unmark(state, marked_of, present, "E1", reason)
    assert refused.value.code == code


@pytest.mark.parametrize("days, due", [(42, AT + timedelta(days=42)), (56, AT + timedelta(days=56)), (0, AT)])
def test_a_marked_account_is_deleted_the_configured_days_after_the_mark(days, due):
    assert deletion_due(AT, days) == due


@pytest.mark.parametrize(
    "state, marked, back",
    [
        ("deactivated", True, Reentry("deactivated", None)),  # sticky
        ("removed", True, Reentry("removed", None)),  # deleted stays deleted
        ("deactivated", False, Reentry("active", None)),  # a corrected duplicate comes back
        ("departing", False, Reentry("active", None)),
        ("departing", True, Reentry("active", None)),
        ("removed", False, Reentry("pending", AT + DELAY)),
        ("withdrawn", False, Reentry("pending", AT + DELAY)),
    ],
)
def test_what_a_delivery_makes_of_an_account_back_in_it(state, marked, back):
    assert reentry(state, AT, DELAY, marked) == back
