"""Stories of a merge meeting the sources and the rules, on SQLite and
PostgreSQL (issue 14), through `entsync admin merge|unmerge`:

- a guest account an operator forced for a teacher the AAF had not created
  yet, merged into the AAF account once created: the folded detail, the
  guest's end date removing the guest side only, the teacher untouched;
- two guardian accounts merged, then a new complete delivery and a SIECLE
  export while merged (both sides still delivered: a standing anomaly of
  each source, counted in the metrics), then the unmerge: each account
  equal, row by row, to a store fed the same inputs and never merged;
- a student typed twice, merged, then dropped by the next complete
  delivery (the corrected-duplicate rule, domain-rules §11): the side the
  delivery drops departs as any absent person, neither is deactivated, the
  survivor stays active — or, when the dropped side is the survivor, the
  fold shows it departing with the standing anomaly merge_side_departed.

`entsync verify` is equal after each step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from daemon.observability.readings import read
from events.policy import Policy
from projections import account_queries
from projections.schema import dump
from tests.integration.cli import Cli, reads, year_started
from tests.integration.conftest import MERGE_STARTED, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_GUEST = T0 + timedelta(hours=20)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_MERGE = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
T_AGAIN = datetime(2026, 9, 10, 6, tzinfo=timezone.utc)
T_SIECLE = datetime(2026, 9, 11, 6, tzinfo=timezone.utc)
T_UNMERGE = datetime(2026, 9, 15, 9, tzinfo=timezone.utc)
GUEST_UNTIL = "2026-09-20"
T_GUEST_GONE = datetime(2026, 9, 21, 6, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def acad(merge_academie):
    """900 students: two establishments, deliberate duplicates (manifest
    "duplicates": kept, typed twice) that the second complete delivery
    drops, and SIECLE exports of both dates (shared with test_merge_fold)."""
    return merge_academie


def started(request, backend: str, acad, capsys, directory=None) -> str:
    return year_started(request, backend, acad.first, capsys, MERGE_STARTED, directory)


def feed(cli: Cli, *steps: tuple[str, ...]) -> None:
    for step in steps:
        code = cli.run(*step)[0]
        assert code == 0 or (step[0] == "ingest" and code == 3), (step, code, cli.err)  # 3: records rejected


def verified(*clis: Cli) -> None:
    for cli in clis:
        assert cli.run("verify")[0] == 0, cli.err


def merged(cli: Cli, survivor: str, absorbed: str) -> None:
    done = cli.json(
        "admin", "merge", survivor, absorbed, "--reason", "une seule personne", "--operator", "alice",
        "--now", T_MERGE.isoformat(),
    )  # fmt: skip
    assert done["status"] == "merged", done


def anomalies(cli: Cli, *kinds: str) -> list[tuple[str, str, str]]:
    return [(a["anomaly"], a["jointure"], a["detail"]) for a in cli.json("anomalies") if a["anomaly"] in kinds]


def suspected_duplicates(cli: Cli) -> set[str]:
    pairs = [a for a in cli.json("anomalies") if a["anomaly"] == "suspected_duplicate"]  # one row per pair
    return {a["jointure"] for a in pairs} | {a["other"] for a in pairs}


def same_log_rebuilds(store_url: str) -> dict[str, int]:
    """The log rebuilds the read model; the merges' anomaly gauges."""
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
        gauges = read(ctx, 0.0).directory_anomalies
        return {k: v for k, v in gauges.items() if k.startswith("merge")}
    finally:
        ctx.close()


def events_of(store_url: str, jointure: str) -> list[str]:
    ctx = bootstrap.build(store_url, Policy())
    try:
        aid = account_queries.own_account(ctx.db, jointure)["account_id"]
        return [type(e).__qualname__ for _, e in ctx.log.iter_events() if str(e.originator_id) == aid]
    finally:
        ctx.close()


def test_a_guest_account_merged_into_the_aaf_teacher_and_its_end_date(acad, store_url, capsys):
    cli = Cli(store_url, capsys)
    feed(cli, ("ingest", str(acad.first), "--now", T0.isoformat()))
    teacher = cli.json("accounts", "--profile", "ENSEIGNANT", "--limit", "1")[0]
    assert teacher["state"] == "pending"
    attrs = cli.json("account", teacher["jointure"])["attributes"]
    uai = cli.json("account", teacher["jointure"])["structures"][0]["uai"]
    guest = cli.json(
        "admin", "create-account", "guest", attrs["givenName"][0], attrs["sn"][0], attrs["ENTPersonDateNaissance"][0],
        "--uai", uai, "--until", GUEST_UNTIL, "--force-match", "--reason", "vacataire arrivé avant l'AAF",
        "--operator", "alice", "--now", T_GUEST.isoformat(),
    )  # fmt: skip
    feed(cli, ("tick", "--now", T_CREATE.isoformat()))
    guest = cli.json("account", guest["jointure"])
    own = cli.json("account", teacher["jointure"])
    assert (own["state"], guest["state"]) == ("active", "active")
    verified(cli)

    merged(cli, teacher["jointure"], guest["login"])
    folded = cli.json("account", guest["login"])
    assert (folded["jointure"], folded["login"], folded["state"]) == (teacher["jointure"], own["login"], "active")
    assert [(m["jointure"], m["state"]) for m in folded["merged_from"]] == [(guest["jointure"], "active")]
    assert {s["jointure"] for s in folded["sources"]} == {teacher["jointure"], guest["jointure"]}
    assert guest["login"] in {x["login"] if isinstance(x, dict) else x for x in folded["logins"]}
    assert [a["jointure"] for a in cli.json("accounts", "--uai", uai)].count(teacher["jointure"]) == 1
    assert guest["jointure"] not in {a["jointure"] for a in cli.json("accounts", "--uai", uai)}
    assert anomalies(cli, "merge_side_departed", "merged_but_delivered_twice") == []
    verified(cli)

    # The guest's end date removes the guest side only; the teacher is untouched.
    feed(cli, ("tick", "--now", T_GUEST_GONE.isoformat()))
    folded = cli.json("account", teacher["jointure"])
    assert (folded["state"], folded["login"]) == ("active", own["login"])
    assert [(m["jointure"], m["state"]) for m in folded["merged_from"]] == [(guest["jointure"], "removed")]
    ctx = bootstrap.build(store_url, Policy())
    try:
        raw = account_queries.own_account(ctx.db, guest["jointure"])
        assert raw["state"] == "removed"
        assert account_queries.own_account(ctx.db, teacher["jointure"])["state"] == "active"
    finally:
        ctx.close()
    assert "Account.Removed" not in events_of(store_url, teacher["jointure"])
    assert anomalies(cli, "merge_side_departed") == []
    verified(cli)
    assert same_log_rebuilds(store_url) == {"merge_side_departed": 0, "merged_but_delivered_twice": 0}


def guardians_of_one_establishment(cli: Cli, acad) -> tuple[str, str, str]:
    """Two active guardians of different children of one establishment, the
    absorbed one renamed by the second delivery: (survivor, absorbed, UAI)."""
    ctx = bootstrap.build(cli.store_url, Policy())
    try:
        rows = ctx.db.query(
            "SELECT l.guardian_jointure, MIN(l.student_id), MIN(t.uai) FROM guardian_links l "
            "JOIN accounts g ON g.jointure = l.guardian_jointure JOIN account_structures s "
            "ON s.account_id = l.student_id JOIN structures t ON t.jointure = s.structure "
            "WHERE g.state = 'active' GROUP BY l.guardian_jointure"
        )
    finally:
        ctx.close()
    child = {g: (c, u) for g, c, u in rows}
    absorbed = next(g for g in acad.manifest["churn"]["guardians_renamed"] if g in child)
    survivor = min(g for g, (c, u) in child.items() if c != child[absorbed][0] and u == child[absorbed][1])
    return survivor, absorbed, child[absorbed][1]


def raw(store_url: str, keys: list[str]) -> dict:
    ctx = bootstrap.build(store_url, Policy())
    try:
        return {k: account_queries.own_account(ctx.db, k) for k in keys}
    finally:
        ctx.close()


def test_two_guardians_merged_through_a_delivery_and_a_siecle_export_then_unmerged(
    request, backend, acad, tmp_path, capsys
):  # fmt: skip
    # Both stores start from copies of the one where the year started: the merged one and a reference.
    store_url = started(request, backend, acad, capsys)
    (tmp_path / "plain").mkdir()
    plain_url = started(request, backend, acad, capsys, tmp_path / "plain")
    cli, plain = Cli(store_url, capsys), Cli(plain_url, capsys)
    survivor, absorbed, uai = guardians_of_one_establishment(cli, acad)
    uais = sorted(e["uai"] for e in acad.manifest["establishments"])
    merged(cli, survivor, absorbed)
    assert cli.json("account", absorbed)["jointure"] == survivor
    # The AAF delivers both sides as two persons: allowed, and listed.
    assert anomalies(cli, "merged_but_delivered_twice") == [
        ("merged_but_delivered_twice", survivor, f"source aaf delivers {survivor} and {absorbed} as two persons")
    ]
    verified(cli)

    siecle = acad.manifest["sources"]["siecle"][acad.manifest["dates"]["second"]][uai]
    later = (
        ("ingest", str(acad.second), "--now", T_AGAIN.isoformat()),
        ("tick", "--now", (T_AGAIN + timedelta(hours=1)).isoformat()),
        ("ingest", str(acad.root / siecle["eleves"]), "--now", T_SIECLE.isoformat()),
        ("ingest", str(acad.root / siecle["responsables"]), "--now", T_SIECLE.isoformat()),
    )
    for step in later:
        feed(cli, step)
        feed(plain, step)
        verified(cli)  # the merged store after each step; the reference store once, at the end
        # Each source wrote each side's own rows as if no merge existed.
        assert raw(store_url, [survivor, absorbed]) == raw(plain_url, [survivor, absorbed])
    assert cli.json("account", absorbed)["jointure"] == survivor
    twice = anomalies(cli, "merged_but_delivered_twice")
    assert ("merged_but_delivered_twice", survivor, f"source siecle {uai} delivers {survivor} and {absorbed} "
            "as two persons") in twice and len(twice) == 2  # fmt: skip
    assert same_log_rebuilds(store_url) == {"merge_side_departed": 0, "merged_but_delivered_twice": 2}

    undone = cli.json("admin", "unmerge", absorbed, "--reason", "deux personnes", "--now", T_UNMERGE.isoformat())
    assert undone["status"] == "unmerged"
    verified(cli)
    # Reads judge overdue creations at the store's last effective time: the same on both.
    after = ("tick", "--now", (T_UNMERGE + timedelta(hours=1)).isoformat())
    feed(cli, after)
    feed(plain, after)
    verified(cli, plain)
    keys = [survivor, absorbed]
    assert reads(cli, keys, uais, "anomalies") == reads(plain, keys, uais, "anomalies")
    assert raw(store_url, keys) == raw(plain_url, keys)
    assert same_log_rebuilds(store_url) == {}  # no merge held: the gauges of a directory that never merged


def test_a_duplicate_merged_then_dropped_by_a_complete_delivery(request, backend, acad, capsys):
    store_url = started(request, backend, acad, capsys)
    cli = Cli(store_url, capsys)
    (kept1, twice1), (kept2, twice2) = acad.manifest["duplicates"][:2]
    assert {twice1, twice2} <= set(acad.manifest["churn"]["duplicates_removed"])
    twins = {kept1, twice1, kept2, twice2}
    assert twins <= suspected_duplicates(cli)
    merged(cli, kept1, twice1)  # the survivor stays, the absorbed is dropped
    merged(cli, twice2, kept2)  # the survivor is dropped, the absorbed stays
    assert suspected_duplicates(cli).isdisjoint(twins)  # one person by the merge
    verified(cli)

    feed(cli, ("ingest", str(acad.second), "--now", T_AGAIN.isoformat()))
    verified(cli)
    for jointure in (kept1, twice1, kept2, twice2):
        assert "Account.Deactivated" not in events_of(store_url, jointure)
    states = {k: a["state"] for k, a in raw(store_url, [kept1, twice1, kept2, twice2]).items()}
    assert states == {kept1: "active", twice1: "departing", kept2: "active", twice2: "departing"}

    folded = cli.json("account", twice1)
    assert (folded["jointure"], folded["state"]) == (kept1, "active")
    assert [(m["jointure"], m["state"]) for m in folded["merged_from"]] == [(twice1, "departing")]
    folded = cli.json("account", kept2)
    assert (folded["jointure"], folded["state"]) == (twice2, "departing")
    assert [(m["jointure"], m["state"]) for m in folded["merged_from"]] == [(kept2, "active")]
    assert anomalies(cli, "merge_side_departed") == [
        (
            "merge_side_departed",
            twice2,
            f"survivor departing while {kept2} it absorbed is active; shown as the survivor until an unmerge",
        )
    ]
    assert same_log_rebuilds(store_url) == {"merge_side_departed": 1, "merged_but_delivered_twice": 0}
