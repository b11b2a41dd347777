"""When a delivery's or import's details are due for erasure
(events/erasure_rules.py details_due, issue 17): the retention after it was
received, never twice, held with the purges; and never later than the
erasure of a person it names."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.erasure_rules import Gone, Received, details_due, due
from events.policy import Policy

RENTREE = datetime(2026, 9, 1, 4, tzinfo=timezone.utc)
POLICY = Policy()


def received(kind: str = "aaf", at: datetime = RENTREE, sid: str = "d1") -> Received:
    return Received(sid, kind, at)


@pytest.mark.parametrize(
    "row, now, policy, erased, expected",
    [
        # Received at the rentrée: three months (92 days) later, not a minute before.
        (received(), RENTREE + timedelta(days=92), POLICY, set(), [RENTREE + timedelta(days=92)]),
        (received(), RENTREE + timedelta(days=92, minutes=-1), POLICY, set(), []),
        (received(), RENTREE + timedelta(days=400), POLICY, set(), [RENTREE + timedelta(days=92)]),
        # Every kind of stream whose details name several persons.
        (received("siecle"), RENTREE + timedelta(days=92), POLICY, set(), [RENTREE + timedelta(days=92)]),
        (received("timetable"), RENTREE + timedelta(days=92), POLICY, set(), [RENTREE + timedelta(days=92)]),
        (received("other"), RENTREE + timedelta(days=400), POLICY, set(), []),
        # A shorter retention from the configuration.
        (received(), RENTREE + timedelta(days=30), Policy(erasure_retention_days=30), set(), [RENTREE + timedelta(30)]),
        (received(), RENTREE, Policy(erasure_retention_days=0), set(), [RENTREE]),
        # Erased already: never again.
        (received(), RENTREE + timedelta(days=200), POLICY, {"d1"}, []),
    ],
)
def test_details_due_after_the_retention(row, now, policy, erased, expected):
    assert [d.due_at for d in details_due([row], now, policy, frozenset(erased), held=False)] == expected


def test_held_details_are_listed_held_in_due_order():
    rows = [
        received(sid="b", at=RENTREE + timedelta(days=1)),
        received("siecle", sid="a"),
        received(sid="c", at=RENTREE + timedelta(99)),
    ]
    listed = details_due(rows, RENTREE + timedelta(days=95), POLICY, frozenset(), held=True)
    assert [(d.stream_id, d.kind, d.held) for d in listed] == [("a", "siecle", True), ("b", "aaf", True)]
    assert listed[0].as_dict() == {
        "stream_id": "a",
        "kind": "siecle",
        "received_at": RENTREE.isoformat(),
        "due_at": (RENTREE + timedelta(days=92)).isoformat(),
        "held": True,
    }


@pytest.mark.parametrize("days_before", [0, 1, 60])
def test_details_naming_a_person_are_gone_by_the_persons_erasure(days_before):
    """A delivery that names a person was received before their removal: its
    details are due no later than the person's erasure."""
    removed_at = RENTREE + timedelta(days=45)
    delivery = received(at=removed_at - timedelta(days=days_before))
    person = due(
        [Gone("a1", "J1", "ELEVE", "removed", removed_at)], removed_at + timedelta(400), POLICY, frozenset(), False
    )
    details = details_due([delivery], removed_at + timedelta(400), POLICY, frozenset(), False)
    assert details[0].due_at <= person[0].due_at
