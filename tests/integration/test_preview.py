"""``entsync ingest PATH --dry-run`` on both stores (issue 15): the preview
says what a delivery would change, leaves the store byte-identical (the
SQLite file's digest, every row of every PostgreSQL table), and the real
ingest of the same file afterwards is applied with the counts the preview
announced. A delivery that would trip the mass-departure brake previews as
held; a SIECLE export and a timetable export preview too."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.integration.cli import Cli, year_started
from tests.integration.conftest import T1, T_EDT, Academie, make_academie
from tests.integration.test_brakes import write_delta

KEY = "preview-started"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("preview"), "--students", "150", "--seed", "11", "--sources", "aaf,siecle,timetable"
    )


def fingerprint(store_url: str) -> object:
    """What must not change: the SQLite file's bytes, or every row of every
    table of the PostgreSQL database's schema."""
    if store_url.startswith("sqlite:///"):
        return hashlib.sha256(Path(store_url[len("sqlite:///") :]).read_bytes()).hexdigest()
    import psycopg

    with psycopg.connect(store_url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            )
        ]
        assert tables, "no table found in the store's schema"
        return {t: sorted(map(str, conn.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}


def test_a_preview_records_nothing_and_the_ingest_then_applies_what_it_said(request, backend, small, capsys, tmp_path):
    store = year_started(request, backend, small.first, capsys, KEY)
    cli = Cli(store, capsys)
    students = [r["jointure"] for r in cli.json("accounts", "--profile", "ELEVE")]
    mass = write_delta(tmp_path / "mass", "ENTACAD", "20261105", {"Eleve": students})
    before = fingerprint(store)

    code, text = cli.run("ingest", str(small.delta), "--now", T1.isoformat(), "--dry-run")
    assert code == 0, cli.err
    assert text.startswith("preview, nothing recorded: would be applied")
    shown = cli.json("ingest", str(small.delta), "--now", T1.isoformat(), "--dry-run")
    counts = shown["result"]["counts"]
    assert shown["result"]["status"] == "applied"
    assert shown["counts"]["arrivals"] == counts["added"] > 0
    assert shown["counts"]["departures"] == counts["deleted"] > 0
    assert shown["counts"]["changes"] == counts["changed"] > 0
    code, text = cli.run("ingest", str(mass), "--now", T1.isoformat(), "--dry-run")
    assert code == 0, cli.err
    assert text.startswith("preview, nothing recorded: would be held by the mass-departure brake: ")
    assert "who would depart" in text
    assert fingerprint(store) == before

    applied = cli.json("ingest", str(small.delta), "--now", T1.isoformat())
    assert applied["status"] == "applied"
    assert fingerprint(store) != before  # what the preview did not do
    assert applied["counts"] == counts
    state = {r["jointure"]: r["state"] for r in cli.json("accounts")}  # all active before the delta
    assert {a["jointure"] for a in shown["arrivals"]} == {j for j, s in state.items() if s == "pending"}
    assert {d["jointure"] for d in shown["departures"]} == {j for j, s in state.items() if s == "departing"}


def test_a_siecle_and_a_timetable_export_preview_then_import(request, small, capsys, tmp_path):
    store = year_started(request, "sqlite", small.first, capsys, KEY)
    cli = Cli(store, capsys)
    date = small.manifest["dates"]["first"]
    uai = next(iter(small.manifest["sources"]["siecle"][date]))
    eleves = small.root / small.manifest["sources"]["siecle"][date][uai]["eleves"]
    timetable = small.root / small.manifest["sources"]["timetable"][date][uai]
    before = fingerprint(store)
    seen = {p: cli.json("ingest", str(p), "--now", T_EDT.isoformat(), "--dry-run") for p in (eleves, timetable)}
    assert fingerprint(store) == before
    assert seen[eleves]["counts"]["arrivals"] == seen[eleves]["result"]["counts"]["students_added"] > 0
    assert [h["event"] for h in seen[timetable]["holds"]] == ["TimetableImport.AwaitingValidation"]
    nowhere = tmp_path / "none.db"  # a store that does not exist is previewed as empty, and not created
    empty = Cli(f"sqlite:///{nowhere}", capsys).json("ingest", str(eleves), "--now", T_EDT.isoformat(), "--dry-run")
    assert empty["result"]["status"] == "applied" and not nowhere.exists()
    for path, preview in seen.items():
        code, out = cli.run("ingest", str(path), "--now", T_EDT.isoformat(), "--json")
        real = json.loads(out)
        assert (real["status"], real["counts"]) == (preview["result"]["status"], preview["result"]["counts"]), path
