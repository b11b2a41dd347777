"""The pure rules of a merge (issue 14, events/merge_rules.py) as tables:
which merges and unmerges are refused and with which code, and the preview
— what the survivor keeps and where the two accounts disagree."""

from __future__ import annotations

from dataclasses import replace

import pytest

from events.merge_rules import (
    MergeAccount,
    MergeRefused,
    check_merge,
    check_unmerge,
    covered,
    preview,
)

TEACHER = MergeAccount(
    account_id="s-id",
    jointure="AAF1",
    login="lea.martin",
    state="active",
    profile="ENSEIGNANT",
    given_name="Léa",
    family_name="Martin",
    birth_date="12/03/1984",
    mail="lea.martin@ac-nancy-metz.fr",
    uais=frozenset({"0571994H"}),
    structures=("0571994H S1",),
    memberships=("S1 class 3EME1",),
    logins=("lea.martin",),
    sources=("aaf AAF1",),
)
GUEST = MergeAccount(
    account_id="a-id",
    jointure="manual-1",
    login="lea.martin2",
    state="active",
    profile="AUTRE",
    given_name="Lea",
    family_name="Martin",
    birth_date="12/03/1984",
    mail="LEA.MARTIN@ac-nancy-metz.fr",
    uais=frozenset({"0011068F"}),
    structures=("0011068F S2",),
    manual_memberships=("0011068F free INVITES",),
    attachments=("0571994H until 2027-07-04T00:00:00+00:00",),
    logins=("lea.martin2",),
    sources=("manual manual-1",),
)


def refused(survivor, absorbed, reason="même personne", prefer=None) -> str:
    with pytest.raises(MergeRefused) as caught:
        check_merge(survivor, absorbed, reason, prefer or {})
    return caught.value.code


@pytest.mark.parametrize(
    ("survivor", "absorbed", "reason", "prefer", "code"),
    [
        (TEACHER, GUEST, " ", {}, "reason_required"),
        (TEACHER, TEACHER, "x", {}, "same_account"),
        (replace(TEACHER, state="removed"), GUEST, "x", {}, "survivor_removed"),
        (TEACHER, replace(GUEST, state="removed"), "x", {}, "absorbed_removed"),
        (TEACHER, replace(GUEST, absorbed_by="other"), "x", {}, "already_absorbed"),
        (replace(TEACHER, absorbed_by="other"), GUEST, "x", {}, "survivor_absorbed"),
        (TEACHER, replace(GUEST, absorbed=("third",)), "x", {}, "absorbed_has_merges"),
        (TEACHER, replace(GUEST, state="pending"), "x", {}, "absorbed_pending"),
        (TEACHER, replace(GUEST, profile="ELEVE"), "x", {}, "profiles_differ"),
        (replace(TEACHER, profile="PARENT"), replace(GUEST, profile="ELEVE"), "x", {}, "profiles_differ"),
        (replace(TEACHER, profile="PARENT"), GUEST, "x", {}, "profiles_differ"),
        (TEACHER, GUEST, "x", {"login": "absorbed"}, "unknown_field"),
        (TEACHER, GUEST, "x", {"given_name": "both"}, "unknown_choice"),
        (TEACHER, GUEST, "x", {"family_name": "absorbed"}, "nothing_to_decide"),
        (TEACHER, GUEST, "x", {"mail": "absorbed"}, "nothing_to_decide"),  # the case of an address means nothing
    ],
)
def test_a_merge_is_refused_with_the_rule_it_breaks(survivor, absorbed, reason, prefer, code):
    assert refused(survivor, absorbed, reason, prefer) == code


@pytest.mark.parametrize(
    ("survivor", "absorbed"),
    [
        (TEACHER, GUEST),  # the guest account into the AAF teacher's: the main case
        (replace(TEACHER, state="pending"), GUEST),  # the AAF account on its way survives
        (TEACHER, replace(GUEST, state="deactivated", profile="NON_ENSEIGNANT")),
        (replace(TEACHER, profile="PERSONNEL_COLLECTIVITE"), GUEST),
        (replace(TEACHER, profile="ELEVE"), replace(GUEST, profile="ELEVE")),
        (replace(TEACHER, profile="PARENT"), replace(GUEST, profile="PARENT")),
        (replace(TEACHER, absorbed=("third",)), GUEST),  # a survivor may absorb several
    ],
)
def test_merges_the_rules_allow(survivor, absorbed):
    check_merge(survivor, absorbed, "même personne", {"given_name": "absorbed"})


def test_the_refusals_name_the_accounts_by_login_and_jointure():
    with pytest.raises(MergeRefused) as caught:
        check_merge(TEACHER, replace(GUEST, state="pending"), "x", {})
    assert "lea.martin2 (manual-1)" in str(caught.value)
    with pytest.raises(MergeRefused) as caught:
        check_merge(TEACHER, replace(GUEST, login="", state="pending"), "x", {})
    assert "account manual-1 is pending" in str(caught.value)


@pytest.mark.parametrize(
    ("account", "merged", "reason", "code"),
    [
        (GUEST, True, "", "reason_required"),
        (GUEST, False, "x", "not_merged"),
        (replace(TEACHER, absorbed=("a", "b")), True, "x", "several_merges"),
    ],
)
def test_an_unmerge_is_refused_with_the_rule_it_breaks(account, merged, reason, code):
    with pytest.raises(MergeRefused) as caught:
        check_unmerge(account, merged, reason)
    assert caught.value.code == code


@pytest.mark.parametrize("account", [replace(GUEST, absorbed_by="s-id"), replace(TEACHER, absorbed=("a-id",))])
def test_either_side_of_a_merge_may_be_unmerged(account):
    check_unmerge(account, True, "erreur de rapprochement")


def test_the_preview_keeps_the_survivors_login_and_what_both_hold():
    p = preview(TEACHER, GUEST)
    assert (p.survivor_login, p.alias) == ("lea.martin", "lea.martin2")
    assert p.logins == ("lea.martin", "lea.martin2")
    assert p.uais == ("0011068F", "0571994H")
    assert p.structures == ("0011068F S2", "0571994H S1")
    assert p.memberships == ("S1 class 3EME1",)
    assert p.manual_memberships == ("0011068F free INVITES",)
    assert p.attachments == ("0571994H until 2027-07-04T00:00:00+00:00",)
    assert p.sources == ("aaf AAF1", "manual manual-1")
    assert [(d.field, d.survivor, d.absorbed, d.chosen, d.shown) for d in p.disagreements] == [
        ("given_name", "Léa", "Lea", "survivor", "Léa")
    ]
    assert p.decisions == {"given_name": "survivor"}


@pytest.mark.parametrize(
    ("absorbed", "prefer", "decisions", "shown"),
    [
        (GUEST, {"given_name": "absorbed"}, {"given_name": "absorbed"}, {"given_name": "Lea"}),
        (replace(GUEST, given_name="Léa"), {}, {}, {}),
        (
            replace(GUEST, birth_date="21/03/1984", mail=""),
            {"birth_date": "absorbed"},
            {"given_name": "survivor", "birth_date": "absorbed", "mail": "survivor"},
            {"given_name": "Léa", "birth_date": "21/03/1984", "mail": "lea.martin@ac-nancy-metz.fr"},
        ),
    ],
)
def test_the_disagreements_show_the_survivors_value_unless_preferred(absorbed, prefer, decisions, shown):
    p = preview(TEACHER, absorbed, prefer)
    assert p.decisions == decisions
    assert {d.field: d.shown for d in p.disagreements} == shown
    assert p.as_dict()["decisions"] == decisions


@pytest.mark.parametrize(
    ("scope", "accounts", "expected"),
    [
        (None, (TEACHER, GUEST), True),
        (frozenset({"0571994H", "0011068F"}), (TEACHER, GUEST), True),
        (frozenset({"0571994H"}), (TEACHER, GUEST), False),
        (frozenset({"0571994H"}), (TEACHER,), True),
        (frozenset({"0571994H"}), (replace(TEACHER, uais=frozenset()),), False),
    ],
)
def test_an_establishment_administrator_covers_every_uai_of_both(scope, accounts, expected):
    assert covered(scope, *accounts) is expected
