"""`entsync admin attach` and `detach` on SQLite and PostgreSQL (issue 13):
given a delivery of two establishments ingested and its accounts created,
when an operator attaches a teacher of one to the other until an end date
through the CLI, then the teacher is listed in both, marked as attached in
the other; a later complete delivery that does not carry the attachment
leaves it; the clock ends it at its end date ('end date reached'); refusals
are one error line that records nothing; the log rebuilds the same read
model."""

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
T_ATTACH = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
T_AGAIN = datetime(2026, 9, 5, 6, tzinfo=timezone.utc)
UNTIL = datetime(2026, 12, 19, 23, tzinfo=timezone.utc)
# 900 students: two establishments (generator/academie/plan.py, 600 each).
ARGS = ("--students", "900", "--seed", "5", "--no-second")


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("attach"), *ARGS)


@pytest.fixture(scope="module")
def again(tmp_path_factory):
    """The same persons in a later complete delivery, split otherwise."""
    return make_academie(tmp_path_factory.mktemp("attach-again"), *ARGS, "--date", "20260904", "--part-size", "97")


def jointures(cli: Cli, uai: str) -> dict[str, dict]:
    return {r["jointure"]: r for r in cli.json("accounts", "--uai", uai)}


def test_an_attachment_lists_the_teacher_in_both_establishments_until_its_end_date(acad, again, store_url, capsys):
    cli = Cli(store_url, capsys)
    assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0
    assert cli.run("tick", "--now", T_CREATE.isoformat())[0] == 0
    own, other = sorted(s["uai"] for s in cli.json("structures"))
    theirs = jointures(cli, other)
    lent = next(
        r for r in cli.json("accounts", "--uai", own, "--profile", "ENSEIGNANT", "--state", "active")
        if r["jointure"] not in theirs
    )  # fmt: skip
    key = lent["login"]

    code, out = cli.run(
        "admin", "attach", key, other, "--until", UNTIL.isoformat(), "--reason", "service partagé",
        "--operator", "alice", "--now", T_ATTACH.isoformat(),
    )  # fmt: skip
    assert code == 0, cli.err
    assert f"account {lent['jointure']} attached to {other}: listed there until the end date" in out
    assert "until: 2026-12-20 00:00:00 CET" in out

    shown = [{"uai": other, "until": UNTIL.isoformat(), "author": "alice"}]
    assert jointures(cli, other)[lent["jointure"]]["attachments"] == shown
    assert jointures(cli, own)[lent["jointure"]]["attachments"] == shown
    code, out = cli.run("accounts", "--uai", other)
    assert code == 0 and "attached" in out.splitlines()[0]
    detail = cli.json("account", key)
    assert [(a["uai"], a["author"], a["reason"]) for a in detail["attachments"]] == [
        (other, "alice", "service partagé")
    ]
    assert [s["uai"] for s in detail["structures"]] == [own]

    for args, says in [
        (("attach", key, own, "--until", UNTIL.isoformat()), f"belongs to {own} already"),
        (("attach", key, "0000000A", "--until", UNTIL.isoformat()), "no establishment 0000000A"),
        (("attach", key, other, "--until", T_ATTACH.isoformat()), "is not after now"),
        (("attach", key, other, "--until", UNTIL.isoformat()), "already"),
        (("detach", key, own), "the AAF's attachments stay the AAF's"),
    ]:
        code, out = cli.run("admin", *args, "--reason", "x", "--now", T_ATTACH.isoformat())
        assert (code, out) == (1, ""), args
        assert cli.err.startswith(f"entsync: error: admin {args[0]}: ") and says in cli.err, cli.err
        assert cli.err.count("\n") == 1
    code, out = cli.run("admin", "detach", theirs and next(iter(theirs)), own, "--reason", "x", "--json")
    assert code == 1 and '"error": "not_attached"' in out
    assert [e["event"] for e in cli.json("history", key)][-1] == "Attached"

    assert cli.run("ingest", str(again.first), "--now", T_AGAIN.isoformat())[0] == 0, cli.err
    assert jointures(cli, other)[lent["jointure"]]["attachments"] == shown

    # Four months after the rentrée, its deliveries' details are erased first (issue 17: retention).
    before = cli.json("tick", "--now", (UNTIL - timedelta(minutes=1)).isoformat())["transitions"]
    assert {t["kind"] for t in before} == {"erase-details"}
    ticked = cli.json("tick", "--now", UNTIL.isoformat())["transitions"]
    assert [(t["kind"], t["jointure"], t["uai"]) for t in ticked] == [("end-attachment", lent["jointure"], other)]
    assert lent["jointure"] not in jointures(cli, other)
    assert "attachments" not in cli.json("account", key)
    last = cli.json("history", key)[-1]
    assert (last["event"], last["uai"], last["reason"], last["author"]) == (
        "AttachmentEnded",
        other,
        "end date reached",
        "clock",
    )

    assert cli.run("verify")[0] == 0, cli.err
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()
