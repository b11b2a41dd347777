"""The pure parts of an account's history (issue 15): how a fact is shown
(aligned columns, colours on a terminal only), what a diff compares, what a
timetable gives an account, which leaving date a SIECLE departure rests on."""

from __future__ import annotations

import io
import re

from daemon.cli.history_commands import render
from daemon.cli.render import Output
from daemon.history.diff import changed
from daemon.history.siecle import leaving_cause
from daemon.history.timetable import _changes, _given

FACTS = [
    {
        "version": 1,
        "event": "Appeared",
        "at": "2026-08-19T06:00:00+00:00",
        "source": "aaf",
        "delivery_id": "d1",
        "file": "Eleve_0000.xml",
        "line": 5,
        "transition": {"before": None, "after": "pending"},
        "changes": {"sn": {"before": [], "after": ["Richard"]}},
    },
    {
        "version": 2,
        "event": "AccountCreated",
        "at": "2026-08-21T07:00:00+00:00",
        "source": "clock",
        "login": "b.r",
        "transition": {"before": "pending", "after": "active"},
    },  # fmt: skip
    {
        "version": 3,
        "event": "OverwriteSuspected",
        "at": "2026-09-01T06:00:00+00:00",
        "source": "aaf",
        "flags": ["overwrite_suspected"],
    },  # fmt: skip
]


def test_the_text_is_aligned_and_plain_off_a_terminal():
    text = render(FACTS, Output(rich=False))
    heads = [line for line in text.splitlines() if not line.startswith(" ")]
    starts = [re.search(r"v\d ", h).start() for h in heads]
    assert starts == [starts[0]] * 3  # the event column starts at one place
    assert "(new) -> pending" in heads[0] and "pending -> active" in heads[1]
    assert heads[2].endswith("!overwrite_suspected") and "\x1b[" not in text
    assert "    sn: (none) -> Richard" in text.splitlines()


def test_a_terminal_gets_the_source_coloured():
    ui = Output(rich=True, stream=io.StringIO())
    text = render(FACTS, ui)
    assert "\x1b[36maaf" in text  # cyan
    assert "\x1b[31m!overwrite_suspected" in text  # red
    plain = render(FACTS, Output(rich=False))
    assert [line.strip() for line in _unstyled(text).splitlines()] == [line.strip() for line in plain.splitlines()]


def _unstyled(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_a_diff_compares_identity_attribute_by_attribute():
    before = {"state": "active", "identity": {"sn": ["Richard"], "givenName": ["Baptiste"]}, "classes": ["S$6A"]}
    after = {"state": "active", "identity": {"sn": ["Martin"], "givenName": ["Baptiste"]}, "classes": ["S$6B"]}
    assert changed(before, after) == {
        "identity.sn": {"before": ["Richard"], "after": ["Martin"]},
        "classes": {"before": ["S$6A"], "after": ["S$6B"]},
    }
    assert changed(None, after)["state"] == {"before": None, "after": "active"}
    assert changed(after, after) == {}


def test_what_a_timetable_gives_a_student_and_a_teacher():
    snapshot = {
        "students": {"J1": "6EME1"},
        "group_members": {"G_ANG": ["J1", "J2"], "G_LAT": ["J2"]},
        "teachers": {"T1": ["6EME1", "G_LAT"]},
    }
    assert _given(snapshot, "J1") == {"class": "6EME1", "groups": ["G_ANG"]}
    assert _given(snapshot, "T1") == {"teaches": ["6EME1", "G_LAT"]}
    assert _given(snapshot, "nobody") == {}
    assert _changes({"class": "6EME1", "groups": ["G_ANG"]}, {"class": "6EME2", "groups": ["G_ANG"]}) == {
        "class": {"before": "6EME1", "after": "6EME2"}
    }


def test_a_siecle_departure_rests_on_the_last_leaving_date_set_to_its_date():
    def set_on(at: str, left_on: str, record: str = "R1", line: int = 11) -> dict:
        return {"event": "SiecleStudent.LeavingDateSet", "at": at, "record_id": record, "left_on": left_on,
                "uai": "0740263J", "key": "5389046", "import_id": f"i-{at[:10]}", "file": "E.xml", "line": line}  # fmt: skip

    facts = [
        set_on("2026-09-01T06:00:00+00:00", "2026-09-10"),
        set_on("2026-09-05T06:00:00+00:00", "2026-09-10", line=12),
        set_on("2026-09-06T06:00:00+00:00", "2026-09-10", record="R2"),
        set_on("2026-09-20T06:00:00+00:00", "2026-09-10"),  # after the departure
        set_on("2026-09-05T07:00:00+00:00", "2026-09-30"),  # another date
    ]
    departure = {"event": "DepartureDeclared", "at": "2026-09-15T06:00:00+00:00", "source_id": "R1",
                 "left_on": "2026-09-10"}  # fmt: skip
    cause = leaving_cause(facts, departure)
    assert cause is not None and (cause["import_id"], cause["line"]) == ("i-2026-09-05", 12)
    assert "record_id" not in cause
    assert leaving_cause(facts, {**departure, "source_id": "R3"}) is None
