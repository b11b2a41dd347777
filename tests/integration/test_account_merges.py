"""`entsync admin merge` and `unmerge` on SQLite and PostgreSQL (issue 14,
slice A): given a delivery whose teacher is pending and a guest account an
operator forced for that person meanwhile, when the AAF account is created
and the operator merges the guest into it, then --dry-run shows the
disagreements and records nothing, the merge records AccountsMerged with its
author, reason and alias, a second merge of the same account is refused, an
establishment administrator not covering both accounts finds neither, and
unmerge records AccountsUnmerged; `entsync verify` is equal after each step
and the log rebuilds the same read model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.policy import Policy
from events.usecases.admin_merge import MergeAccounts, UnmergeAccounts, merge_accounts, unmerge_accounts
from projections.schema import dump
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_GUEST = T0 + timedelta(hours=20)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_MERGE = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
T_UNMERGE = datetime(2026, 9, 10, 9, tzinfo=timezone.utc)
OTHER_UAI = "0011068F"


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("merges"), "--students", "30", "--seed", "5", "--no-second")


def facts(store_url: str) -> list[object]:
    ctx = bootstrap.build(store_url, Policy())
    try:
        return [event for _, event in ctx.log.iter_events()]
    finally:
        ctx.close()


def verified(cli: Cli) -> None:
    assert cli.run("verify")[0] == 0, cli.err


def test_a_guest_account_merged_into_the_aaf_teacher_and_taken_back(acad, store_url, capsys):
    cli = Cli(store_url, capsys)
    assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0
    teacher = cli.json("accounts", "--profile", "ENSEIGNANT", "--limit", "1")[0]
    shown = cli.json("account", teacher["jointure"])
    attrs, uai = shown["attributes"], shown["structures"][0]["uai"]
    made = cli.json(
        "admin", "create-account", "guest", attrs["givenName"][0], attrs["sn"][0], attrs["ENTPersonDateNaissance"][0],
        "--uai", uai, "--perenne", "--mail", "perso@example.org", "--force-match", "--reason", "contrat signé",
        "--operator", "alice", "--now", T_GUEST.isoformat(),
    )  # fmt: skip
    guest = cli.json("account", made["jointure"])
    assert cli.run("tick", "--now", T_CREATE.isoformat())[0] == 0
    teacher = cli.json("account", teacher["jointure"])
    assert teacher["state"] == "active"
    verified(cli)

    before = len(facts(store_url))
    code, out = cli.run(
        "admin", "merge", teacher["login"], guest["jointure"], "--reason", "même personne", "--dry-run",
        "--operator", "alice", "--now", T_MERGE.isoformat(),
    )  # fmt: skip
    assert code == 0, cli.err
    assert f"would merge account {guest['jointure']} into {teacher['jointure']} (dry run: nothing recorded)" in out
    assert f"login kept: {teacher['login']}; alias: {guest['login']}" in out
    assert f"mail: survivor {attrs['mail'][0]!r}, absorbed 'perso@example.org' -> survivor" in out
    assert len(facts(store_url)) == before
    verified(cli)

    merged = cli.json(
        "admin", "merge", teacher["jointure"], guest["login"], "--reason", "même personne",
        "--prefer", "mail=absorbed", "--operator", "alice", "--now", T_MERGE.isoformat(),
    )  # fmt: skip
    assert (merged["status"], merged["alias"], merged["decisions"]) == ("merged", guest["login"], {"mail": "absorbed"})
    recorded = facts(store_url)[before:]
    assert [type(e).__qualname__ for e in recorded] == ["AccountMerge.Opened", "AccountMerge.AccountsMerged"]
    fact = recorded[-1]
    assert (fact.survivor_jointure, fact.absorbed_jointure, fact.alias, fact.author, fact.reason) == (
        teacher["jointure"],
        guest["jointure"],
        guest["login"],
        "alice",
        "même personne",
    )
    verified(cli)

    for survivor, absorbed, says in [
        (teacher["jointure"], guest["jointure"], "is already merged into another account"),
        (guest["jointure"], teacher["jointure"], "merge into that one, or unmerge first"),
    ]:
        code, out = cli.run("admin", "merge", survivor, absorbed, "--reason", "x", "--now", T_MERGE.isoformat())
        assert (code, out) == (1, "")
        assert cli.err.startswith("entsync: error: admin merge: ") and says in cli.err
        assert cli.err.count("\n") == 1
    code, out = cli.run("admin", "merge", teacher["jointure"], guest["jointure"], "--reason", "x", "--json")
    assert code == 1 and '"error": "already_absorbed"' in out

    ctx = bootstrap.build(store_url, Policy())
    try:  # an establishment administrator's scope (the API's): outside it, no such account
        with pytest.raises(LookupError, match="no account"):
            merge_accounts(
                MergeAccounts(teacher["jointure"], guest["jointure"], "etab", "x", scope=frozenset({OTHER_UAI})), ctx
            )
        with pytest.raises(LookupError, match="no account"):
            unmerge_accounts(UnmergeAccounts(guest["jointure"], "etab", "x", scope=frozenset({OTHER_UAI})), ctx)
    finally:
        ctx.close()
    assert len(facts(store_url)) == before + 2

    code, out = cli.run(
        "admin", "unmerge", teacher["login"], "--reason", "pas la même personne", "--dry-run",
        "--now", T_UNMERGE.isoformat(),
    )  # fmt: skip
    assert code == 0, cli.err
    assert f"would unmerge account {guest['jointure']} from {teacher['jointure']}" in out
    assert f"login {guest['login']} back to {guest['jointure']}" in out
    assert len(facts(store_url)) == before + 2

    undone = cli.json(
        "admin", "unmerge", guest["jointure"], "--reason", "pas la même personne", "--operator", "bob",
        "--now", T_UNMERGE.isoformat(),
    )  # fmt: skip
    assert (undone["status"], undone["alias"], undone["author"]) == ("unmerged", guest["login"], "bob")
    last = facts(store_url)[-1]
    assert type(last).__qualname__ == "AccountMerge.AccountsUnmerged"
    assert (last.survivor_id, last.absorbed_id, last.alias) == (
        teacher["account_id"],
        guest["account_id"],
        guest["login"],
    )
    code, out = cli.run("admin", "unmerge", guest["jointure"], "--reason", "x")
    assert code == 1 and "is not merged" in cli.err
    verified(cli)

    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()
