"""When a gone person's data are due for erasure (events/erasure_rules.py,
domain-rules §12): the retention after the removal or the leaving, never
twice, held with the purges; and the retention the configuration accepts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import config
from events.erasure_rules import Gone, due, overdue
from events.policy import Policy

TOUSSAINT = datetime(2026, 10, 16, 22, tzinfo=timezone.utc)  # midnight in Paris
POLICY = Policy()


def gone(state: str = "removed", at: datetime = TOUSSAINT, aid: str = "a1") -> Gone:
    return Gone(aid, f"J{aid}", "ELEVE", state, at)


@pytest.mark.parametrize(
    "row, now, policy, erased, expected",
    [
        # Removed at Toussaint: three months (92 days) later, not a minute before.
        (gone(), TOUSSAINT + timedelta(days=92), POLICY, set(), [TOUSSAINT + timedelta(days=92)]),
        (gone(), TOUSSAINT + timedelta(days=92, minutes=-1), POLICY, set(), []),
        (gone(), TOUSSAINT + timedelta(days=400), POLICY, set(), [TOUSSAINT + timedelta(days=92)]),
        # A shorter retention from the configuration.
        (gone(), TOUSSAINT + timedelta(days=30), Policy(erasure_retention_days=30), set(), [TOUSSAINT + timedelta(30)]),
        (gone(), TOUSSAINT, Policy(erasure_retention_days=0), set(), [TOUSSAINT]),
        # Gone without ever getting an account: from the day it left.
        (gone("withdrawn"), TOUSSAINT + timedelta(days=92), POLICY, set(), [TOUSSAINT + timedelta(days=92)]),
        (gone("no_account"), TOUSSAINT + timedelta(days=92), POLICY, set(), [TOUSSAINT + timedelta(days=92)]),
        # Erased already: never again.
        (gone(), TOUSSAINT + timedelta(days=200), POLICY, {"a1"}, []),
        # Still enrolled (a state that is not gone): never.
        (gone("departing"), TOUSSAINT + timedelta(days=200), POLICY, set(), []),
        (gone("active"), TOUSSAINT + timedelta(days=200), POLICY, set(), []),
    ],
)
def test_due_after_the_retention(row, now, policy, erased, expected):
    assert [d.due_at for d in due([row], now, policy, frozenset(erased), held=False)] == expected


def test_held_erasures_are_listed_held_in_due_order():
    rows = [gone(aid="b", at=TOUSSAINT + timedelta(days=1)), gone(aid="a"), gone(aid="c", at=TOUSSAINT + timedelta(99))]
    listed = due(rows, TOUSSAINT + timedelta(days=95), POLICY, frozenset(), held=True)
    assert [(d.account_id, d.held) for d in listed] == [("a", True), ("b", True)]
    assert listed[0].as_dict()["due_at"] == (TOUSSAINT + timedelta(days=92)).isoformat()


@pytest.mark.parametrize(
    "waited, count",
    [(timedelta(0), 0), (timedelta(hours=23, minutes=59), 0), (timedelta(days=1), 1), (timedelta(days=30), 1)],
)
def test_overdue_after_a_day(waited, count):
    now = TOUSSAINT + timedelta(days=92) + waited
    assert overdue(due([gone()], now, POLICY, frozenset(), held=True), now) == count


@pytest.mark.parametrize("days, accepted", [(0, True), (31, True), (92, True), (93, False), (365, False)])
def test_the_retention_is_three_months_at_most(tmp_path, days, accepted):
    f = tmp_path / "entsync.toml"
    f.write_text(f"[policy]\nerasure_retention_days = {days}\n")
    if accepted:
        assert config.load(str(f), environ={}).policy.erasure_retention_days == days
        return
    with pytest.raises(config.ConfigError) as err:
        config.load(str(f), environ={})
    message = str(err.value)
    assert "policy.erasure_retention_days" in message and "at most 92 days" in message and "\n" not in message


def test_the_default_retention_is_the_legal_maximum():
    assert config.load(environ={}).policy.erasure_retention_days == 92
