"""Free groups and members assigned by hand through `entsync admin group` on
SQLite and PostgreSQL (issue 13, domain-rules §2 option 3): given an
establishment whose group source is manual, when an operator creates free
groups and assigns members by hand to them, to a class and to a group, then
`entsync classes --members` shows them with their source; they survive a
timetable import and a new complete AAF delivery unchanged, and so does a
manual ATTEE account's membership of "Agents", which its creation recorded
(its history shows the fact and its author); refusals are one
error line recording nothing; and the log rebuilds the same read model
(`entsync verify`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from events.usecases.timetable_apply import validate
from events.usecases.timetable_receive import receive
from projections.schema import dump
from tests.integration.cli import Cli
from tests.integration.conftest import T1, make_academie, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_ADMIN = datetime(2026, 8, 25, 9, tzinfo=timezone.utc)
T_EDT = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(
        tmp_path_factory.mktemp("manual-groups"), "--students", "120", "--seed", "4", "--sources", "aaf,timetable"
    )


def hand(entries: list[dict]) -> dict[tuple[str, str], list[str]]:
    """(kind, code) → jointures of the members assigned by hand."""
    out = {
        (e["kind"], e["code"]): [m["jointure"] for m in e["members"] if m.get("source") == "manual"] for e in entries
    }
    return {k: v for k, v in out.items() if v}


def test_hand_made_groups_survive_every_import(acad, store_url, capsys):
    cli = Cli(store_url, capsys)
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert ingest(str(acad.first), ctx, T0).status == "applied"
        tick(ctx, T_CREATE)
        date = acad.manifest["dates"]["first"]
        uai, rel = next(iter(acad.manifest["sources"]["timetable"][date].items()))
        at = T_ADMIN.isoformat()
        assert cli.run("group-source", uai, "manual", "--operator", "alice", "--now", at)[0] == 0, cli.err

        before = cli.json("classes", uai, "--members")
        left = set(acad.manifest["churn"]["students_left"])
        by_class = {
            e["code"]: [m["jointure"] for m in e["members"] if m["jointure"] not in left]
            for e in before
            if e["kind"] == "class"
        }
        (c1, in_c1), (c2, in_c2) = [(c, ms) for c, ms in sorted(by_class.items()) if len(ms) >= 2][:2]
        group = next(e["code"] for e in before if e["kind"] == "group")
        a, b, c = in_c1[0], in_c1[1], in_c2[0]

        def admin(*args: str) -> str:
            code, out = cli.run("admin", "group", *args, "--operator", "alice", "--now", at)
            assert code == 0, cli.err
            return out

        assert "free group AGENTS created: Agents" in admin("create", uai, "AGENTS", "Agents")
        admin("create", uai, "TUT", "Tutors")
        admin("rename", uai, "TUT", "Tuteurs")
        assert "2 member(s) added by hand" in admin("add", uai, "AGENTS", a, b)
        admin("add", uai, "TUT", c)
        admin("add", uai, "--kind", "group", group, a, c)
        admin("add", uai, "--kind", "class", c1, c)  # c is in c2 by its record, in c1 by hand
        admin("create", uai, "TMP", "Temporaire")
        admin("add", uai, "TMP", b)
        assert "deleted with 1 member(s)" in admin("delete", uai, "TMP", "--reason", "essai")
        admin("remove", uai, "TUT", c, "--reason", "erreur")
        expected = {("free", "AGENTS"): sorted([a, b]), ("group", group): sorted([a, c]), ("class", c1): [c]}
        shown = cli.json("classes", uai, "--members")
        assert hand(shown) == expected
        free = {e["code"]: e for e in shown if e["kind"] == "free"}
        assert {k: (e["name"], e["population"], e["students"]) for k, e in free.items()} == {
            "AGENTS": ("Agents", "manual", 2),
            "TUT": ("Tuteurs", "manual", 0),
        }
        code, out = cli.run("classes", uai, "--members")
        assert "free AGENTS" in out and "Tuteurs" in out and "manual" in out

        # Refusals: one line naming the rule, nothing recorded.
        position = ctx.log.max_position()
        for args, says in [
            (("create", uai, "AGENTS", "Encore"), "is a free group of the establishment already"),
            (("create", uai, c1, "Classe"), "is a class or group of the establishment already"),
            (("create", uai, "TROP-LONG1", "x"), "at most 8 characters"),
            (("add", uai, "AGENTS", a), "is a member already"),
            (("add", uai, "AGENTS", "NOBODY"), "no account 'NOBODY'"),
            (("delete", uai, "AGENTS", "--reason", " "), "needs a reason"),
        ]:
            code, out = cli.run("admin", "group", *args, "--now", at)
            assert (code, out) == (1, ""), args
            assert cli.err.startswith(f"entsync: error: admin group {args[0]}: ") and says in cli.err, cli.err
        assert ctx.log.max_position() == position

        # A manual ATTEE account joins the free group "Agents" as it is created, authored as it is.
        code, out = cli.run(
            "admin", "create-account", "attee", "Marc", "Petit", "1970-01-01", "--uai", uai, "--perenne",
            "--operator", "bob", "--now", at, "--json",
        )  # fmt: skip
        assert code == 0, cli.err
        agent = json.loads(out)
        assert (agent["free_group"], agent["free_group_code"]) == ("Agents", "AGENTS")
        expected[("free", "AGENTS")] = [*sorted([a, b]), agent["jointure"]]  # listed by profile, then jointure
        assert hand(cli.json("classes", uai, "--members")) == expected
        assert [(g["code"], g["name"], g["author"]) for g in cli.json("account", agent["login"])["assigned"]] == [
            ("AGENTS", "Agents", "bob")
        ]
        joined = [e for e in cli.json("history", agent["login"]) if e["event"] == "ManualGroups.MembersAdded"]
        assert [(e["uai"], e["code"], e["name"], e["author"], e["at"]) for e in joined] == [
            (uai, "AGENTS", "Agents", "bob", at)
        ]
        code, out = cli.run("history", agent["login"])
        assert code == 0 and f"groups ManualGroups.MembersAdded {uai} free AGENTS (Agents) by=bob" in out

        # A timetable import and a new complete AAF delivery leave them as they were.
        imported = receive(acad.root / rel, ctx, T_EDT)
        assert validate(imported.import_id, "alice", ctx, T_EDT + timedelta(hours=1)).status == "applied"
        assert hand(cli.json("classes", uai, "--members")) == expected
        rows = dump(ctx.db)["manual_memberships"]
        second = ingest(str(acad.second), ctx, T1)
        assert second.status == "applied", second.message
        ctx.projection.catch_up(ctx.log)
        assert dump(ctx.db)["manual_memberships"] == rows
        assert hand(cli.json("classes", uai, "--members")) == expected

        assert cli.json("account", agent["login"])["state"] == "active"
        joined_after = [e for e in cli.json("history", agent["login"]) if e["event"].startswith("ManualGroups.")]
        assert [e["code"] for e in joined_after] == ["AGENTS"]

        assert cli.run("verify")[0] == 0, cli.err
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()
