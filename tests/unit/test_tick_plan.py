"""What the clock decides (events/usecases/tick_plan.py), as a table: given
these rows of the directory, at this instant, then these transitions
(domain-rules §1, §3, §4, §6, §11, §12)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from events.login import Taken
from events.policy import Policy
from events.usecases.tick_plan import (
    DueAccount,
    DueRemoval,
    Guardian,
    GuardianLink,
    Schedule,
    TickRows,
    plan,
)

AT = datetime(2026, 10, 17, 7, tzinfo=timezone.utc)  # the first day of the Toussaint holidays of 2026
H = timedelta(hours=1)
D = timedelta(days=1)
# A year the shipped calendar does not know, configured by the operator.
POLICY = Policy(toussaint={2028: date(2028, 10, 14)})


def pending(jointure, profile="ELEVE", due=AT - H, login="", state="pending"):
    return DueAccount(f"a-{jointure}", jointure, profile, state, login, "Léa", "Martin", due)


def guardian_without_account(jointure):
    return pending(jointure, "PARENT", state="no_account")


def leaving(jointure, state="departing", due=AT - H, profile="ELEVE"):
    return DueRemoval(f"a-{jointure}", jointure, profile, state, due)


def link(guardian, student, resp_legal="1", state="active"):
    return GuardianLink(guardian, f"a-{student}", resp_legal, state)


def schedule(jointure, departed, recorded, due, provisional=False):
    return Schedule(
        f"a-{jointure}",
        jointure,
        "ELEVE",
        datetime.fromisoformat(departed),
        datetime.fromisoformat(recorded),
        datetime.fromisoformat(due),
        provisional,
    )


CASES = {
    "a pending account due is created with a login": (
        TickRows(creations=[pending("E1")]),
        [("create", "E1", "creation_due", "lea.martin", "")],
    ),
    "logins are never reused: the next one gets a number": (
        TickRows(creations=[pending("E1"), pending("E2")], logins=Taken({"lea.martin"})),
        [("create", "E1", "creation_due", "lea.martin2", ""), ("create", "E2", "creation_due", "lea.martin3", "")],
    ),
    "a login already reserved is kept": (
        TickRows(creations=[pending("E1", login="l.martin")]),
        [("create", "E1", "creation_due", "l.martin", "")],
    ),
    "not due yet: nothing": (TickRows(creations=[pending("E1", due=AT + H)]), []),
    "a teacher of no served structure waits (listed as an anomaly)": (
        TickRows(creations=[pending("T1", "ENSEIGNANT")], withheld=frozenset({"a-T1"})),
        [],
    ),
    "a guardian due with a legal link is created": (
        TickRows(creations=[pending("G1", "PARENT")], links=[link("G1", "E1")]),
        [("create", "G1", "creation_due", "lea.martin", "")],
    ),
    "a guardian due without a legal link is declined": (
        TickRows(creations=[pending("G1", "PARENT")], links=[link("G1", "E1", resp_legal="0")]),
        [("decline", "G1", "no_legal_link", "", "")],
    ),
    "a guardian whose only child has left is declined": (
        TickRows(creations=[pending("G1", "PARENT")], links=[link("G1", "E1", state="withdrawn")]),
        [("decline", "G1", "no_legal_link", "", "")],
    ),
    "a guardian without account who got a legal link becomes eligible and is created": (
        TickRows(creations=[guardian_without_account("G1")], links=[link("G1", "E1", resp_legal="2")]),
        [("eligible+create", "G1", "creation_due", "lea.martin", "")],
    ),
    "a guardian without account and still without a legal link: nothing": (
        TickRows(creations=[guardian_without_account("G1")], links=[link("G1", "E1", resp_legal="0")]),
        [],
    ),
    "a departing account is removed at Toussaint": (
        TickRows(removals=[leaving("E1")]),
        [("remove", "E1", "toussaint", "", "2026-10-17T06:00:00+00:00")],
    ),
    "a deactivated duplicate is removed at its deletion date": (
        TickRows(removals=[leaving("E1", "deactivated")]),
        [("remove", "E1", "duplicate_deleted", "", "2026-10-17T06:00:00+00:00")],
    ),
    "a removal not due yet: nothing": (TickRows(removals=[leaving("E1", due=AT + H)]), []),
    "a guardian goes with the last child removed": (
        TickRows(
            removals=[leaving("E1")],
            guardians=[Guardian("a-G1", "G1")],
            links=[link("G1", "E1", state="departing"), link("G1", "E2", state="removed")],
        ),
        [
            ("remove", "E1", "toussaint", "", "2026-10-17T06:00:00+00:00"),
            ("remove", "G1", "last_child_removed", "", ""),
        ],
    ),
    "a guardian with a child still enrolled stays": (
        TickRows(
            removals=[leaving("E1")],
            guardians=[Guardian("a-G1", "G1")],
            links=[link("G1", "E1", state="departing"), link("G1", "E2")],
        ),
        [("remove", "E1", "toussaint", "", "2026-10-17T06:00:00+00:00")],
    ),
    "a guardian departing at Toussaint is removed once, for its own departure": (
        TickRows(
            removals=[leaving("G1", profile="PARENT")],
            guardians=[Guardian("a-G1", "G1")],
            links=[link("G1", "E1", state="removed")],
        ),
        [("remove", "G1", "toussaint", "", "2026-10-17T06:00:00+00:00")],
    ),
    "a provisional removal date the calendar now knows is rescheduled": (
        TickRows(
            schedules=[
                schedule("E1", "2028-09-01T06:00:00+00:00", "2028-09-01T06:00:00+00:00", "2028-10-21T00:00+02:00", True)
            ]
        ),
        [("reschedule", "E1", "calendar_configured", "", "2028-10-14T00:00:00+02:00")],
    ),
    "a known removal date is left as it is": (
        TickRows(
            schedules=[
                schedule("E1", "2028-09-01T06:00:00+00:00", "2028-09-01T06:00:00+00:00", "2028-10-14T00:00+02:00")
            ]
        ),
        [],
    ),
    "a departure learned late is deferred to the end of the minimum notice, and not removed yet": (
        TickRows(
            removals=[leaving("E1")],
            schedules=[
                schedule("E1", "2026-10-01T06:00:00+00:00", "2026-10-15T06:00:00+00:00", "2026-10-17T00:00+02:00")
            ],
        ),
        [("defer", "E1", "minimum_notice", "", "2026-11-14T00:00:00+01:00")],
    ),
    "while removals are held, due removals are listed as held and creations go on": (
        TickRows(
            creations=[pending("E3")],
            removals=[leaving("E1"), leaving("E2", "deactivated")],
            guardians=[Guardian("a-G1", "G1")],
            links=[link("G1", "E1", state="departing")],
            removals_held=True,
        ),
        [
            ("create", "E3", "creation_due", "lea.martin", ""),
            ("remove-held", "E1", "toussaint", "", "2026-10-17T06:00:00+00:00"),
            ("remove-held", "E2", "duplicate_deleted", "", "2026-10-17T06:00:00+00:00"),
            ("remove-held", "G1", "last_child_removed", "", ""),
        ],
    ),
}


@pytest.mark.parametrize(("rows", "expected"), list(CASES.values()), ids=list(CASES))
def test_plan(rows, expected):
    got = [(t.kind, t.jointure, t.reason, t.login, t.removal_due) for t in plan(rows, AT, POLICY)]
    assert got == expected


def test_the_plan_lists_creations_then_removals_then_corrected_dates():
    rows = TickRows(
        creations=[pending("E3")],
        removals=[leaving("E1")],
        schedules=[schedule("E2", "2026-10-01T06:00:00+00:00", "2026-10-15T06:00:00+00:00", "2026-11-02T00:00+01:00")],
    )
    assert [t.kind for t in plan(rows, AT, POLICY)] == ["create", "remove", "defer"]


def test_a_transition_reads_as_the_cli_prints_it():
    (t,) = plan(TickRows(creations=[pending("E1")]), AT, POLICY)
    assert t.as_dict() == {
        "kind": "create",
        "account_id": "a-E1",
        "jointure": "E1",
        "profile": "ELEVE",
        "reason": "creation_due",
        "login": "lea.martin",
        "removal_due": "",
        "provisional": False,
    }
