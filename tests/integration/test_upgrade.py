"""Upgrading a store built by the release before 0.2.0 (domain-rules §12: a
rule change corrects existing stores). tests/fixtures/log_v2 holds the log
and the read model that release built from the hand-written VE1301 delivery
and its delta: teachers with presence ``N`` made non-teachers, every student
rejected ``missing_ine``, the replacement zone rejected ``invalid_uai``, the
delta's arrival rejected ``unknown_record``. After the upgrade and the two
deliveries read again, the store holds what a fresh build by this release
holds, and `verify` is equal. Never regenerate the fixture."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from daemon import bootstrap
from events.account import Account
from events.siecle.guardian import Guardian
from events.store import Store
from events.upgrade import RULES
from projections.schema import COLUMNS, TRACKING
from tests.integration.cli import Cli

FIX = Path(__file__).resolve().parents[1] / "fixtures"
LOG = FIX / "log_v2"
AAF = FIX / "aaf"
T0 = "2026-09-01T06:00:00+00:00"
REREAD = "2026-09-05T06:00:00+00:00"
LATER = "2026-09-08T06:00:00+00:00"


OLD_COLUMNS = {"logins": ["login", "account_id", "reserved_at"]}


def load_old_store(url: str) -> None:
    """The store exactly as the earlier release left it: its facts and its read model."""
    lines = [json.loads(line) for line in (LOG / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = json.loads((LOG / "read_model.json").read_text(encoding="utf-8"))
    ctx = bootstrap.build(url)
    try:
        ctx.log.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=UUID(e["originator_id"]),
                    originator_version=e["originator_version"],
                    topic=e["topic"],
                    state=e["state"].encode("utf-8"),
                )
                for e in lines
            ]
        )
        with ctx.db.transaction():
            # That release's logins table, keyed by the login (before rules 5's login_key).
            ctx.db.execute("DROP TABLE logins")
            ctx.db.execute(
                "CREATE TABLE logins (login TEXT NOT NULL, account_id TEXT NOT NULL, "
                "reserved_at TEXT NOT NULL, PRIMARY KEY (login))"
            )
            for table, table_rows in rows.items():
                cols = OLD_COLUMNS.get(table, COLUMNS[table])
                ctx.db.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [tuple(r) for r in table_rows],
                )
            # the position that release's read model had reached, and no rules generation (it did not record one)
            ctx.db.execute(f"INSERT INTO {TRACKING} (name, position) VALUES (?, ?)", ("directory", len(lines)))
    finally:
        ctx.close()


def essence(cli: Cli) -> dict:
    """What must end equal between an upgraded store and a fresh build."""
    accounts = {a["jointure"]: (a["profile"], a["state"], a["login"]) for a in cli.json("accounts")}
    structures = sorted((s["jointure"], s["uai"], s["present"]) for s in cli.json("structures"))
    return {"accounts": accounts, "structures": structures}


@pytest.mark.raw_store
def test_an_upgrade_corrects_a_store_built_by_the_earlier_release(store_url, capsys, tmp_path):
    load_old_store(store_url)
    cli = Cli(store_url, capsys)
    before = {a["jointure"]: a for a in cli.json("accounts")}
    assert before["3100001"]["profile"] == "NON_ENSEIGNANT"  # what the earlier release left
    assert "1100001" not in before

    dry = cli.json("store", "upgrade", "--dry-run")
    assert dry["needed"] and dry["dry_run"] and dry["previous_rules"] == 1
    assert {(c["jointure"], c["field"], c["before"], c["after"]) for c in dry["corrections"]} == {
        ("3100001", "profile", "NON_ENSEIGNANT", "ENSEIGNANT"),
        ("3100002", "profile", "NON_ENSEIGNANT", "ENSEIGNANT"),
    }
    assert cli.json("accounts", "--profile", "NON_ENSEIGNANT") and {
        a["jointure"] for a in cli.json("accounts", "--profile", "NON_ENSEIGNANT")
    } >= {"3100001"}  # nothing recorded

    code, text = cli.run("store", "upgrade")
    assert code == 0, text
    assert f"upgraded from rules 1 to {RULES}: 2 correction(s), 2 delivery(ies) to ingest again" in text
    report = cli.json("store", "upgrade")
    assert report["needed"] is False  # once
    # the corrections are facts, explained in each person's history
    code, history = cli.run("history", "3100001")
    assert code == 0 and "Reclassified" in history
    after = {a["jointure"]: a for a in cli.json("accounts")}
    assert after["3100001"]["profile"] == after["3100002"]["profile"] == "ENSEIGNANT"
    assert after["3100004"]["state"] == after["3100005"]["state"] == "active"  # created earlier: kept and listed
    listed = {(r["anomaly"], r["jointure"]) for r in cli.json("anomalies")}
    # the replacement zone is not in the store yet (rejected then): its teacher points nowhere
    assert {("no_known_structure", "3100004"), ("not_served", "3100005")} <= listed
    assert cli.run("verify")[0] == 0

    # The deliveries read again: only what the earlier release rejected is applied, nothing departs.
    code, out = cli.run("ingest", str(AAF / "ve1301"), "--now", REREAD, "--json")
    reread = json.loads(out)
    assert (code, reread["status"]) == (0, "applied"), out
    assert reread["counts"].get("departed", 0) == 0 and reread["counts"]["added"] == 3  # 2 students, 1 structure
    assert cli.run("ingest", str(AAF / "ve1301"), "--now", REREAD)[0] == 0  # already re-read: nothing new
    code, out = cli.run("ingest", str(AAF / "ve1301-delta"), "--now", REREAD, "--json")
    assert code == 0, out
    assert json.loads(out)["status"] == "applied"
    listed = {(r["anomaly"], r["jointure"]) for r in cli.json("anomalies")}
    assert {("not_served", "3100004"), ("not_served", "3100005"), ("structure_code_invalid", "5002")} <= listed
    kinds = [d["kind"] for d in cli.json("deliveries")]
    assert kinds.count("reread") == 2
    assert cli.run("tick", "--now", LATER)[0] == 0
    upgraded = essence(cli)
    assert cli.run("verify")[0] == 0

    # A fresh build by this release from the same deliveries.
    fresh = Cli(f"sqlite:///{tmp_path}/fresh.db", capsys)
    assert fresh.run("store", "init", "--simulation")[0] == 0
    assert fresh.run("ingest", str(AAF / "ve1301"), "--now", T0)[0] == 0
    assert fresh.run("tick", "--now", "2026-09-03T07:00:00+00:00")[0] == 0
    assert fresh.run("ingest", str(AAF / "ve1301-delta"), "--now", "2026-09-03T08:00:00+00:00")[0] == 0
    assert fresh.run("tick", "--now", LATER)[0] == 0
    expected = essence(fresh)
    # Only difference allowed: teachers an earlier release created although not served stay (kept and listed).
    for jointure in ("3100004", "3100005"):
        assert expected["accounts"][jointure][1] == "pending" and upgraded["accounts"][jointure][1] == "active"
        expected["accounts"].pop(jointure)
        upgraded["accounts"].pop(jointure)
    assert upgraded == expected


@pytest.mark.raw_store
def test_commands_that_write_upgrade_first(store_url, capsys):
    load_old_store(store_url)
    cli = Cli(store_url, capsys)
    code, out = cli.run("tick", "--now", REREAD)
    assert code == 0, out
    assert f"upgraded from rules 1 to {RULES}" in cli.err
    assert {a["jointure"]: a["profile"] for a in cli.json("accounts")}["3100001"] == "ENSEIGNANT"
    assert cli.json("store", "upgrade")["needed"] is False


@pytest.mark.raw_store
def test_the_upgrade_lists_and_records_the_overwrites_an_earlier_rule_missed(store_url, capsys):
    """A store of rules 2 whose log holds a guardian retyped as the other
    parent with no suspected overwrite (that rule's name ratio let it through)."""
    t0 = datetime.fromisoformat(T0)
    patrick = {"sn": ["Dumont"], "givenName": ["Patrick"], "personalTitle": ["M."]}
    ctx = bootstrap.build(store_url)
    try:
        ctx.log.save(Store(simulation=True, declared_at=t0, release="0.2.0"))
        account = Account("G1", "PersRelEleve", patrick, "d", "D0", "f.xml", 1, t0, t0 + timedelta(hours=48))
        patricia = {**patrick, "givenName": ["Patricia"], "personalTitle": ["Mme"]}
        account.trigger_event(
            Account.Changed, attrs=patricia, digest="d2", delivery_id="D1", file="g.xml", line=7, at=t0 + timedelta(1)
        )
        # A SIECLE guardian retyped as the other parent, recorded unjudged (before rules 4).
        mother = {"civility": "MME", "family_name": "Martin", "usage_name": "", "given_name": "Hélène"}
        guardian = Guardian("0693834T", "900001", mother, "g0", "I1", "r.xml", 3, t0)
        guardian.record({**mother, "civility": "M", "given_name": "Bernard"}, "g1", "I2", "r.xml", 3, t0 + timedelta(1))
        ctx.log.save(account, guardian)
        ctx.projection.catch_up(ctx.log)
        ctx.db.execute(f"UPDATE {TRACKING} SET position = 2 WHERE name = 'directory.rules'")
    finally:
        ctx.close()
    cli = Cli(store_url, capsys)
    dry = cli.json("store", "upgrade", "--dry-run")
    assert [(o["jointure"], o["file"], o["line"]) for o in dry["overwrites"]] == [("G1", "g.xml", 7)]
    assert [(o["id"], o["import_id"], o["line"]) for o in dry["siecle_overwrites"]] == [("900001", "I2", 3)]
    listed = [a["jointure"] for a in cli.json("anomalies") if a["anomaly"] == "suspected_overwrite"]
    assert listed == []  # nothing recorded by a dry run
    code, text = cli.run("store", "upgrade")
    assert code == 0, text
    assert "1 suspected overwrite(s) found in the log" in text and "G1" in text and "Patricia" not in text
    assert "1 SIECLE suspected overwrite(s) found" in text and "900001" in text and "Bernard" not in text
    assert [a["jointure"] for a in cli.json("anomalies") if a["anomaly"] == "suspected_overwrite"] == ["G1"]
    assert cli.json("store", "upgrade")["needed"] is False  # once
    code, history = cli.run("history", "G1")
    assert code == 0 and "OverwriteSuspected" in history
