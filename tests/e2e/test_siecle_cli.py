"""SIECLE exports through the installed `entsync` script: ingest, duplicate,
malformed file, the imports history and the unresolved links."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "siecle"
UAI = "0693834T"


def test_siecle_exports_from_the_command_line(tmp_path):
    now = ("--now", "2026-04-03T08:00:00+00:00")
    first = json.loads(
        run("ingest", str(FIXTURES / "ElevesSansAdresses.xml"), "--json", *now, cwd=tmp_path, check_code=3).stdout
    )
    assert (first["status"], first["uai"], first["kind"]) == ("applied", UAI, "eleves")
    assert first["counts"]["event_Enrolled"] == 3 and len(first["rejections"]) == 5
    text = run("ingest", str(FIXTURES / "ElevesSansAdresses.xml"), *now, cwd=tmp_path, check_code=2).stdout
    assert "rejected (duplicate_file)" in text and first["import_id"] in text
    bad = run("ingest", str(FIXTURES / "refus" / "malforme.xml"), "--json", *now, cwd=tmp_path, check_code=2)
    assert json.loads(bad.stdout)["reason"] == "malformed_xml"
    run("ingest", str(FIXTURES / "ResponsablesAvecAdresses.xml"), *now, cwd=tmp_path, check_code=3)

    imports = json.loads(run("siecle", "imports", "--uai", UAI, "--json", cwd=tmp_path).stdout)
    assert sorted((i["kind"], i["status"], i["reason"]) for i in imports) == [
        ("eleves", "applied", ""),
        ("eleves", "rejected", "duplicate_file"),
        ("responsables", "applied", ""),
    ]
    unresolved = json.loads(run("siecle", "unresolved", "--json", cwd=tmp_path).stdout)
    assert {(u["kind"], u["key"]) for u in unresolved} >= {("student", "650001"), ("guardian", "900001")}
    listing = run("siecle", "unresolved", "--uai", UAI, cwd=tmp_path).stdout
    assert "650001" in listing and "Cœur" not in listing  # SIECLE keys, never names
    assert run("siecle", "imports", "--uai", "0011068F", cwd=tmp_path).stdout.strip() == "(none)"
    late = run(
        "ingest",
        str(FIXTURES / "ElevesSansAdresses.zip"),
        "--now",
        "2026-01-01T00:00:00+00:00",
        cwd=tmp_path,
        check_code=1,
    )
    assert "before the last recorded effective time" in late.stderr
