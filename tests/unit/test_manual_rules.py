"""The rules of manual accounts and their guard (domain-rules §1, issue 13)
as tables: each category's profile and free group, end date or pérenne, and
the guard's decision with its message — an etab-admin told only that a
match exists in another establishment, the explanations for contract staff
and 1st-degree teachers, an operator's force with a reason."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from events.account import account_id
from events.manual_rules import (
    CONTRACT_STAFF,
    FIRST_DEGREE,
    WHY,
    ManualRefused,
    Match,
    check_request,
    guard,
    identity_key,
    parse_birth,
)

NOW = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)
DUE = datetime(2026, 9, 2, 6, tzinfo=timezone.utc)
BIRTH = date(1980, 5, 17)


@pytest.mark.parametrize(
    "category, profile, group",
    [
        ("social_worker", "NON_ENSEIGNANT", "Médico-social"),
        ("attee", "PERSONNEL_COLLECTIVITE", "Agents"),
        ("external_tutor", "NON_ENSEIGNANT", "Tuteurs"),
        ("apprentice", "ELEVE", "Apprentis"),
        ("guest", "AUTRE", "Invités"),
    ],
)
def test_each_category_joins_its_profile_and_free_group(category, profile, group):
    kind = check_request(category, "Léa", "Martin", BIRTH, None, True, NOW)
    assert (kind.profile, kind.free_group) == (profile, group)


@pytest.mark.parametrize(
    "category, given, family, birth, end, perenne, code",
    [
        ("teacher", "Léa", "Martin", BIRTH, None, True, "unknown_category"),
        ("guest", "", "Martin", BIRTH, None, True, "no_name"),
        ("guest", "Léa", " - ", BIRTH, None, True, "no_name"),
        ("guest", "Léa", "Martin", date(1899, 12, 31), None, True, "bad_birth_date"),
        ("guest", "Léa", "Martin", date(2026, 9, 2), None, True, "bad_birth_date"),
        ("guest", "Léa", "Martin", BIRTH, None, False, "end_or_perenne"),
        ("guest", "Léa", "Martin", BIRTH, NOW + timedelta(days=30), True, "end_or_perenne"),
        ("guest", "Léa", "Martin", BIRTH, NOW, False, "end_passed"),
    ],
)
def test_a_request_the_rules_refuse(category, given, family, birth, end, perenne, code):
    with pytest.raises(ManualRefused) as refused:
        check_request(category, given, family, birth, end, perenne, NOW)
    assert refused.value.code == code


def test_an_end_date_after_now_is_accepted():
    assert check_request("guest", "Léa", "Martin", BIRTH, NOW + timedelta(days=1), False, NOW).profile == "AUTRE"


@pytest.mark.parametrize("text, expected", [("1980-05-17", BIRTH), ("17/05/1980", BIRTH), (" 17/05/1980 ", BIRTH)])
def test_birth_dates_in_either_format(text, expected):
    assert parse_birth(text) == expected


@pytest.mark.parametrize("text", ["17-05-1980", "1980-02-30", ""])
def test_a_birth_date_that_is_not_one(text):
    with pytest.raises(ManualRefused, match="birth date"):
        parse_birth(text)


def test_the_identity_key_is_the_duplicates_one():
    assert identity_key("Le Floc'h", "Jean-Marc", BIRTH) == "LE FLOC H JEAN MARC|17/05/1980"


def match(state="pending", kind="staff", uais=("0425310U",), source="AAF", by="identity", login=""):
    due = DUE if state == "pending" else None
    return Match(source, "5706020", login, state, due, frozenset(uais), kind, by)


OPERATOR, ETAB, OTHER = None, frozenset({"0425310U"}), frozenset({"0011068F"})


@pytest.mark.parametrize(
    "matches, scope, says, hides",
    [
        (
            [match()],
            OPERATOR,
            [
                "refused: account 5706020 has the same name and birth date and is pending, "
                f"its creation is due at {DUE.isoformat()}",
                WHY,
                CONTRACT_STAFF,
                "an operator may force it, with a reason",
            ],
            [],
        ),
        (
            [match(state="active", kind="first_degree", login="jm.blanc")],
            ETAB,
            ["account 5706020 (jm.blanc) has the same name and birth date and is active", WHY, FIRST_DEGREE],
            ["due at", "--force"],
        ),
        (
            [match(uais=("0880054F",))],
            ETAB,
            ["refused: an account of this person (the same name and birth date) exists in another establishment", WHY],
            ["5706020", "0880054F", "pending,"],
        ),
        (
            [match(uais=(), by="mail", kind="student")],
            OTHER,
            ["an account of this person (the same académie e-mail) exists in another establishment"],
            ["5706020", CONTRACT_STAFF],
        ),
        (
            [match(source="SIECLE", kind="student")],
            OPERATOR,
            ["SIECLE record 5706020 has the same name and birth date and is pending, its creation is due at"],
            [CONTRACT_STAFF],
        ),
        ([match(), match(state="active")], OPERATOR, ["(and 1 more)"], []),
    ],
)
def test_the_guard_refuses_and_says_why(matches, scope, says, hides):
    with pytest.raises(ManualRefused) as refused:
        guard(matches, scope, False, "")
    assert refused.value.code == "matches_existing"
    for text in says:
        assert text in str(refused.value)
    for text in hides:
        assert text not in str(refused.value)


@pytest.mark.parametrize("state", ["removed", "withdrawn"])
def test_an_account_gone_is_no_match(state):
    assert guard([match(state=state)], OPERATOR, False, "") == []


def test_nothing_matches_nothing_to_override():
    assert guard([], ETAB, False, "") == []


def test_an_operator_forces_with_a_reason():
    found = [match()]
    assert guard(found, OPERATOR, True, "tuteur de stage, pas de contrat") == found
    with pytest.raises(ManualRefused) as refused:
        guard(found, OPERATOR, True, "  ")
    assert refused.value.code == "no_reason"


def test_an_etab_admin_cannot_force():
    with pytest.raises(ManualRefused, match="only an operator may force it"):
        guard([match()], ETAB, True, "urgent")


def test_the_apis_message_names_the_account_by_its_id_only():
    with pytest.raises(ManualRefused) as refused:
        guard([match(state="active", login="jm.blanc"), match(source="SIECLE")], OPERATOR, False, "")
    public = refused.value.public
    assert public.startswith(f"refused: account {account_id('5706020')} has the same name and birth date and is active")
    assert "(and 1 more)" in public and WHY in public
    assert "jm.blanc" not in public and "5706020" not in public
    assert "jm.blanc" in str(refused.value)  # the local operator's CLI still sees the login
    assert (
        ManualRefused("no_name", "a manual account needs a first name").public == "a manual account needs a first name"
    )
