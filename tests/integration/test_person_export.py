"""A person's data on request (issue 17, the RGPD right of access), on
SQLite and PostgreSQL, in the collège of the diagnosis stories after its
rentrée (tests/integration/diagnosis_world.py) and one SIECLE export that
retyped a guardian's record, so that the guardian's history holds facts of
the AAF, the clock and SIECLE: ``entsync person export`` and ``GET
/api/v1/persons/{key}/export`` give every one of them, the SIECLE record's
identity and a French summary naming the person and the sources; only an
operator may ask the API; a key naming nobody is a 404 or one line, exit 1."""

from __future__ import annotations

import contextlib
import json
import stat
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from daemon import bootstrap
from events.access import Role
from events.clock import ManualClock
from events.policy import Policy
from tests.api_tokens import bearer, issue
from tests.browser.console_world import _Output
from tests.integration import diagnosis_world as world_
from tests.integration.cli import Cli
from tests.integration.console_world import NOW, both_backends, serving
from tests.integration.diagnosis_world import T_LATER

backend = both_backends()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return world_.build(tmp_path_factory.mktemp("export-world"))


@pytest.fixture(scope="module")
def served(request, backend, world, tmp_path_factory):
    output = _Output()
    with contextlib.redirect_stdout(output.out), contextlib.redirect_stderr(output.err):
        cli = world_.rentree(request, backend, world, output, tmp_path_factory.mktemp("export-store"))
        code, out = cli.run("ingest", str(world_.guardian_retyped(world)), "--now", T_LATER.isoformat())
        assert code == 0, (out, cli.err)
    ctx = bootstrap.build(cli.store_url, Policy(), ManualClock(NOW))
    tokens = {
        "operator": issue(ctx, "export-ops", Role.OPERATOR),
        "reader": issue(ctx, "export-support", Role.READER, (world.uai,)),
        "etab-admin": issue(ctx, "export-admin", Role.ETAB_ADMIN, (world.uai,)),
    }
    ctx.close()
    with serving(cli.store_url) as url:
        yield {"url": url, "store": cli.store_url, "tokens": tokens}


def ask(served, role: str, path: str) -> tuple[int, dict]:
    req = urllib.request.Request(served["url"] + path, headers=bearer(served["tokens"][role]))
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_export_holds_every_fact_of_every_source_the_siecle_identity_and_a_french_summary(
    served, world, capsys, tmp_path
):
    cli = Cli(served["store"], capsys)
    history = cli.json("history", world.b)
    out = tmp_path / "export.json"
    code, said = cli.run(
        "person", "export", world.b, "--out", str(out), "--now", (T_LATER + timedelta(hours=1)).isoformat()
    )
    assert code == 0 and str(out) in said, cli.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [n for n in world.names if n in said]  # the person's data is in the file only
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["subject"] == "account" and doc["account"]["jointure"] == world.b
    assert doc["history"] == history and {"aaf", "clock", "siecle"} <= {f["source"] for f in history}
    (record,) = doc["siecle_records"]
    assert (record["kind"], record["uai"], record["personne_id"]) == ("guardian", world.uai, world.b)
    assert record["family_name"] and record["given_name"] and record["attrs"]
    assert doc["name"] and doc["name"] in doc["summary"]
    assert doc["links"]["students"]  # a guardian's children
    assert doc["logins"]["current"] in doc["logins"]["reserved"]
    assert "suspected_overwrite" in {a["anomaly"] for a in doc["anomalies"]}
    summary = doc["summary"]
    assert summary.startswith(f"Données détenues par entsync sur {doc['name']}")
    assert "AAF (annuaire fédérateur de l'académie)" in summary and "SIECLE (base élèves" in summary
    assert f"Fiche SIECLE : responsable {world.b} de l'établissement {world.uai}" in summary
    # By the SIECLE record's key: the same person, the same facts.
    by_record = cli.json("person", "export", f"siecle:{world.uai}:responsable:{world.b}")
    assert by_record["account"]["account_id"] == doc["account"]["account_id"]
    assert by_record["history"] == history


def test_an_unknown_key_is_one_line_and_exit_1(served, capsys):
    cli = Cli(served["store"], capsys)
    for key in ("NOBODY-0000", "siecle:0000000A:eleve:1"):
        code, out = cli.run("person", "export", key)
        assert code == 1 and out == ""
        assert cli.err.count("\n") == 1 and cli.err.startswith("entsync: error: no person with this key")
        assert key not in cli.err and "Traceback" not in cli.err


def test_only_an_operator_may_ask_the_api(served, world):
    path = f"/api/v1/persons/{world.b}/export"
    for role in ("reader", "etab-admin"):
        assert ask(served, role, path)[0] == 403
    status, doc = ask(served, "operator", path + "?lang=en")
    assert status == 200 and doc["account"]["jointure"] == world.b and doc["lang"] == "en"
    assert doc["summary"].startswith(f"Data entsync holds on {doc['name']}")
    assert {"aaf", "siecle"} <= {f["source"] for f in doc["history"]}
    status, body = ask(served, "operator", "/api/v1/persons/NOBODY-0000/export")
    assert status == 404 and "NOBODY" not in json.dumps(body)
