"""The fold of a merge on SQLite and PostgreSQL (issue 14): given a delivery
of two establishments and its accounts created, when two guardian accounts
of one person and two teacher accounts of different establishments are
merged (recorded on the log as the admin action will), then `entsync
accounts`, `account`, `classes --members` and `history` show each pair as
its survivor, any key of the absorbed (jointure, login) answers it, and
either establishment's scope covers it; a new complete delivery while
merged lands on each side as in a store never merged; after the unmerge
each account's detail and the listings equal those of a second store fed
the same inputs without the merge; the log rebuilds the read model after
each step."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from daemon import bootstrap
from events.merge import AccountMerge
from events.policy import Policy
from projections import account_queries
from projections.schema import dump
from tests.integration.cli import Cli, reads, year_started
from tests.integration.conftest import MERGE_STARTED, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_MERGE = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
T_AGAIN = datetime(2026, 9, 10, 6, tzinfo=timezone.utc)
T_UNMERGE = datetime(2026, 9, 15, 9, tzinfo=timezone.utc)
T_END = datetime(2026, 9, 16, 6, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def acad(merge_academie):
    """900 students: two establishments (generator/academie/plan.py, 600
    each), and a second complete delivery with its churn (arrivals,
    departures, moves); shared with test_merge_stories, whose SIECLE
    exports the fold does not read."""
    return merge_academie


def started(request, backend: str, acad, capsys, directory=None) -> str:
    return year_started(request, backend, acad.first, capsys, MERGE_STARTED, directory)


def pairs(ctx, churn: dict) -> tuple[tuple[str, str], tuple[str, str], list[str]]:
    """The absorbed sides: the guardian the second delivery renames, a teacher
    it drops (each side must get its own source's changes while merged);
    the survivors: an active guardian of another child, an active teacher of
    the other establishment; both UAIs."""
    guardians = dict(
        ctx.db.query(
            "SELECT l.guardian_jointure, MIN(l.student_id) FROM guardian_links l JOIN accounts g "
            "ON g.jointure = l.guardian_jointure WHERE g.state = 'active' GROUP BY l.guardian_jointure"
        )
    )
    ga = churn["guardians_renamed"][0]
    gs = min(g for g, child in guardians.items() if child != guardians[ga])
    teachers = dict(
        ctx.db.query(
            "SELECT a.jointure, MIN(t.uai) FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
            "JOIN structures t ON t.jointure = s.structure WHERE a.profile = 'ENSEIGNANT' AND a.state = 'active' "
            "AND EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = a.account_id AND m.kind = 'class') "
            "GROUP BY a.jointure HAVING COUNT(DISTINCT t.uai) = 1"
        )
    )
    ta = next(t for t in churn["teachers_left"] if t in teachers)
    ts = min(t for t, uai in teachers.items() if uai != teachers[ta])
    return (gs, ga), (ts, ta), sorted(set(teachers.values()))


def merge(ctx, survivor: str, absorbed: str, decisions: dict) -> None:
    s = account_queries.own_account(ctx.db, survivor)
    a = account_queries.own_account(ctx.db, absorbed)
    m = AccountMerge(absorbed_id=a["account_id"], at=T_MERGE)
    m.merge(
        s["account_id"], survivor, a["account_id"], absorbed, a["login"], decisions, "alice", "une personne", T_MERGE
    )
    ctx.log.save(m)
    ctx.projection.catch_up(ctx.log)


def unmerge(ctx, absorbed: str) -> None:
    from events.merge import merge_id

    m = ctx.log.get(merge_id(account_queries.own_account(ctx.db, absorbed)["account_id"]))
    m.unmerge("alice", "deux personnes", T_UNMERGE)
    ctx.log.save(m)
    ctx.projection.catch_up(ctx.log)


def feed(cli: Cli, *steps: tuple[str, ...]) -> None:
    for step in steps:
        assert cli.run(*step)[0] == 0, cli.err


def same_log_rebuilds(store_url: str) -> None:
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()


def test_a_merge_folds_and_the_unmerge_equals_a_store_never_merged(
    request, backend, acad, tmp_path, capsys
):  # fmt: skip
    store_url = started(request, backend, acad, capsys)
    (tmp_path / "plain").mkdir()
    plain_url = started(request, backend, acad, capsys, tmp_path / "plain")
    cli, plain = Cli(store_url, capsys), Cli(plain_url, capsys)
    ctx = bootstrap.build(store_url, Policy())
    try:
        (gs, ga), (ts, ta), uais = pairs(ctx, acad.manifest["churn"])
        ga_login = account_queries.own_account(ctx.db, ga)["login"]
        ga_attrs = account_queries.own_account(ctx.db, ga)["attrs"]
        ta_row = account_queries.own_account(ctx.db, ta)
        ta_uai = account_queries.account_detail(ctx.db, ta)["structures"][0]["uai"]
        ts_uai = account_queries.account_detail(ctx.db, ts)["structures"][0]["uai"]
        merge(ctx, gs, ga, {})
        merge(ctx, ts, ta, {"family_name": "absorbed"})
    finally:
        ctx.close()
    same_log_rebuilds(store_url)

    listed = {r["jointure"]: r for r in cli.json("accounts")}
    assert ga not in listed and ta not in listed
    assert (listed[gs]["merged_from"], listed[ts]["merged_from"]) == ([ga], [ta])
    assert ts in {r["jointure"] for r in cli.json("accounts", "--uai", ta_uai)}
    code, out = cli.run("accounts", "--uai", ta_uai)
    assert code == 0 and out.split("\n")[0].split()[-1] == "merged_from"
    assert [line.split()[-1] for line in out.splitlines() if line.startswith(ts)] == [ta]
    shown = cli.json("account", ga_login)
    assert shown["jointure"] == gs and ga_login in shown["logins"]
    assert [s["jointure"] for s in shown["sources"]] == [gs, ga]
    teacher = cli.json("account", ta_row["account_id"])
    assert teacher["jointure"] == ts and teacher["attributes"]["sn"] == json.loads(ta_row["attrs"])["sn"]
    assert {s["uai"] for s in teacher["structures"]} == {ta_uai, ts_uai}
    ctx = bootstrap.build(store_url, Policy())
    try:
        detail = account_queries.account_detail(ctx.db, ta)
        assert account_queries.within(detail, frozenset({ta_uai}))
        assert account_queries.within(detail, frozenset({ts_uai}))
        assert ts in {r["jointure"] for r in account_queries.accounts(ctx.db, scope=frozenset({ta_uai}))}
    finally:
        ctx.close()
    members = [m["jointure"] for c in cli.json("classes", ta_uai, "--members") for m in c["members"]]
    assert ta not in members and ts in members
    story = cli.json("history", ta)
    assert [e["event"] for e in story if e.get("stream") == "merge"] == ["AccountMerge.AccountsMerged"]
    assert any(e.get("merged_side") == "absorbed" and e["jointure"] == ta for e in story)
    code, out = cli.run("history", ga)
    assert code == 0 and f"[absorbed {ga}]" in out and "merge AccountMerge.AccountsMerged" in out

    again = (("ingest", str(acad.second), "--now", T_AGAIN.isoformat()),)
    feed(cli, *again)
    feed(plain, *again)
    same_log_rebuilds(store_url)
    # Each side got its own source's changes, as in a store never merged.
    for store, other in ((store_url, plain_url),):
        a, b = bootstrap.build(store, Policy()), bootstrap.build(other, Policy())
        try:
            for key in (gs, ga, ts, ta):
                assert account_queries.own_account(a.db, key) == account_queries.own_account(b.db, key), key
            assert account_queries.own_account(a.db, ta)["state"] == "departing"
            assert account_queries.own_account(a.db, ga)["attrs"] != ga_attrs  # renamed on its own stream
        finally:
            a.close()
            b.close()

    ctx = bootstrap.build(store_url, Policy())
    try:
        keys = [gs, ga, ts, ta, ga_login, ta_row["login"]]
        keys += [c["jointure"] for k in (gs, ga) for c in account_queries.account_detail(ctx.db, k)["students"]]
        unmerge(ctx, ga)
        unmerge(ctx, ta)
    finally:
        ctx.close()
    same_log_rebuilds(store_url)
    # The same last time on both (a simulation store judges time-bound anomalies then).
    feed(cli, ("tick", "--now", T_END.isoformat()))
    feed(plain, ("tick", "--now", T_END.isoformat()))
    merged, never = reads(cli, keys, uais), reads(plain, keys, uais)
    for part in merged:
        assert merged[part] == never[part], part
    assert cli.run("verify")[0] == 0, cli.err
    # The survivor's history keeps the facts of the merge taken back, not the other side's events.
    for survivor in (gs, ts):
        story = cli.json("history", survivor)
        assert [e["event"] for e in story if e.get("stream") == "merge"] == [
            "AccountMerge.AccountsMerged",
            "AccountMerge.AccountsUnmerged",
        ], survivor
        assert not any("merged_side" in e for e in story)
