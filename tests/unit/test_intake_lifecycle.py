"""The intake lifecycle (events/intake.py), one table per aggregate: an
intake is brought to the status of a row by the commands of its path, then
the command of a column either records its event and leads to the status in
the cell (``=``: the status stays) or is refused (``-``) and records nothing.
Every cell is checked, and every status reached is checked again on the
events replayed, as a stored log is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from eventsourcing.utils import resolve_topic

from events.delivery import Delivery
from events.imports import TimetableImport
from events.intake import Intake, TransitionRefused
from events.siecle.intake import SiecleImport

AT = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)

DELIVERY = """
            wait     hold  release   reject    start_apply  applied
received    waiting  held  -         rejected  applying     -
waiting     -        held  -         rejected  applying     -
held        -        -     released  rejected  -            -
released    -        -     -         rejected  applying     -
applying    -        -     -         -         -            applied
applied     -        -     -         -         -            -
rejected    -        -     -         -         -            -
"""

# A released SIECLE export is received again (and applied next).
SIECLE = """
            hold  release   reject    start_apply  applied
received    held  -         rejected  applying     -
held        -     received  rejected  -            -
applying    -     -         -         -            applied
applied     -     -         -         -            -
rejected    -     -         -         -            -
"""

# ``rejected``: for threshold_exceeded; ``rejected/dup``: for duplicate_file.
TIMETABLE = """
              read  await     match  resolve  cancel     replace   accept  validate   apply    reject    lift  retry
received      =     awaiting  -      =        -          -         -       -          applied  rejected  -     -
awaiting      -     -         =      =        cancelled  replaced  =       validated  -        -         -     -
validated     -     -         -      -        -          -         -       -          applied  -         -     -
cancelled     -     -         -      -        -          -         -       -          -        -         -     -
replaced      -     -         -      -        -          -         -       -          -        -         -     -
applied       -     -         -      -        -          -         -       -          -        -         -     -
rejected      -     -         -      -        -          -         -       -          -        -         =     retried
rejected/dup  -     -         -      -        -          -         -       -          -        -         -     -
retried       -     awaiting  -      =        -          -         -       -          applied  rejected  -     -
"""

ALIASES = {"awaiting": "awaiting_validation", "rejected/dup": "rejected"}


@dataclass(frozen=True)
class Subject:
    """An intake aggregate under the table: how one is received, each
    command with sample arguments and the event it records, and the
    commands that bring a received one to each row."""

    table: str
    received: Callable[[], Intake]
    commands: dict[str, tuple[str, Callable[[Any], None]]]
    paths: dict[str, list[str]]


def _delivery() -> Intake:
    return Delivery(fingerprint="f", source="aaf", kind="complete", date="20260901", prefix="P", files=[], at=AT)


def _siecle() -> Intake:
    return SiecleImport(
        sha256="ab",
        receipt=0,
        source="/x/e.xml",
        file="e.xml",
        size=10,
        uai="0693834T",
        kind="eleves",
        school_year=2026,
        exported_on="2026-09-01",
        exported_at="",
        at=AT,
    )


def _timetable_received() -> TimetableImport:
    return TimetableImport(
        uai="0571994H",
        source="edt",
        file="e.xml",
        sha256="00" * 32,
        size=10,
        school_year=2026,
        snapshot={},
        matches=[],
        summary={},
        record_rejections=[],
        at=AT,
    )


def _timetable() -> Intake:
    imp = _timetable_received()
    imp.read({"teachers": {"P1": {}}}, "", {}, [], {}, AT)  # an EDT export, as read by this release
    return imp


SUBJECTS = {
    "delivery": Subject(
        DELIVERY,
        _delivery,
        {
            "wait": ("Waiting", lambda d: d.wait_behind("held-one", AT)),
            "hold": ("Held", lambda d: d.hold("missing_part", {"missing": {}}, AT)),
            "release": ("Released", lambda d: d.release("alice", AT)),
            "reject": ("Rejected", lambda d: d.reject("operator_rejected", "no", AT, operator="alice")),
            "start_apply": ("ApplyStarted", lambda d: d.start_apply([], [], AT)),
            "applied": ("Applied", lambda d: d.applied({}, AT)),
        },
        {
            "received": [],
            "waiting": ["wait"],
            "held": ["hold"],
            "released": ["hold", "release"],
            "applying": ["start_apply"],
            "applied": ["start_apply", "applied"],
            "rejected": ["reject"],
        },
    ),
    "siecle": Subject(
        SIECLE,
        _siecle,
        {
            "hold": ("Held", lambda i: i.hold("mass_departure", "too many leave", {}, AT)),
            "release": ("Released", lambda i: i.release("alice", AT)),
            "reject": ("Rejected", lambda i: i.reject("duplicate_file", "copy", AT)),
            "start_apply": ("ApplyStarted", lambda i: i.start_apply(AT)),
            "applied": ("Applied", lambda i: i.applied({}, AT)),
        },
        {
            "received": [],
            "held": ["hold"],
            "applying": ["start_apply"],
            "applied": ["start_apply", "applied"],
            "rejected": ["reject"],
        },
    ),
    "timetable": Subject(
        TIMETABLE,
        _timetable,
        {
            "read": ("Read", lambda i: i.read({"teachers": {}}, "", {}, [], {}, AT)),
            "await": ("AwaitingValidation", lambda i: i.await_validation([], AT)),
            "match": ("MatchedByHand", lambda i: i.match_by_hand("teacher", "P1", "n", "J-P1", "alice", AT)),
            "resolve": ("Resolved", lambda i: i.resolved({}, [], {}, [], {}, [], AT)),
            "cancel": ("Cancelled", lambda i: i.cancel("alice", "", AT)),
            "replace": ("Replaced", lambda i: i.replace_by("newer", AT)),
            "accept": ("EndDateAccepted", lambda i: i.accept_end_date("alice", "2027-08-31", "2027-07-15", AT)),
            "validate": ("Validated", lambda i: i.validate("alice", AT)),
            "apply": ("Applied", lambda i: i.apply({}, [], AT)),
            "reject": ("Rejected", lambda i: i.reject("threshold_exceeded", "over", {}, [], AT)),
            "reject_dup": ("Rejected", lambda i: i.reject("duplicate_file", "copy", {}, [], AT)),
            "lift": ("ThresholdsLifted", lambda i: i.lift(["sessions_removed"], "bob", AT)),
            "retry": ("Retried", lambda i: i.retry("bob", AT)),
        },
        {
            "received": [],
            "awaiting": ["await"],
            "validated": ["await", "validate"],
            "cancelled": ["await", "cancel"],
            "replaced": ["await", "replace"],
            "applied": ["apply"],
            "rejected": ["reject"],
            "rejected/dup": ["reject_dup"],
            "retried": ["reject", "lift", "retry"],
        },
    ),
}


def cells() -> list[Any]:
    out = []
    for name, subject in SUBJECTS.items():
        header, *rows = subject.table.strip().splitlines()
        columns = header.split()
        assert sorted(row.split()[0] for row in rows) == sorted(subject.paths), name
        for row in rows:
            label, *results = row.split()
            assert len(results) == len(columns), f"{name} {label}"
            for command, result in zip(columns, results):
                out.append(pytest.param(subject, label, command, result, id=f"{name}-{label}-{command}"))
    return out


def brought_to(subject: Subject, label: str) -> Intake:
    intake = subject.received()
    for command in subject.paths[label]:
        subject.commands[command][1](intake)
    assert intake.status == ALIASES.get(label, label)
    return intake


def replayed(intake: Intake) -> Intake:
    state: Any = None
    for e in intake.collect_events():
        state = e.mutate(state)
    return state


@pytest.mark.parametrize("subject, label, command, result", cells())
def test_state_and_command_give_an_event_or_a_refusal(subject, label, command, result):
    intake = brought_to(subject, label)
    event, call = subject.commands[command]
    before, recorded = intake.status, len(intake.pending_events)
    if result == "-":
        assert not intake.allows(event)
        with pytest.raises(TransitionRefused):
            call(intake)
        assert (intake.status, len(intake.pending_events)) == (before, recorded)
    else:
        assert intake.allows(event)
        call(intake)
        assert [type(e).__name__ for e in intake.pending_events[recorded:]] == [event]
        assert intake.status == (before if result == "=" else ALIASES.get(result, result))
    assert replayed(intake).status == intake.status


@pytest.mark.parametrize(
    "name, label, command, message",
    [
        ("delivery", "received", "release", "delivery is received, not held"),
        ("delivery", "applied", "reject", "delivery is applied; it cannot be rejected"),
        ("delivery", "held", "start_apply", "delivery is held; expected received or waiting or released"),
        ("siecle", "held", "hold", "SIECLE import is held; it cannot be held"),
        ("siecle", "received", "release", "SIECLE import is received; only a held import can be released"),
        ("siecle", "applied", "reject", "SIECLE import is applied; it cannot be rejected"),
        ("timetable", "applied", "validate", "import {id} is applied; expected awaiting_validation"),
        (
            "timetable",
            "awaiting",
            "apply",
            "import {id} is awaiting_validation; expected received or validated or retried",
        ),
        (
            "timetable",
            "rejected/dup",
            "retry",
            "import {id} is rejected (duplicate_file); only an import rejected for threshold_exceeded can be retried",
        ),
        (
            "timetable",
            "received",
            "lift",
            "import {id} is received; only an import rejected for threshold_exceeded can be retried",
        ),
    ],
)
def test_a_refusal_says_what_the_intake_is_in_the_words_operators_know(name, label, command, message):
    intake = brought_to(SUBJECTS[name], label)
    with pytest.raises(TransitionRefused) as refused:
        SUBJECTS[name].commands[command][1](intake)
    assert str(refused.value) == message.format(id=intake.id)


def test_an_import_received_before_read_existed_cannot_be_matched_by_hand():
    imp = _timetable_received()
    imp.await_validation([], AT)
    with pytest.raises(TransitionRefused, match="received by an earlier release"):
        imp.match_by_hand("teacher", "P1", "n", "J-P1", "alice", AT)
    imp.validate("alice", AT)
    with pytest.raises(TransitionRefused, match="is validated; expected awaiting_validation"):
        imp.match_by_hand("teacher", "P1", "n", "J-P1", "alice", AT)  # the status is told first


@pytest.mark.parametrize(
    "cls, module, topic",
    [
        (Delivery.Released, "events.delivery", "entsync:Delivery.Released.v1"),
        (SiecleImport.Held, "events.siecle.intake", "entsync:SiecleImport.Held.v1"),
        (TimetableImport.Cancelled, "events.imports", "entsync:TimetableImport.Cancelled.v1"),
    ],
)
def test_the_events_stay_where_the_stored_logs_find_them(cls, module, topic):
    # The lifecycle moved, no event class did: a stored topic still resolves to its class.
    assert resolve_topic(topic) is cls
    assert (cls.__module__, cls.__qualname__.split(".")[0]) == (module, topic.split(":")[1].split(".")[0])
