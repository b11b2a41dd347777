"""The fold of a merge at read time on the in-memory twin (issue 14): given a
delivery of two establishments and its accounts created, when two teachers
of different establishments (or two guardians) are merged, then the absorbed
is out of the listings, any key of it answers the survivor's detail with
both sides' structures, classes, links and logins, the merge's decisions
applied to the names, the scope of either establishment covers it, a class
lists the survivor once, the history interleaves both sides; after the
unmerge every read equals a store where the merge never happened. On
SQLite and PostgreSQL with later deliveries: tests/integration/
test_merge_fold.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from daemon.history.account import history
from daemon.http import reads as api_reads
from daemon.http.models import AccountDetail, AccountList
from events.account import account_id
from events.merge import AccountMerge
from events.usecases import admin_groups
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_attachments import Attach, attach
from events.usecases.tick import tick
from generator.cli import run as generate
from projections import merge_fold
from projections.account_queries import account_detail, accounts, find_account, within
from projections.structure_queries import classes

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
AT = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
LATER = AT + timedelta(days=2)
UNTIL = datetime(2026, 12, 19, 23, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def delivery(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fold")
    # 900 students: two establishments (generator/academie/plan.py, 600 each).
    assert generate([str(root), "--students", "900", "--seed", "5", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    return root / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]


def built(delivery: Path):
    ctx = bootstrap.build("memory:", simulation=True)
    ingest(str(delivery), ctx, T0)
    tick(ctx, DUE)
    return ctx


@pytest.fixture
def uow(delivery):
    ctx = built(delivery)
    yield ctx
    ctx.close()


@pytest.fixture
def plain(delivery):
    """The same inputs, never merged."""
    ctx = built(delivery)
    yield ctx
    ctx.close()


def teachers(uow) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two active teachers with classes, each of one establishment, not the same one: (jointure, UAI)."""
    rows = uow.db.query(
        "SELECT a.jointure, MIN(t.uai) FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
        "JOIN structures t ON t.jointure = s.structure WHERE a.profile = 'ENSEIGNANT' AND a.state = 'active' "
        "AND EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = a.account_id AND m.kind = 'class') "
        "GROUP BY a.jointure HAVING COUNT(DISTINCT t.uai) = 1 ORDER BY a.jointure"
    )
    first = rows[0]
    second = next(r for r in rows if r[1] != first[1])
    return (first[0], first[1]), (second[0], second[1])


def guardians(uow) -> tuple[str, str]:
    """Two active guardians of different children."""
    rows = uow.db.query(
        "SELECT l.guardian_jointure, MIN(l.student_id) FROM guardian_links l JOIN accounts g "
        "ON g.jointure = l.guardian_jointure WHERE g.state = 'active' GROUP BY l.guardian_jointure "
        "ORDER BY l.guardian_jointure"
    )
    first = rows[0]
    second = next(r for r in rows if r[1] != first[1])
    return first[0], second[0]


def merge(uow, survivor: str, absorbed: str, decisions: dict | None = None, at: datetime = AT) -> AccountMerge:
    s, a = find_account(uow.db, survivor), find_account(uow.db, absorbed)
    m = AccountMerge(absorbed_id=a["account_id"], at=at)
    m.merge(s["account_id"], survivor, a["account_id"], absorbed, a["login"], decisions or {}, "ops", "one person", at)
    uow.log.save(m)
    uow.projection.catch_up(uow.log)
    return m


def unmerge(uow, m: AccountMerge, at: datetime = LATER) -> None:
    m.unmerge("ops", "two persons after all", at)
    uow.log.save(m)
    uow.projection.catch_up(uow.log)


def reads(uow, keys: list[str], uais: list[str]) -> dict:
    """What the read queries show of some accounts and establishments."""
    return {
        "listing": accounts(uow.db),
        "by_uai": {u: accounts(uow.db, uai=u) for u in uais},
        "scoped": {u: accounts(uow.db, scope=frozenset({u})) for u in uais},
        "details": {k: account_detail(uow.db, k) for k in keys},
        "classes": {u: classes(uow.db, u, members=True) for u in uais},
    }


def test_a_merged_teacher_is_one_account_of_both_establishments(uow):
    (sj, su), (aj, au) = teachers(uow)
    absorbed = account_detail(uow.db, aj)
    survivor = account_detail(uow.db, sj)

    merge(uow, sj, aj, {"given_name": "absorbed"})

    listing = {r["jointure"]: r for r in accounts(uow.db)}
    assert aj not in listing and listing[sj]["merged_from"] == [aj]
    assert [r for r in listing.values() if "merged_from" in r] == [listing[sj]]
    assert sj in {r["jointure"] for r in accounts(uow.db, uai=au)}  # the absorbed's establishment lists it
    assert aj not in {r["jointure"] for r in accounts(uow.db, uai=au)}
    for key in (aj, absorbed["account_id"], absorbed["login"]):
        shown = account_detail(uow.db, key)
        assert (shown["jointure"], shown["login"], shown["state"]) == (sj, survivor["login"], "active"), key
    shown = account_detail(uow.db, absorbed["login"])
    assert {s["uai"] for s in shown["structures"]} == {su, au}
    assert shown["memberships"] == sorted(
        survivor["memberships"] + absorbed["memberships"], key=lambda m: (m["structure"], m["kind"], m["code"])
    )
    assert shown["logins"] == sorted(set(survivor["logins"]) | {absorbed["login"]})
    assert shown["attributes"]["givenName"] == absorbed["attributes"]["givenName"]
    assert shown["attributes"]["sn"] == survivor["attributes"]["sn"]
    assert [(s["jointure"], s["side"]) for s in shown["sources"]] == [(sj, "survivor"), (aj, "absorbed")]
    assert shown["merged_from"] == [
        {
            "account_id": absorbed["account_id"],
            "jointure": aj,
            "login": absorbed["login"],
            "state": "active",
            "author": "ops",
            "reason": "one person",
            "at": AT.isoformat(),
        }
    ]
    assert within(shown, frozenset({au})) and within(shown, frozenset({su})) and not within(shown, frozenset({"X"}))
    AccountDetail.model_validate(shown)
    AccountList.model_validate({"accounts": accounts(uow.db), "count": 1, "limit": 1, "truncated": False})


def test_a_class_lists_the_survivor_once_in_place_of_the_absorbed(uow):
    (sj, su), (aj, au) = teachers(uow)
    before = classes(uow.db, au, members=True)
    merge(uow, sj, aj)
    after = classes(uow.db, au, members=True)
    for old, new in zip(before, after, strict=True):
        names = [m["jointure"] for m in old["members"]]
        if aj in names:
            shown = [m["jointure"] for m in new["members"]]
            assert aj not in shown and shown.count(sj) == 1
            assert (new["students"], new["teachers"]) == (old["students"], old["teachers"])
        else:
            assert new == old
    assert any(aj in [m["jointure"] for m in c["members"]] for c in before)


def test_merged_guardians_show_both_children_and_each_child_the_survivor(uow):
    sj, aj = guardians(uow)
    children = account_detail(uow.db, sj)["students"] + account_detail(uow.db, aj)["students"]
    merge(uow, sj, aj)
    shown = account_detail(uow.db, aj)
    assert shown["jointure"] == sj
    assert {c["jointure"] for c in shown["students"]} == {c["jointure"] for c in children}
    for child in children:
        linked = [g["jointure"] for g in account_detail(uow.db, child["jointure"])["guardians"]]
        assert sj in linked and aj not in linked and linked.count(sj) == 1


def test_the_history_interleaves_the_absorbed_side_and_the_merge_facts(uow):
    (sj, _), (aj, _) = teachers(uow)
    m = merge(uow, sj, aj)
    absorbed = merge_fold.absorbed_jointures(uow.db, str(account_id(sj)))
    assert absorbed == [aj]
    entries = history(uow.log, sj, (), absorbed)
    own = history(uow.log, sj)
    assert [e for e in entries if "merged_side" not in e and e.get("stream") != "merge"] == own
    sides = [e for e in entries if e.get("merged_side") == "absorbed"]
    assert sides and all(e["jointure"] == aj for e in sides)
    facts = [e for e in entries if e.get("stream") == "merge"]
    assert [(f["event"], f["author"], f["reason"]) for f in facts] == [
        ("AccountMerge.AccountsMerged", "ops", "one person")
    ]
    assert entries[-1] is facts[0] or entries.index(facts[0]) > entries.index(sides[-1])
    unmerge(uow, m)
    # The absorbed account's own history keeps both facts of its merge stream.
    kept = [e["event"] for e in history(uow.log, aj) if e.get("stream") == "merge"]
    assert kept == ["AccountMerge.AccountsMerged", "AccountMerge.AccountsUnmerged"]
    # The survivor's too, through the projection's index of past merges, without the other side's events.
    assert merge_fold.absorbed_jointures(uow.db, str(account_id(sj))) == []
    past = merge_fold.past_absorbed(uow.db, str(account_id(sj)))
    assert past == [str(account_id(aj))]
    story = history(uow.log, sj, (), [], past)
    assert [e["event"] for e in story if e.get("stream") == "merge"] == kept
    assert not any("merged_side" in e for e in story)
    assert [e for e in story if e.get("stream") != "merge"] == own
    assert merge_fold.past_absorbed(uow.db, str(account_id(aj))) == []


def by_hand(uow, absorbed: str, own: str, other: str) -> None:
    """The absorbed teacher put in a free group of its establishment and attached to the other, before the merge."""
    before = AT - timedelta(days=1)
    admin_groups.create_group(uow, own, "TUT", "Tuteurs", "ops", before)
    admin_groups.add_members(uow, own, "free", "TUT", [absorbed], "ops", before)
    attach(Attach(absorbed, other, UNTIL, "service partagé", "ops"), uow, before)
    uow.projection.catch_up(uow.log)


def test_the_absorbed_groups_by_hand_and_attachments_are_the_survivors(uow):
    (sj, su), (aj, au) = teachers(uow)
    by_hand(uow, aj, au, su)
    merge(uow, sj, aj)
    shown = account_detail(uow.db, aj)
    assert [(g["uai"], g["kind"], g["code"]) for g in shown["assigned"]] == [(au, "free", "TUT")]
    assert [a["uai"] for a in shown["attachments"]] == [su]
    assert [a["uai"] for a in {r["jointure"]: r for r in accounts(uow.db)}[sj]["attachments"]] == [su]
    free = next(c for c in classes(uow.db, au, members=True) if c["kind"] == "free")
    assert [m["jointure"] for m in free["members"]] == [sj] and free["teachers"] == 1


def test_after_the_unmerge_every_read_equals_a_store_never_merged(uow, plain):
    (sj, su), (aj, au) = teachers(uow)
    by_hand(uow, aj, au, su)
    by_hand(plain, aj, au, su)
    gs, ga = guardians(uow)
    keys = [sj, aj, gs, ga] + [c["jointure"] for j in (gs, ga) for c in account_detail(uow.db, j)["students"]]
    keys += [find_account(uow.db, k)["login"] for k in (aj, ga)]
    merges = [merge(uow, sj, aj, {"family_name": "absorbed"}), merge(uow, gs, ga)]
    assert reads(uow, keys, [su, au]) != reads(plain, keys, [su, au])
    for m in merges:
        unmerge(uow, m)
    assert reads(uow, keys, [su, au]) == reads(plain, keys, [su, au])


def test_the_api_answers_an_absorbed_key_with_the_survivor_within_either_establishment(uow):
    (sj, su), (aj, au) = teachers(uow)
    login = find_account(uow.db, aj)["login"]
    merge(uow, sj, aj)
    for scope in (frozenset({su}), frozenset({au}), None):
        shown = api_reads.account(uow, scope=scope, key=login)
        assert shown["jointure"] == sj and [m["jointure"] for m in shown["merged_from"]] == [aj]
        AccountDetail.model_validate(shown)
    with pytest.raises(api_reads.OutOfScope):
        api_reads.account(uow, scope=frozenset({"0000000A"}), key=login)
    listed = api_reads.accounts(uow, scope=frozenset({au}), uai=None, state=None, profile=None, limit=10_000)
    assert sj in {r["jointure"] for r in listed["accounts"]} and aj not in {r["jointure"] for r in listed["accounts"]}
    AccountList.model_validate(listed)
