"""The pure SIECLE rules: snapshot diff, leaving dates, correlation to accounts
(formats §2; domain-rules §4, §11), as tables of cases."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from events.personal import keyed
from events.siecle_rules import (
    AMBIGUOUS,
    NO_ACCOUNT,
    RULE_ELEVE_ID,
    RULE_INE,
    RULE_NAME_AND_STUDENT,
    RULE_PERSONNE_ID,
    Candidate,
    KnownRecord,
    Plan,
    changes,
    correlate_guardian,
    correlate_student,
    digest,
    guardian_names,
    leaving_status,
    plan_snapshot,
)

UAI, OTHER = "0693834T", "0011068F"


@pytest.mark.parametrize(
    "known, current, set_aside, expected",
    [
        ({}, {"1": "a", "2": "b"}, (), Plan(added=("1", "2"))),
        ({"1": KnownRecord("a", True)}, {"1": "a"}, (), Plan(unchanged=1)),
        ({"1": KnownRecord("a", True)}, {"1": "b"}, (), Plan(changed=("1",))),
        ({"1": KnownRecord("a", False)}, {"1": "a"}, (), Plan(changed=("1",))),  # back after being absent
        ({"1": KnownRecord("a", True), "2": KnownRecord("b", True)}, {"1": "a"}, (), Plan(absent=("2",), unchanged=1)),
        (
            {"1": KnownRecord("a", True), "2": KnownRecord("b", True)},
            {"1": "a"},
            ("2",),
            Plan(unchanged=1),
        ),  # rejected, not gone
        ({"1": KnownRecord("a", False)}, {}, (), Plan()),  # already absent: nothing again
    ],
)
def test_plan_snapshot(known, current, set_aside, expected):
    assert plan_snapshot(known, current, set_aside) == expected


@pytest.mark.parametrize(
    "left_on, today, expected",
    [
        ("", date(2026, 4, 3), ""),
        ("2026-02-13", date(2026, 4, 3), "departed"),
        ("2026-04-02", date(2026, 4, 3), "departed"),
        ("2026-04-03", date(2026, 4, 3), "scheduled"),  # still present on the day itself
        ("2026-04-24", date(2026, 4, 3), "scheduled"),
    ],
)
def test_leaving_status(left_on, today, expected):
    assert leaving_status(left_on, today) == expected


def test_a_record_digest_is_keyed_not_the_plain_hash_of_its_values():
    # Earlier releases stored blake2b of the canonical values: a list of likely
    # names and birth dates hashed the same way found the person again.
    values = {"family_name": "Cœur", "given_names": "Léa", "birth_date": "2011-05-14"}
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    plain = hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
    assert digest(b"p", values) != plain
    assert digest(b"p", values) == keyed(b"p", "siecle-record", canonical)
    assert digest(b"q", values) != digest(b"p", values)
    assert digest(b"p", values, "siecle-links") != digest(b"p", values)
    assert len(digest(b"p", values)) == len(plain)  # the read model's column keeps its width


def test_digest_ignores_key_order_and_changes_lists_which_values_changed():
    assert digest(b"p", {"a": 1, "b": [1, 2]}) == digest(b"p", {"b": [1, 2], "a": 1})
    assert digest(b"p", {"a": 1}) != digest(b"p", {"a": 2})
    assert changes(
        {"family_name": "Cœur", "birth_date": "2011-05-14", "division": "3 A"},
        {"family_name": "Dupont", "birth_date": "2011-05-14", "division": "3 B"},
        ("family_name", "birth_date", "division"),
    ) == {"family_name": {"before": "Cœur", "after": "Dupont"}, "division": {"before": "3 A", "after": "3 B"}}


def student(aid: str, eleve_id: str = "", ine: str = "", uais=(UAI,)) -> Candidate:
    return Candidate(account_id=aid, jointure=f"J{aid}", eleve_id=eleve_id, ine=ine, uais=frozenset(uais))


@pytest.mark.parametrize(
    "by_eleve_id, by_ine, expected",
    [
        ([student("a", "650001", "0701234567K")], [], ("a", RULE_ELEVE_ID, "")),
        # ELEVE_ID wins over INE (domain-rules §11 order)
        ([student("a", "650001")], [student("b", "", "0701234567K")], ("a", RULE_ELEVE_ID, "")),
        # the same ELEVE_ID at another establishment is someone else: INE decides
        ([student("a", "650001", uais=(OTHER,))], [student("b", "", "0701234567K")], ("b", RULE_INE, "")),
        ([], [student("b", "", "0701234567K")], ("b", RULE_INE, "")),
        ([student("a", "650001"), student("c", "650001")], [], ("", RULE_ELEVE_ID, AMBIGUOUS)),
        ([], [student("b", "", "0701234567K"), student("d", "", "0701234567K")], ("", RULE_INE, AMBIGUOUS)),
        ([], [student("b", "", "0709999999Z")], ("", "", NO_ACCOUNT)),
        ([], [], ("", "", NO_ACCOUNT)),
    ],
)
def test_correlate_student(by_eleve_id, by_ine, expected):
    c = correlate_student(UAI, "650001", "0701234567K", by_eleve_id, by_ine)
    assert (c.account_id, c.rule, c.reason) == expected
    assert c.resolved == bool(expected[0])


def test_correlate_student_without_ine_never_matches_an_account_without_ine():
    c = correlate_student(UAI, "650001", "", [], [student("b", "", "")])
    assert (c.resolved, c.reason) == (False, NO_ACCOUNT)


NAMES = guardian_names({"family_name": "Cœur de Lion", "usage_name": "D'Arco", "given_name": "Hélène"})


@pytest.mark.parametrize(
    "by_jointure, of_students, expected",
    [
        (Candidate("g1", "900001"), [], ("g1", RULE_PERSONNE_ID, "")),
        (None, [Candidate("g2", "X", name="COEUR DE LION HELENE")], ("g2", RULE_NAME_AND_STUDENT, "")),
        (None, [Candidate("g2", "X", name="D ARCO HELENE")], ("g2", RULE_NAME_AND_STUDENT, "")),  # usage name
        (
            None,
            [Candidate("g2", "X", name="COEUR DE LION HELENE"), Candidate("g3", "Y", name="COEUR DE LION HELENE")],
            ("", RULE_NAME_AND_STUDENT, AMBIGUOUS),
        ),
        (None, [Candidate("g2", "X", name="COEUR DE LION JEAN MARC")], ("", "", NO_ACCOUNT)),
        (None, [], ("", "", NO_ACCOUNT)),
    ],
)
def test_correlate_guardian(by_jointure, of_students, expected):
    c = correlate_guardian("900001", NAMES, by_jointure, of_students)
    assert (c.account_id, c.rule, c.reason) == expected
