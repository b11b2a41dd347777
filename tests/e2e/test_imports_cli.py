"""Timetable imports from the command line, as an operator runs them
(domain-rules §7): `entsync ingest` on an STS-web or timetable file, the
history, `imports show`, `validate` and `retry --lift`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run


@pytest.fixture(scope="module")
def rentree(tmp_path_factory):
    work = tmp_path_factory.mktemp("imports-cli")
    run(
        "generate",
        "gen",
        "--students",
        "150",
        "--seed",
        "11",
        "--sources",
        "aaf,sts,timetable",
        "--no-second",
        cwd=work,
    )
    run("ingest", "gen/aaf/20260818-complet", "--now", "2026-08-18T06:00:00+00:00", cwd=work)
    manifest = json.loads((work / "gen" / "manifest.json").read_text())
    return work, manifest


def _path(manifest: dict, kind: str) -> str:
    date = manifest["dates"]["first"]
    return "gen/" + next(iter(manifest["sources"][kind][date].values()))


def _variant(manifest: dict, name: str) -> str:
    return "gen/" + next(v["path"] for v in manifest["sources"]["variants"] if v["name"] == name)


def test_a_rentree_from_the_command_line(rentree):
    work, manifest = rentree
    edt = _path(manifest, "timetable")
    # First import of the year: nothing applied yet (exit 2, like a held delivery).
    out = json.loads(run("ingest", edt, "--now", "2026-08-28T08:00:00+00:00", "--json", cwd=work, check_code=2).stdout)
    assert out["status"] == "awaiting_validation"
    iid = out["import_id"]
    shown = run("imports", "show", iid[:8], cwd=work).stdout
    assert "Bilan préliminaire" in shown and "Services d'enseignement" in shown and "matched" in shown
    data = json.loads(run("imports", "show", iid, "--json", cwd=work).stdout)
    assert data["matches"] and data["status"] == "awaiting_validation"
    done = run("imports", "validate", iid, "--operator", "alice", "--now", "2026-08-28T09:00:00+00:00", cwd=work)
    assert "applied" in done.stdout

    dup = run("ingest", _variant(manifest, "duplicate"), "--now", "2026-09-02T08:00:00+00:00", cwd=work, check_code=2)
    assert "duplicate_file" in dup.stdout
    history = run("imports", "--uai", out["uai"], cwd=work).stdout
    assert "Rejet - Double du fichier d'import" in history and "Import réalisé avec succès" in history
    assert "export_edt_" in history and "Oui" in history and "Non" in history

    big = json.loads(
        run(
            "ingest",
            _variant(manifest, "too-many-changes"),
            "--now",
            "2026-09-03T08:00:00+00:00",
            "--json",
            cwd=work,
            check_code=2,
        ).stdout
    )
    assert big["reason"] == "threshold_exceeded"
    lift = [a for name in sorted(big["details"]["thresholds"]) for a in ("--lift", name)]
    retried = run("imports", "retry", big["import_id"], *lift, "--now", "2026-09-03T09:00:00+00:00", cwd=work)
    assert "applied" in retried.stdout

    gone = json.loads(
        run(
            "ingest",
            _variant(manifest, "structure-deleted"),
            "--now",
            "2026-09-04T08:00:00+00:00",
            "--json",
            cwd=work,
            check_code=2,
        ).stdout
    )
    refused = run(
        "imports",
        "retry",
        gone["import_id"],
        "--lift",
        "structures_deleted_with_sessions",
        "--now",
        "2026-09-04T09:00:00+00:00",
        cwd=work,
        check_code=1,
    )
    assert "can never be lifted" in refused.stderr and "Traceback" not in refused.stderr
    text = run("imports", "show", gone["import_id"], cwd=work).stdout
    assert "Seuils dépassés" in text and "ce seuil ne peut jamais être levé" in text


def test_operator_errors_are_one_line(rentree):
    work, manifest = rentree
    missing = run("imports", "show", "ffffffff", cwd=work, check_code=1)
    assert missing.stderr.startswith("entsync: error:") and missing.stderr.count("\n") == 1
    early = run("ingest", _path(manifest, "sts"), "--now", "2026-08-01T00:00:00+00:00", cwd=work, check_code=1)
    assert "before the last recorded effective time" in early.stderr
    edt_sts = run("ingest", _variant(manifest, "edt-sts"), "--now", "2026-09-10T08:00:00+00:00", cwd=work, check_code=2)
    assert "edt_sts_instead_of_sts" in edt_sts.stdout and "EDT_STS" in edt_sts.stdout
    assert Path(work / "entsync.db").exists()
