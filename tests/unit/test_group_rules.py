"""The rules of the admin actions on groups (events/group_rules.py, domain-rules
§2, issue 13), as tables: each case either passes or is refused with its code."""

from __future__ import annotations

import pytest

from events import group_rules as rules
from events.group_rules import GroupRefused, Member

FREE = {"MEDSOC": "Médico-social"}
CLASSES = {"3EME1"}
GROUPS = {"ALL2"}


def refusal(call) -> str | None:
    try:
        call()
    except GroupRefused as refused:
        return refused.code
    return None


@pytest.mark.parametrize(
    "code, name, expected",
    [
        ("AGENTS", "Agents", None),
        ("TUT 1", "Tuteurs", None),
        ("A-B_C", "x", None),
        ("12345678", "Huit", None),
        ("123456789", "Neuf", "malformed_code"),
        ("", "Vide", "malformed_code"),
        ("   ", "Blanc", "malformed_code"),
        ("MÉDIC", "Accent", "malformed_code"),
        ("A.B", "Point", "malformed_code"),
        ("AGENTS", "", "malformed_name"),
        ("AGENTS", "  ", "malformed_name"),
        ("AGENTS", "x" * 65, "malformed_name"),
        ("AGENTS", "x" * 64, None),
        ("AGENTS", "Agents\u200b", "malformed_name"),
        ("AGENTS", "Agents\n", "malformed_name"),
        ("MEDSOC", "Autre", "duplicate"),
        ("3EME1", "Classe", "duplicate"),
        ("ALL2", "Groupe", "duplicate"),
    ],
)
def test_create(code, name, expected):
    assert refusal(lambda: rules.check_create(code, name, FREE, CLASSES | GROUPS)) == expected


@pytest.mark.parametrize(
    "code, name, expected",
    [
        ("MEDSOC", "Santé social", None),
        ("MEDSOC", "Médico-social", "unchanged"),
        ("MEDSOC", "", "malformed_name"),
        ("AGENTS", "Agents", "unknown_group"),
    ],
)
def test_rename(code, name, expected):
    assert refusal(lambda: rules.check_rename(code, name, FREE)) == expected


@pytest.mark.parametrize(
    "kind, code, source, expected",
    [
        ("free", "MEDSOC", "siecle", None),
        ("free", "MEDSOC", "timetable", None),
        ("free", "AGENTS", "manual", "unknown_group"),
        ("class", "3EME1", "manual", None),
        ("group", "ALL2", "manual", None),
        ("class", "3EME1", "siecle", "not_manual"),
        ("group", "ALL2", "timetable", "not_manual"),
        ("group", "ESP2", "manual", "unknown_group"),
        ("class", "ALL2", "manual", "unknown_group"),
        ("room", "ALL2", "manual", "unknown_kind"),
    ],
)
def test_target(kind, code, source, expected):
    assert refusal(lambda: rules.check_target(kind, code, FREE, CLASSES, GROUPS, source)) == expected


LEA = Member("lea.martin", "a1", "active", frozenset({"S1"}))
PAUL = Member("paul.durand", "a2", "pending", frozenset({"S1", "S2"}))
ELSEWHERE = Member("eve.autre", "a3", "active", frozenset({"S2"}))
GONE = Member("old.one", "a4", "removed", frozenset({"S1"}))


@pytest.mark.parametrize(
    "members, current, expected",
    [
        ([LEA], [], None),
        ([LEA, PAUL], [], None),
        ([], [], "no_member"),
        ([ELSEWHERE], [], "other_establishment"),
        ([GONE], [], "removed"),
        ([LEA], ["a1"], "already_member"),
        ([LEA, LEA], [], "already_member"),
    ],
)
def test_add(members, current, expected):
    assert refusal(lambda: rules.check_add(members, "S1", current)) == expected


@pytest.mark.parametrize(
    "members, current, expected",
    [
        ([LEA], ["a1"], None),
        ([LEA, PAUL], ["a1", "a2"], None),
        ([PAUL], ["a1"], "not_member"),
        ([], ["a1"], "no_member"),
    ],
)
def test_remove(members, current, expected):
    assert refusal(lambda: rules.check_remove(members, current)) == expected


@pytest.mark.parametrize("reason, expected", [("fin de contrat", None), ("", "no_reason"), ("  ", "no_reason")])
def test_reason(reason, expected):
    assert refusal(lambda: rules.check_reason(reason, "deleting a group")) == expected


@pytest.mark.parametrize(
    "free, held, expected",
    [
        ({}, set(), ("AGENTS", False)),
        ({"AG": "Agents"}, set(), ("AG", True)),  # found by its name, whatever its code
        ({"AGENTS": "Cantine"}, set(), ("AGENTS2", False)),
        ({"AGENTS": "Cantine", "AGENTS2": "Cuisine"}, {"AGENTS3"}, ("AGENTS4", False)),
        ({}, {"AGENTS"}, ("AGENTS2", False)),  # a class or group code is taken too
    ],
)
def test_category_group(free, held, expected):
    assert rules.category_group("Agents", "AGENTS", free, held) == expected


def test_category_group_keeps_a_long_code_within_eight_characters():
    assert rules.category_group("Apprentis", "APPRENTI", {"APPRENTI": "Autre"}, set()) == ("APPRENT2", False)
