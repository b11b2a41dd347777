"""Merges on the in-memory twin (issue 14, slice A): given an AAF delivery
whose teacher is pending and a guest account an operator forced for that
person meanwhile, when the operator merges the guest into the teacher, then
a dry run shows the preview and records nothing, the merge records
``AccountsMerged`` with its author, reason, alias and decisions, and the
refusals record nothing; an unmerge (by either key) lists the actions taken
on the survivor while merged and records ``AccountsUnmerged``; the same
accounts may be merged again. The CLI on SQLite and PostgreSQL:
tests/integration/test_account_merges.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from daemon import bootstrap
from events.manual_groups import FREE
from events.merge import AccountMerge, merge_id
from events.merge_rules import MergeRefused
from events.usecases import admin_groups
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_accounts import create_manual_account
from events.usecases.admin_login import RenameLogin, rename_login
from events.usecases.admin_merge import MergeAccounts, UnmergeAccounts, merge_accounts, unmerge_accounts
from events.usecases.tick import tick
from tests.unit.test_admin_accounts import (
    DUE,
    T0,
    T1,
    UAI,
    delivery,  # noqa: F401 (fixture)
    recorded_since,
    request,
    staff,
)

T_MERGE = DUE + timedelta(days=2)
T_ACT = T_MERGE + timedelta(days=1)
T_UNMERGE = T_MERGE + timedelta(days=5)


@pytest.fixture
def uow(delivery):  # noqa: F811 (the fixture's parameter)
    ctx = bootstrap.build("memory:", simulation=True)
    ingest(str(delivery), ctx, T0)
    yield ctx
    ctx.close()


def given_a_guest_for_the_teacher(uow) -> tuple[dict, str]:
    """The AAF teacher (pending), and a guest account forced for the same
    person with a private e-mail (a disagreement); returns (teacher, guest jointure)."""
    teacher = staff(uow, "ENSEIGNANT")
    made = create_manual_account(
        request(
            teacher["given"],
            teacher["family"],
            teacher["birth"],
            category="guest",
            mail="perso@example.org",
            force=True,
            reason="contrat signé, AAF pas encore là",
        ),
        uow,
        T1,
    )
    return teacher, made.jointure


def merge(uow, survivor, absorbed, now=T_MERGE, reason="même personne", **kw):
    return merge_accounts(MergeAccounts(survivor, absorbed, "ops", reason, **kw), uow, now)


def test_a_dry_run_previews_a_merge_into_a_pending_account_and_records_nothing(uow):
    teacher, guest = given_a_guest_for_the_teacher(uow)
    position = uow.log.max_position()

    shown = merge_accounts(
        MergeAccounts(teacher["jointure"], guest, "ops", "même personne", dry_run=True), uow, T1 + timedelta(hours=1)
    )

    assert uow.log.max_position() == position
    p = shown.preview
    assert (shown.status, p.survivor_jointure, p.absorbed_jointure) == ("preview", teacher["jointure"], guest)
    assert p.survivor_login == "" and p.alias.startswith(teacher["given"].lower()[:3])
    assert [(d.field, d.survivor, d.absorbed, d.chosen) for d in p.disagreements] == [
        ("mail", teacher["mail"], "perso@example.org", "survivor")
    ]
    assert f"manual {guest}" in p.sources and f"aaf {teacher['jointure']}" in p.sources
    assert UAI in p.uais and any(m.endswith("INVITES") for m in p.manual_memberships)
    assert uow.db.query("SELECT COUNT(*) FROM account_merges") == [(0,)]


def test_a_merge_records_who_why_the_alias_and_the_decisions(uow):
    teacher, guest = given_a_guest_for_the_teacher(uow)
    tick(uow, DUE)
    position = uow.log.max_position()

    done = merge(uow, teacher["jointure"], guest, prefer={"mail": "absorbed"})

    assert recorded_since(uow, position) == ["AccountMerge.Opened", "AccountMerge.AccountsMerged"]
    stream: AccountMerge = uow.log.get(merge_id(done.preview.absorbed_id))
    fact = list(uow.log.events.get(stream.id))[-1]
    assert (fact.survivor_jointure, fact.absorbed_jointure, fact.author, fact.reason, fact.at) == (
        teacher["jointure"],
        guest,
        "ops",
        "même personne",
        T_MERGE,
    )
    assert fact.alias == done.preview.alias != "" and fact.decisions == {"mail": "absorbed"}
    assert uow.db.query("SELECT survivor_id, alias FROM account_merges") == [
        (done.preview.survivor_id, done.preview.alias)
    ]
    assert done.as_dict()["status"] == "merged"


def test_refusals_record_nothing(uow):
    teacher, guest = given_a_guest_for_the_teacher(uow)
    position = uow.log.max_position()
    with pytest.raises(MergeRefused) as refused:  # the AAF account on its way is no account to absorb
        merge(uow, guest, teacher["jointure"], now=T1 + timedelta(hours=1))
    assert refused.value.code == "absorbed_pending"
    tick(uow, DUE)
    merge(uow, teacher["jointure"], guest)
    position = uow.log.max_position()
    for survivor, absorbed, code in [
        (teacher["jointure"], guest, "already_absorbed"),
        (guest, teacher["jointure"], "survivor_absorbed"),
        (teacher["jointure"], teacher["jointure"], "same_account"),
    ]:
        with pytest.raises(MergeRefused) as refused:
            merge(uow, survivor, absorbed, now=T_ACT)
        assert refused.value.code == code
    with pytest.raises(LookupError):
        merge(uow, teacher["jointure"], "nobody", now=T_ACT)
    assert uow.log.max_position() == position


def test_an_establishment_administrator_must_cover_both_accounts(uow):
    """Covering one side only is refused the same way (events/merge_rules.covered,
    tests/unit/test_merge_rules.py): this académie has one establishment."""
    teacher, guest = given_a_guest_for_the_teacher(uow)
    tick(uow, DUE)
    position = uow.log.max_position()
    for survivor, absorbed in [(teacher["jointure"], guest), (guest, teacher["jointure"])]:
        with pytest.raises(LookupError, match="no account"):
            merge(uow, survivor, absorbed, scope=frozenset({"0011068F"}))
    assert uow.log.max_position() == position

    assert merge(uow, teacher["jointure"], guest, scope=frozenset({UAI})).status == "merged"

    with pytest.raises(LookupError, match=f"no account '{guest}'"):
        unmerge_accounts(UnmergeAccounts(guest, "ops", "x", scope=frozenset({"0011068F"})), uow, T_UNMERGE)
    done = unmerge_accounts(UnmergeAccounts(guest, "ops", "x", scope=frozenset({UAI})), uow, T_UNMERGE)
    assert done.status == "unmerged"


def test_an_unmerge_lists_the_actions_taken_while_merged_and_records_its_end(uow):
    teacher, guest = given_a_guest_for_the_teacher(uow)
    tick(uow, DUE)
    done = merge(uow, teacher["jointure"], guest)
    survivor_id = done.preview.survivor_id
    admin_groups.add_members(uow, UAI, FREE, "INVITES", [teacher["jointure"]], "alice", T_ACT)
    rename_login(RenameLogin(teacher["jointure"], "l.prof", "demande", "bob"), uow, T_ACT + timedelta(hours=1))
    position = uow.log.max_position()

    shown = unmerge_accounts(UnmergeAccounts(guest, "ops", "erreur", dry_run=True), uow, T_UNMERGE)

    assert uow.log.max_position() == position
    assert shown.status == "preview" and shown.survivor.account_id == survivor_id
    assert [(a.stream, a.event, a.author) for a in shown.actions] == [
        ("groups", "ManualGroups.MembersAdded", "alice"),
        ("account", "LoginRenamed", "bob"),
    ]
    assert shown.as_dict()["actions_stay_with"] == teacher["jointure"]

    undone = unmerge_accounts(UnmergeAccounts("l.prof", "ops", "erreur"), uow, T_UNMERGE)  # the survivor's key

    assert recorded_since(uow, position) == ["AccountMerge.AccountsUnmerged"]
    assert undone.status == "unmerged" and undone.merge.alias == done.preview.alias
    assert uow.db.query("SELECT COUNT(*) FROM account_merges") == [(0,)]
    with pytest.raises(MergeRefused) as refused:
        unmerge_accounts(UnmergeAccounts(guest, "ops", "encore"), uow, T_UNMERGE)
    assert refused.value.code == "not_merged"

    again = merge(uow, teacher["jointure"], guest, now=T_UNMERGE + timedelta(days=1))  # the same stream again

    assert again.status == "merged"
    assert recorded_since(uow, position)[-1] == "AccountMerge.AccountsMerged"
