"""Erasures through `entsync`, on SQLite and PostgreSQL (domain-rules §12,
issue 17): the students who left in the November delivery are removed at
Toussaint; `entsync tick --now` three months later erases them — their
stored names read "[effacé]" — and `entsync erasures list` shows it. The
same rules on the in-memory twin: tests/unit/test_erasure.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from daemon import bootstrap
from events.account import account_id
from events.personal import ERASED
from tests.integration.cli import Cli
from tests.integration.conftest import T1, academie_started

TOUSSAINT_2027 = datetime(2027, 10, 23, tzinfo=timezone.utc)
ERASABLE = TOUSSAINT_2027 + timedelta(days=93)


def test_leavers_removed_at_toussaint_are_erased_three_months_later(request, backend, academie, capsys):
    url = academie_started(request, backend, academie)
    cli = Cli(url, capsys)
    assert cli.run("ingest", str(academie.second), "--now", T1.isoformat())[0] == 0, cli.err
    assert cli.run("tick", "--now", TOUSSAINT_2027.isoformat())[0] == 0, cli.err
    leavers = set(academie.manifest["churn"]["students_left"])
    assert leavers

    preview = cli.json("erasures", "preview", "--now", (ERASABLE - timedelta(days=2)).isoformat())
    assert preview["due"] == 0 and preview["erasures"] == []
    preview = cli.json("erasures", "preview", "--now", ERASABLE.isoformat())
    assert leavers <= {e["jointure"] for e in preview["erasures"]} and preview["held"] == 0
    assert all(
        set(e) == {"account_id", "jointure", "profile", "state", "gone_at", "due_at", "held"}
        for e in preview["erasures"]
    )

    ticked = cli.json("tick", "--now", ERASABLE.isoformat())
    erased = {t["jointure"] for t in ticked["transitions"] if t["kind"] == "erase"}
    assert leavers <= erased

    listed = cli.json("erasures", "list")["erasures"]
    assert {e["jointure"] for e in listed} == erased and all(e["keys"] >= 1 for e in listed)
    assert cli.json("erasures", "preview", "--now", ERASABLE.isoformat())["erasures"] == []

    ctx = bootstrap.build(url)
    try:
        for jointure in sorted(leavers):
            attrs = ctx.log.get(account_id(jointure)).attrs
            assert attrs["sn"] == [ERASED] and attrs["givenName"] == [ERASED], jointure
        stays = next(r[0] for r in ctx.db.query("SELECT jointure FROM accounts WHERE state = 'active'"))
        assert ctx.log.get(account_id(stays)).attrs["sn"] != [ERASED]
    finally:
        ctx.close()
