"""`entsync admin rename-login` on SQLite and PostgreSQL (issue 13,
domain-rules §6): given a delivery ingested and its accounts created, when
an operator renames a login through the CLI, then `entsync account` finds
the account by the old login and by the new one, refusals are one error
line that records nothing, and the log rebuilds the same read model."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from daemon import bootstrap
from events.policy import Policy
from projections.schema import dump
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie, rebuilt

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_RENAME = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(tmp_path_factory.mktemp("rename"), "--students", "30", "--seed", "5", "--no-second")


def test_a_login_renamed_through_the_cli_keeps_its_alias(acad, store_url, capsys):
    cli = Cli(store_url, capsys)
    assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0
    assert cli.run("tick", "--now", T_CREATE.isoformat())[0] == 0
    first, second = cli.json("accounts", "--state", "active", "--limit", "2")
    old, other = first["login"], second["login"]
    new = f"{old}.renamed"

    code, out = cli.run(
        "admin",
        "rename-login",
        old,
        new,
        "--reason",
        "nom d'usage",
        "--operator",
        "alice",
        "--now",
        T_RENAME.isoformat(),
    )
    assert code == 0, cli.err
    assert f"login renamed: {old} -> {new} (account {first['jointure']}); {old} stays an alias" in out

    by_old, by_new = cli.json("account", old), cli.json("account", new)
    assert by_old == by_new
    assert by_new["account_id"] == first["account_id"] and by_new["login"] == new
    assert sorted(by_new["logins"]) == sorted([old, new])
    history = cli.json("history", first["jointure"])
    assert {k: history[-1][k] for k in ("event", "old_login", "new_login", "author", "reason")} == {
        "event": "LoginRenamed",
        "old_login": old,
        "new_login": new,
        "author": "alice",
        "reason": "nom d'usage",
    }

    for key, login, says in [
        (new, other, "is taken: it is another account's login"),
        (other, old, "was used before"),
        (new, new, "is the account's login already"),
        (new, "Not.A.Login", "is not a login"),
    ]:
        code, out = cli.run("admin", "rename-login", key, login, "--reason", "x", "--now", T_RENAME.isoformat())
        assert (code, out) == (1, "")
        assert cli.err.startswith("entsync: error: admin rename-login: ") and says in cli.err
        assert cli.err.count("\n") == 1
    code, out = cli.run("admin", "rename-login", other, old, "--reason", "x", "--json")
    assert code == 1 and '"error": "ever_used"' in out
    assert cli.json("account", other)["login"] == other

    assert cli.run("verify")[0] == 0, cli.err
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()
