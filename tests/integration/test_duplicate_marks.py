"""`entsync admin mark-duplicate` and `unmark-duplicate` on SQLite and
PostgreSQL (issue 13, domain-rules §5): given a delivery ingested and its
accounts created, when an operator marks two accounts duplicates and the
next complete delivery still carries them, then both stay deactivated and
show the source that still delivers them; the mark undone is active again,
the other is deleted by the clock 42 days after the mark; refusals are one
error line that records nothing; the log rebuilds the same read model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.policy import Policy
from projections.schema import dump
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_MARK = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
T_AGAIN = datetime(2026, 9, 5, 6, tzinfo=timezone.utc)
T_UNDO = datetime(2026, 9, 10, 9, tzinfo=timezone.utc)
T_DELETION = T_MARK + timedelta(days=42)


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("dups"), "--students", "30", "--seed", "5", "--no-second")


@pytest.fixture(scope="module")
def again(tmp_path_factory):
    """The same persons in a later complete delivery, split otherwise."""
    return make_academie(
        tmp_path_factory.mktemp("dups-again"),
        *("--students", "30", "--seed", "5", "--no-second", "--date", "20260904", "--part-size", "7"),
    )


def test_a_duplicate_mark_holds_across_a_delivery_and_deletes_at_42_days(acad, again, store_url, capsys):
    cli = Cli(store_url, capsys)
    assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0
    assert cli.run("tick", "--now", T_CREATE.isoformat())[0] == 0
    kept, dup, undone = cli.json("accounts", "--state", "active", "--limit", "3")

    code, out = cli.run(
        "admin", "mark-duplicate", dup["login"], "--of", kept["jointure"], "--reason", "saisi deux fois",
        "--operator", "alice", "--now", T_MARK.isoformat(),
    )  # fmt: skip
    assert code == 0, cli.err
    assert f"account {dup['jointure']} marked a duplicate of {kept['jointure']}: deactivated" in out
    assert "deletion due: 2026-10-15 11:00:00 CEST" in out
    marked = cli.json(
        "admin", "mark-duplicate", undone["jointure"], "--of", kept["jointure"], "--reason", "x",
        "--now", T_MARK.isoformat(),
    )  # fmt: skip
    assert marked["state"] == "deactivated" and marked["duplicate_of"] == kept["jointure"]

    for key, of, says in [
        (dup["jointure"], kept["jointure"], "already marked"),
        (kept["jointure"], kept["jointure"], "cannot be a duplicate of itself"),
        (kept["jointure"], dup["jointure"], "the account kept must be"),
    ]:
        code, out = cli.run("admin", "mark-duplicate", key, "--of", of, "--reason", "x", "--now", T_MARK.isoformat())
        assert (code, out) == (1, "")
        assert cli.err.startswith("entsync: error: admin mark-duplicate: ") and says in cli.err
        assert cli.err.count("\n") == 1
    code, out = cli.run("admin", "unmark-duplicate", kept["jointure"], "--reason", "x", "--json")
    assert code == 1 and '"error": "not_marked"' in out
    assert cli.json("account", kept["jointure"])["state"] == "active"

    assert cli.run("ingest", str(again.first), "--now", T_AGAIN.isoformat())[0] == 0, cli.err
    shown = cli.json("account", dup["jointure"])
    assert (shown["state"], shown["removal_due"]) == ("deactivated", T_DELETION.isoformat())
    mark = shown["duplicate_mark"]
    assert {k: mark[k] for k in ("duplicate_of", "author", "reason", "status", "still_delivered_by")} == {
        "duplicate_of": kept["jointure"],
        "author": "alice",
        "reason": "saisi deux fois",
        "status": "marked",
        "still_delivered_by": ["aaf"],
    }
    listed = [a for a in cli.json("anomalies") if a["anomaly"] == "marked_duplicate"]
    assert sorted(a["jointure"] for a in listed) == sorted([dup["jointure"], undone["jointure"]])
    assert all(a["detail"].endswith("still delivered by aaf") for a in listed)

    code, out = cli.run(
        "admin", "unmark-duplicate", undone["jointure"], "--reason", "jumeaux", "--now", T_UNDO.isoformat()
    )
    assert code == 0, cli.err
    assert f"duplicate mark of account {undone['jointure']} (of {kept['jointure']}) undone: active again" in out

    assert cli.run("tick", "--now", (T_DELETION - timedelta(minutes=1)).isoformat())[0] == 0
    assert cli.json("account", dup["jointure"])["state"] == "deactivated"
    assert cli.run("tick", "--now", T_DELETION.isoformat())[0] == 0
    assert cli.json("account", dup["jointure"])["state"] == "removed"
    back = cli.json("account", undone["jointure"])
    assert (back["state"], back["login"], back["duplicate_mark"]["status"]) == ("active", undone["login"], "undone")
    assert [e["event"] for e in cli.json("history", dup["jointure"])][-2:] == ["DuplicateMarked", "Removed"]

    assert cli.run("verify")[0] == 0, cli.err
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()
