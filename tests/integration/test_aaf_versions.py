"""AAF deliveries as académies really send them (issue 9, formats §1,
domain-rules §12), through the `entsync` CLI on both store backends.

The hand-written VE1301 delivery (tests/fixtures/aaf/ve1301, ISO-8859-1 with
CRLF) carries no INE and no teacher category; about half of its teachers say
``PersEducNatPresenceDevantEleves=N``; a replacement zone's code fails the
check letter; a teacher is attached only to that zone, another only to a
1st-degree school, a staff member only to a structure the delivery does not
carry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from daemon import bootstrap
from daemon.observability.metrics import Metrics
from events.policy import Policy
from tests.integration.cli import Cli

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
NOW = "2026-09-01T06:00:00+00:00"
AFTER_48H = "2026-09-03T07:00:00+00:00"
MUCH_LATER = "2026-09-20T07:00:00+00:00"


@pytest.fixture
def cli(store_url, capsys) -> Cli:
    return Cli(store_url, capsys)


def _accounts(cli: Cli) -> dict[str, dict]:
    return {a["jointure"]: a for a in cli.json("accounts")}


def test_a_ve1301_delivery_gives_students_teachers_and_keeps_the_replacement_zone(cli):
    code, out = cli.run("ingest", str(FIX / "ve1301"), "--now", NOW, "--json")
    result = json.loads(out)
    assert (code, result["status"]) == (0, "applied"), out
    assert result["rejections"] == []  # no missing_ine: a VE1301 student has no INE by format

    accounts = _accounts(cli)
    assert {j for j, a in accounts.items() if a["profile"] == "ELEVE"} == {"1100001", "1100002"}
    profiles = {j: a["profile"] for j, a in accounts.items() if j.startswith("31")}
    assert profiles == {
        "3100001": "ENSEIGNANT",  # ENS with presence N: a teacher, no anomaly
        "3100002": "ENSEIGNANT",  # DOC with presence N
        "3100003": "NON_ENSEIGNANT",  # EDU (CPE)
        "3100004": "ENSEIGNANT",  # ENS, attached to the replacement zone only
        "3100005": "ENSEIGNANT",  # ENS, attached to a 1st-degree school only
        "3100006": "ENSEIGNANT",  # no function, presence O
        "3100007": "NON_ENSEIGNANT",  # no function, presence N
    }
    structures = {s["jointure"]: s for s in cli.json("structures")}
    assert set(structures) == {"5001", "5002", "5003"}  # the zone is kept, not dropped
    assert structures["5002"]["uai"] == "0579999Z"

    code, out = cli.run("tick", "--now", AFTER_48H, "--json")
    assert code == 0, out
    accounts = _accounts(cli)
    states = {j: a["state"] for j, a in accounts.items() if j.startswith(("11", "31"))}
    assert states == {
        "1100001": "active",
        "1100002": "active",
        "3100001": "active",
        "3100002": "active",
        "3100003": "active",
        "3100004": "pending",
        "3100005": "pending",
        "3100006": "active",
        "3100007": "active",
    }
    # the students' legal guardians (ENTElevePersRelEleve respLegal 1) get accounts
    assert accounts["2100001"]["state"] == accounts["2100002"]["state"] == "active"

    # Much later the withheld teachers are still not created, and are not "overdue": they are listed.
    assert cli.run("tick", "--now", MUCH_LATER)[0] == 0
    rows = cli.json("anomalies")
    found = {(r["anomaly"], r["jointure"]) for r in rows}
    assert ("structure_code_invalid", "5002") in found
    assert ("not_served", "3100004") in found and ("not_served", "3100005") in found
    assert ("no_known_structure", "3100007") in found
    assert not any(kind == "creation_overdue" for kind, _ in found)
    assert not any(kind == "teacher_category_contradicts_functions" for kind, _ in found)
    assert {j: a["state"] for j, a in _accounts(cli).items() if j in ("3100004", "3100005")} == {
        "3100004": "pending",
        "3100005": "pending",
    }
    assert _accounts(cli)["3100004"]["anomalies"] == ["not_served"]  # not "creation_overdue"
    assert cli.json("account", "3100005")["anomalies"] == ["not_served"]
    code, text = cli.run("anomalies")
    assert "not_served" in text and "escalate" in text
    for secret in ("MARTIN", "Claire", "N'GUESSAN", "12/03/2012"):
        assert secret not in text


def test_the_served_structures_follow_the_configuration(store_url, tmp_path):
    """A school that uses the ENT although its type is not served: configured, its teacher is created."""
    policy = Policy(served_include=("0573003E",))
    ctx = bootstrap.build(store_url, policy)
    try:
        from datetime import datetime

        from events.usecases.aaf_ingest import ingest
        from events.usecases.tick import tick

        ingest(str(FIX / "ve1301"), ctx, datetime.fromisoformat(NOW))
        tick(ctx, datetime.fromisoformat(AFTER_48H))
        states = dict(ctx.db.query("SELECT jointure, state FROM accounts WHERE jointure IN ('3100004', '3100005')"))
        assert states == {"3100004": "pending", "3100005": "active"}
        metrics = Metrics()
        metrics.refresh(ctx)
        text = generate_latest(metrics.registry).decode()
        assert 'entsync_directory_anomalies{kind="not_served"} 1.0' in text
        assert 'entsync_directory_anomalies{kind="structure_code_invalid"} 1.0' in text
        assert 'entsync_directory_anomalies{kind="no_known_structure"} 1.0' in text
        assert "entsync_account_creations_overdue 0.0" in text
    finally:
        ctx.close()


def test_a_teacher_category_that_contradicts_the_functions_is_the_only_profile_anomaly(cli, tmp_path):
    delivery = tmp_path / "contradiction"
    delivery.mkdir()
    for part in (FIX / "ve1301").iterdir():
        data = part.read_bytes()
        if part.name.endswith("_PersEducNat_0000.xml"):
            # 3100003 (a CPE) said to be a teacher by an explicit category
            marker = b'<attr name="PersEducNatPresenceDevantEleves"><value>N</value></attr>'
            head, sep, tail = data.partition(b"<id>3100003</id>")
            tail = tail.replace(
                marker, marker + b'\r\n      <attr name="ENTPersonCategorieEnseignant"><value>O</value></attr>', 1
            )
            data = head + sep + tail
        (delivery / part.name).write_bytes(data)
    assert cli.run("ingest", str(delivery), "--now", NOW)[0] == 0
    accounts = _accounts(cli)
    assert accounts["3100003"]["profile"] == "ENSEIGNANT"  # the category decides when present
    kinds = [
        (r["anomaly"], r["jointure"])
        for r in cli.json("anomalies")
        if r["anomaly"] == "teacher_category_contradicts_functions"
    ]
    assert kinds == [("teacher_category_contradicts_functions", "3100003")]
