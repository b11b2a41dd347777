"""`entsync ingest` as an operator runs it, on both stores (issue 9): AAF
deliveries named off the convention are applied by their content, a name
that does not say `Complet` never causes departures by absence
(domain-rules §12), and what is not an export — the encrypted timetable
envelope, SIECLE's nomenclatures, a text file, a mistyped path — is answered
in one line, exit 2, with nothing recorded and the store's clock untouched."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import pytest

from daemon.cli import main
from tests.e2e.daemon_process import cli as cli_process


def cli(store: str, *args: str, cwd: Path, code: int | None = 0) -> SimpleNamespace:
    """`entsync` in-process (a process per command costs a second of imports);
    the one-line answers are also checked through the real executable below."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(["--store", store, *args])
    if code is not None:
        assert rc == code, (args, rc, out.getvalue()[-2000:], err.getvalue()[-2000:])
    return SimpleNamespace(returncode=rc, stdout=out.getvalue(), stderr=err.getvalue())


FIX = Path(__file__).resolve().parents[1] / "fixtures"
AAF, OTHER = FIX / "aaf", FIX / "other"
RENTREE, LATER, SEPTEMBER = "2026-08-18T06:00:00+00:00", "2026-09-02T06:00:00+00:00", "2026-09-10T06:00:00+00:00"


def ingest(store: str, path: Path | str, now: str, cwd: Path, code: int = 0) -> dict:
    proc = cli(store, "ingest", str(path), "--now", now, "--json", cwd=cwd, code=code)
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def listing(store: str, what: str, cwd: Path) -> list[dict]:
    return json.loads(cli(store, what, "--json", cwd=cwd).stdout)


def people(store: str, cwd: Path) -> dict[str, tuple[str, str, str | None]]:
    return {a["jointure"]: (a["category"], a["state"], a["departed_at"]) for a in listing(store, "accounts", cwd)}


# --------------------------------------------------------------------------- off the convention


@pytest.mark.parametrize(
    "fixture, kind, date, prefix, events, persons",
    [
        (
            "ent-no-uai",
            "complete",
            "20260818",
            "ENT",
            {"EtabEducNat": 1, "MatiereEducNat": 1, "Eleve": 3, "PersRelEleve": 1, "PersEducNat": 1},
            {
                "1000001": "Eleve",
                "1000002": "Eleve",
                "1000003": "Eleve",
                "2000001": "PersRelEleve",
                "3000001": "PersEducNat",
            },
        ),
        (
            "full-source",
            "complete",
            "20260818",
            "FULL_AAFNM",
            {"EtabEducNat": 1, "Eleve": 2, "PersEducNat": 1},
            {"1000001": "Eleve", "1000002": "Eleve", "3000001": "PersEducNat"},
        ),
        (
            "no-convention",
            "delta",
            "20260902",
            "",
            {"EtabEducNat": 1, "Eleve": 3},
            {"1000001": "Eleve", "1000002": "Eleve", "1000004": "Eleve"},
        ),
    ],
)
def test_a_delivery_named_off_the_convention_is_applied(
    store_url, tmp_path, fixture, kind, date, prefix, events, persons
):
    result = ingest(store_url, AAF / fixture, RENTREE, tmp_path)
    assert (result["status"], result["reason"], result["rejections"]) == ("applied", "", [])
    assert {k.removeprefix("events_"): v for k, v in result["counts"].items() if k.startswith("events_")} == events
    assert result["counts"]["added"] == sum(events.values())
    [delivery] = listing(store_url, "deliveries", tmp_path)
    assert (delivery["kind"], delivery["date"], delivery["prefix"]) == (kind, date, prefix)
    assert {j: cat for j, (cat, _, _) in people(store_url, tmp_path).items()} == persons
    assert [s["uai"] for s in listing(store_url, "structures", tmp_path)] == ["0571994H"]


def test_a_name_without_complet_causes_no_departure(store_url, tmp_path):
    ingest(store_url, AAF / "ent-no-uai", RENTREE, tmp_path)
    # no-convention/ lacks student 1000003 and brings 1000004; its names say no kind.
    result = ingest(store_url, AAF / "no-convention", LATER, tmp_path)
    assert result["status"] == "applied" and result["counts"]["added"] == 1
    assert result["counts"].get("departed", 0) == 0
    after = people(store_url, tmp_path)
    assert after["1000003"] == ("Eleve", "pending", None)  # still present
    assert after["1000004"][:2] == ("Eleve", "pending")
    assert [d["kind"] for d in listing(store_url, "deliveries", tmp_path)] == ["complete", "delta"]


def test_the_same_files_named_complete_do_depart_the_absent(store_url, tmp_path):
    # The contrast to the story above: the name alone makes the difference.
    ingest(store_url, AAF / "ent-no-uai", RENTREE, tmp_path)
    named = tmp_path / "ENT2D.20260902"
    named.mkdir()
    for i, src in enumerate(("etablissement.xml", "eleves_1.xml", "eleves_2.xml")):
        category = "EtabEducNat" if i == 0 else "Eleve"
        shutil.copy(AAF / "no-convention" / src, named / f"ENT_Complet_20260902_{category}_{max(i - 1, 0):04d}.xml")
    result = ingest(store_url, named, LATER, tmp_path)
    assert result["status"] == "applied" and result["counts"]["departed"] == 1
    assert people(store_url, tmp_path)["1000003"][2] is not None


# --------------------------------------------------------------------------- what is not an export


@pytest.mark.parametrize(
    "path, reason, says",
    [
        (OTHER / "export_edt_0571994H_chiffre.xml", "encrypted_timetable_export", ("en clair", "decrypt", "EDT")),
        (OTHER / "Nomenclature.xml", "siecle_nomenclatures", ("code tables", "set aside")),
        (OTHER / "notes.txt", "unknown_format", ("neither an AAF delivery",)),
        (OTHER / "ENT_Complet_20260818_Eleve_0000.xml", "not_found", ("no such file",)),  # a mistyped path
    ],
)
def test_what_is_not_an_export_records_nothing(store_url, tmp_path, path, reason, says):
    refused = ingest(store_url, path, SEPTEMBER, tmp_path, code=2)
    assert refused == {
        "status": "rejected",
        "reason": reason,
        "message": refused["message"],
        "kind": refused["kind"],
        "path": str(path),
    }
    assert all(s in refused["message"] for s in says) and "nothing recorded" in refused["message"]
    text = cli_process(store_url, "ingest", str(path), "--now", SEPTEMBER, cwd=tmp_path, code=2)
    assert text.stdout.count("\n") == 1 and text.stdout.startswith(f"{path}: {reason}: ")
    assert text.stderr == ""
    assert listing(store_url, "deliveries", tmp_path) == []
    assert cli(store_url, "imports", "--json", cwd=tmp_path).stdout.strip() == "[]"
    assert json.loads(cli(store_url, "siecle", "imports", "--json", cwd=tmp_path).stdout) == []
    # The store's clock did not move: an earlier --now is still accepted.
    assert ingest(store_url, AAF / "ent-no-uai", RENTREE, tmp_path)["status"] == "applied"


def test_the_inbox_gives_the_same_answer(store_url, tmp_path):
    from daemon import bootstrap
    from daemon.service.dispatch import process

    ctx = bootstrap.build(store_url)
    try:
        for path in (OTHER / "export_edt_0571994H_chiffre.xml", OTHER / "Nomenclature.xml", OTHER / "notes.txt"):
            outcome = process(path, ctx)
            said = ingest(store_url, path, SEPTEMBER, tmp_path, code=2)
            assert (outcome.outcome, outcome.reason, outcome.report["message"]) == (
                "rejected",
                said["reason"],
                said["message"],
            )
        assert (
            outcome.source == "unknown"
            and process(OTHER / "export_edt_0571994H_chiffre.xml", ctx).source == "timetable"
        )
        assert ctx.log.last_effective_time() is None  # nothing recorded by either
    finally:
        ctx.close()
