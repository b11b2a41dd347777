"""`entsync admin create-account` on SQLite and PostgreSQL (issue 13,
domain-rules §1, §3): given an AAF delivery ingested, its accounts pending,
when the operator creates a manual account for a person of the delivery, it
is refused with the pending account and its due time, and nothing is
recorded; 48 h later the AAF account is created; forced with a reason, the
manual account is created; a tutor with an end date appears in `entsync
accounts`, a member of its free group "Tuteurs" (its history shows the fact
and its author), and the clock removes it then, ending its membership; the log rebuilds the same read model."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon import bootstrap
from events.policy import Policy
from projections.schema import dump
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T1 = datetime(2026, 8, 19, 9, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
END = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("manual"), "--students", "30", "--seed", "5", "--no-second")


def test_manual_accounts_through_the_cli(acad, store_url, capsys):
    cli = Cli(store_url, capsys)
    assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0
    staff = [a for a in cli.json("accounts", "--profile", "NON_ENSEIGNANT") if a["state"] == "pending"][0]
    ctx = bootstrap.build(store_url, Policy())
    try:
        record = json.loads(ctx.db.scalar("SELECT attrs FROM accounts WHERE jointure = ?", (staff["jointure"],)))
    finally:
        ctx.close()
    person = [record["givenName"][0], record["sn"][0], record["ENTPersonDateNaissance"][0]]
    uai = cli.json("structures")[0]["uai"]

    create = ["admin", "create-account", "guest", *person, "--uai", uai, "--perenne", "--operator", "alice"]
    code, out = cli.run(*create, "--now", T1.isoformat())
    assert (code, out) == (1, "")
    assert cli.err.startswith("entsync: error: admin create-account: refused: ")
    assert f"account {staff['jointure']} has the same name and birth date and is pending" in cli.err
    # The error line gives its times in the configured zone.
    assert f"its creation is due at {DUE.astimezone(ZoneInfo('Europe/Paris')):%Y-%m-%d %H:%M:%S %Z}:" in cli.err
    assert "can never be merged" in cli.err and "contract staff" in cli.err
    assert cli.err.count("\n") == 1
    assert not [a for a in cli.json("accounts") if a["category"] == "guest"]

    assert cli.run("tick", "--now", DUE.isoformat())[0] == 0
    assert cli.json("account", staff["jointure"])["state"] == "active"
    code, _ = cli.run(*create, "--now", DUE.isoformat())
    assert code == 1 and "is active" in cli.err

    code, out = cli.run(*create, "--force-match", "--reason", "compte AAF bloqué", "--now", DUE.isoformat(), "--json")
    assert code == 0, cli.err
    forced = json.loads(out)
    assert (forced["overrides"], forced["reason"], forced["author"]) == (
        [staff["jointure"]],
        "compte AAF bloqué",
        "alice",
    )

    code, out = cli.run(
        "admin", "create-account", "external_tutor", "Yannick", "Le Goff", "12/03/1979", "--uai", uai,
        "--until", END.isoformat(), "--now", DUE.isoformat(), "--operator", "carol",
    )  # fmt: skip
    assert code == 0, cli.err
    assert "manual account created: yannick.le_goff (external_tutor, NON_ENSEIGNANT, group Tuteurs [TUTEURS])" in out
    listed = {a["login"]: a for a in cli.json("accounts", "--uai", uai) if a["category"] == "external_tutor"}
    assert (listed["yannick.le_goff"]["state"], listed["yannick.le_goff"]["removal_due"]) == (
        "active",
        END.isoformat(),
    )
    history = cli.json("history", "yannick.le_goff")
    assert (history[0]["event"], history[0]["login"]) == ("ManualCreated", "yannick.le_goff")
    # It joined its category's free group in the same save, authored as the account.
    assert [(e["event"], e.get("code"), e["author"]) for e in history] == [
        ("ManualCreated", None, "carol"),
        ("ManualGroups.MembersAdded", "TUTEURS", "carol"),
    ]
    tutors = [e for e in cli.json("classes", uai, "--members") if (e["kind"], e["code"]) == ("free", "TUTEURS")]
    assert [(e["name"], [m["login"] for m in e["members"]]) for e in tutors] == [("Tuteurs", ["yannick.le_goff"])]

    assert cli.run("tick", "--now", END.isoformat())[0] == 0
    assert cli.json("account", "yannick.le_goff")["state"] == "removed"
    # Its membership ends with it: the group lists it no more, its detail names no group.
    tutors = [e for e in cli.json("classes", uai, "--members") if (e["kind"], e["code"]) == ("free", "TUTEURS")]
    assert [m["login"] for m in tutors[0]["members"]] == [] and "assigned" not in cli.json("account", "yannick.le_goff")
    assert cli.json("account", forced["login"])["state"] == "active"

    assert cli.run("verify")[0] == 0, cli.err
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()
