"""The timetable import pipeline on both stores (domain-rules §7): a rentrée
told as a story — AAF, first timetable import validated, a second one
automated, a duplicate, an oversized change rejected then retried with
lifted thresholds, the locked threshold — and each other rejection reason;
the imports read model equals a rebuild from the log."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from events.policy import Policy
from events.timetable.decision import LockedThreshold
from events.usecases.aaf_ingest import ingest
from events.usecases.timetable_apply import retry, validate
from events.usecases.timetable_receive import receive
from projections import import_queries as q
from projections.db import Database
from projections.imports import ImportsProjection
from projections.imports_schema import drop, dump
from tests.integration.conftest import Academie, make_academie, prepared_store

T0 = datetime(2026, 8, 18, 6, 0, tzinfo=timezone.utc)  # AAF complete delivery
T_EDT = datetime(2026, 8, 28, 8, 0, tzinfo=timezone.utc)  # late August: the first (manual) timetable import
FIX = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("timetable-academie"),
        "--students",
        "200",
        "--seed",
        "3",
        "--sources",
        "aaf,sts,timetable",
        "--no-second",
    )


@pytest.fixture
def ingested(request, backend, acad):
    """A context on a copy of a store where the académie's AAF delivery was
    applied at T0, the state most tests here start from: made once per backend."""

    def start(url: str) -> None:
        ctx = bootstrap.build(url, Policy())
        try:
            assert ingest(str(acad.first), ctx, T0).status == "applied"
        finally:
            ctx.close()

    ctx = bootstrap.build(prepared_store(request, backend, "timetable-ingested", start), Policy())
    yield ctx
    ctx.close()


def source(acad: Academie, kind: str) -> tuple[str, Path]:
    date = acad.manifest["dates"]["first"]
    uai, rel = next(iter(acad.manifest["sources"][kind][date].items()))
    return uai, acad.root / rel


def variant(acad: Academie, name: str) -> Path:
    return acad.root / next(v["path"] for v in acad.manifest["sources"]["variants"] if v["name"] == name)


def at(hours: int) -> datetime:
    return T_EDT + timedelta(hours=hours)


def rebuilt_equals_live(ctx, filled=("imports", "import_matches", "timetables", "timetable_groups")) -> None:
    ctx.imports.catch_up(ctx.log)
    drop(ctx.db, "rb_")
    ImportsProjection(ctx.db, "rb_").catch_up(ctx.log)
    live, fresh = dump(ctx.db), dump(ctx.db, "rb_")
    drop(ctx.db, "rb_")
    assert live == fresh
    assert all(live[t] for t in filled)


def test_a_rentree_of_timetable_imports(ingested, acad):
    ctx = ingested
    uai, edt = source(acad, "timetable")

    # The first import of the school year waits for an operator, with its matches listed.
    first = receive(edt, ctx, at(0))
    assert (first.status, first.exit_code) == ("awaiting_validation", 2)
    shown = q.detail(ctx.db, first.import_id)
    assert shown["automatic"] is False and shown["label"] == "En attente de validation"
    assert shown["matches"] and all(m["key"] for m in shown["matches"] if m["kind"] == "teacher")
    assert q.timetable_groups(ctx.db, uai) == []  # nothing applied yet
    applied = validate(first.import_id[:8], "alice", ctx, at(1))
    assert applied.status == "applied" and applied.counts["services_added"] > 0
    groups = q.timetable_groups(ctx.db, uai)
    assert groups and all(g["classes"] and g["teachers"] for g in groups)

    # A later import of the same year is automated: a small change is applied.
    base = variant(acad, "duplicate")  # a copy of the latest normal export, under another name
    changed = edt.parent / "edt_changed.xml"
    text = edt.read_text(encoding="utf-8")
    # the last course is cancelled: the timetable changed a little
    last = [m for m in re.finditer(r"    <Cours .*?</Cours>\n", text, re.S) if "<Classe " in m.group(0)][-1]
    changed.write_text(text[: last.start()] + text[last.end() :], encoding="utf-8")
    second = receive(changed, ctx, at(24))
    assert second.status == "applied" and q.detail(ctx.db, second.import_id)["automatic"] is True
    assert second.counts["sessions_removed"] == 1

    # The same bytes again under another name: "Rejet - Double du fichier d'import".
    dup = receive(base, ctx, at(25))
    assert (dup.status, dup.reason) == ("rejected", "duplicate_file")
    assert q.history(ctx.db, uai)[0]["label"] == "Rejet - Double du fichier d'import"

    # An oversized change is rejected, nothing applied, the thresholds named; lifted, it passes.
    before = q.current_timetable(ctx.db, uai, "edt")
    big = receive(variant(acad, "too-many-changes"), ctx, at(26))
    assert (big.status, big.reason) == ("rejected", "threshold_exceeded")
    over = big.details["thresholds"]
    assert over and all({"count", "percent", "limit_count", "limit_percent"} <= set(o) for o in over.values())
    assert q.current_timetable(ctx.db, uai, "edt") == before
    report = dict(q.detail(ctx.db, big.import_id)["report"])
    assert any(name in line for name in over for line in report["Seuils dépassés"])
    lifted = retry(big.import_id, sorted(over), "bob", ctx, at(27))
    assert lifted.status == "applied"
    row = q.detail(ctx.db, big.import_id)
    assert row["automatic"] is False and row["lifted"] == sorted(over) and row["operator"] == "bob"
    assert q.current_timetable(ctx.db, uai, "edt") != before

    # Deleting a class that holds sessions: the structure-protection threshold, never liftable.
    gone = receive(variant(acad, "structure-deleted"), ctx, at(28))
    assert gone.reason == "threshold_exceeded" and "structures_deleted_with_sessions" in gone.details["thresholds"]
    assert gone.details["thresholds"]["structures_deleted_with_sessions"]["liftable"] is False
    with pytest.raises(LockedThreshold, match="can never be lifted"):
        retry(gone.import_id, ["structures_deleted_with_sessions"], "bob", ctx, at(29))
    assert q.detail(ctx.db, gone.import_id)["status"] == "rejected"

    history = q.history(ctx.db, uai)
    assert [h["status"] for h in history] == ["rejected", "applied", "rejected", "applied", "applied"]
    assert {h["file"] for h in history} >= {edt.name, base.name, "edt_changed.xml"}
    rebuilt_equals_live(ctx)


@pytest.mark.parametrize(
    "name, reason",
    [
        ("unknown-uai", "unknown_uai"),
        ("edt-sts", "edt_sts_instead_of_sts"),
        ("malformed", "malformed_xml"),
    ],
)
def test_what_rejects_even_a_first_import(ingested, acad, name, reason):
    ctx = ingested
    result = receive(variant(acad, name), ctx, at(0))
    assert (result.status, result.reason) == ("rejected", reason)
    row = q.detail(ctx.db, result.import_id)
    assert row["reason"] == reason and row["label"].startswith("Rejet - ") and row["automatic"] is True
    assert row["uai"]  # counted under its establishment, even when the reader refused the file
    if name == "edt-sts":
        assert "EDT_STS" in result.message and "sts_emp_<UAI>_<year>.xml" in result.message
    assert q.timetable_groups(ctx.db, row["uai"]) == []


def applied_first(ctx, acad) -> str:
    uai, edt = source(acad, "timetable")
    first = receive(edt, ctx, at(0))
    assert validate(first.import_id, "alice", ctx, at(1)).status == "applied"
    return uai


def test_an_automated_import_applies_what_it_can_and_lists_the_rest(ingested, acad):
    ctx = ingested
    uai = applied_first(ctx, acad)
    before = q.current_timetable(ctx.db, uai, "edt")
    bad = receive(variant(acad, "bad-code"), ctx, at(2))
    assert bad.status == "applied", bad.message
    row = q.detail(ctx.db, bad.import_id)
    listed = dict(row["report"])["Classes et groupes non importés"]
    assert any("code invalide" in line and "à renommer dans EDT" in line for line in listed), listed
    assert row["record_rejections"] and {r["reason"] for r in row["record_rejections"]} >= {"invalid_code"}
    # The group set aside keeps what the first import applied for it: no change, nothing counted.
    after = q.current_timetable(ctx.db, uai, "edt")
    assert after.groups == before.groups and bad.counts["structures_deleted_with_sessions"] == 0
    invalid = receive(variant(acad, "invalid-record"), ctx, at(3))
    assert invalid.status == "applied" and invalid.rejections
    assert dict(q.detail(ctx.db, invalid.import_id)["report"])["Enregistrements écartés à la lecture"] != ["aucun"]
    rebuilt_equals_live(ctx)


def test_a_late_end_of_year_is_shown_on_the_first_import_and_rejects_automated_ones(ingested, acad):
    ctx = ingested
    first = receive(variant(acad, "end-date-late"), ctx, at(0))
    assert first.status == "awaiting_validation"
    problems = dict(q.detail(ctx.db, first.import_id)["report"])["Problèmes à corriger dans EDT"]
    assert "Paramètres > Établissement > Calendrier" in problems[0] and "15 juillet" in problems[0]
    with pytest.raises(ValueError, match="--accept-end-date"):
        validate(first.import_id, "alice", ctx, at(1))
    applied = validate(first.import_id, "alice", ctx, at(1), accept_end_date=True)
    assert applied.status == "applied"
    uai = q.detail(ctx.db, first.import_id)["uai"]
    assert q.current_timetable(ctx.db, uai, "edt").calendar["ends_on"].endswith("-07-15")
    # Automated now: the same late end is refused, with what to change in EDT.
    _, edt = source(acad, "timetable")
    text = edt.read_text(encoding="utf-8")
    path = edt.parent / "edt_late_again.xml"
    path.write_text(re.sub(r'DateFin="[0-9-]+"', 'DateFin="2027-08-31"', text, count=1), encoding="utf-8")
    late = receive(path, ctx, at(31))
    assert (late.status, late.reason) == ("rejected", "end_date_after_15_july")
    assert "Paramètres > Établissement > Calendrier" in late.message


def test_sts_export_first_import_then_validation(ingested, acad):
    ctx = ingested
    uai, sts = source(acad, "sts")
    result = receive(sts, ctx, at(0))
    assert result.status == "awaiting_validation"
    assert validate(result.import_id, "alice", ctx, at(1)).status == "applied"
    snap = q.current_timetable(ctx.db, uai, "sts")
    assert snap.services and not snap.sessions
    # The EDT timetable of the same year is another source: its own first import.
    _, edt = source(acad, "timetable")
    assert receive(edt, ctx, at(2)).status == "awaiting_validation"


def test_without_a_directory_the_establishment_is_unknown(ctx, tmp_path):
    result = receive(FIX / "timetable" / "export_edt_0571994H.xml", ctx, at(0))
    assert (result.status, result.reason, result.uai) == ("rejected", "unknown_uai", "0571994H")
    # Once the AAF knows it, the same file sent again is not a "duplicate" of a file never compared.
    sha256 = q.detail(ctx.db, result.import_id)["sha256"]
    assert ctx.timetable_queries.earlier_copies("0571994H", sha256) == []


def test_malformed_and_unknown_files_are_rejected_with_file_and_line(ctx):
    bad = receive(FIX / "sts" / "sts_emp_0571994H_2026_malformed.xml", ctx, at(0))
    assert (bad.status, bad.reason) == ("rejected", "malformed_xml") and bad.details["line"] == 11
    other = receive(FIX / "timetable" / "export_edt_0571994H_wrong_namespace.xml", ctx, at(1))
    assert (other.status, other.reason) == ("rejected", "unknown_format")
    assert [h["reason"] for h in q.history(ctx.db)] == ["unknown_format", "malformed_xml"]


def test_same_file_same_time_is_recorded_once(ctx, tmp_path):
    path = tmp_path / "e.xml"
    shutil.copy(FIX / "timetable" / "export_edt_0571994H.xml", path)
    one = receive(path, ctx, at(0))
    again = receive(path, ctx, at(0))
    assert again.import_id == one.import_id and again.status == "already-rejected"
    assert len(q.history(ctx.db)) == 1


def test_rebuild_in_a_fresh_database_equals_live(ingested, acad, tmp_path):
    ctx = ingested
    _, edt = source(acad, "timetable")
    first = receive(edt, ctx, at(0))
    validate(first.import_id, "alice", ctx, at(1))
    receive(variant(acad, "duplicate"), ctx, at(2))
    mem = Database(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    ImportsProjection(mem).catch_up(ctx.log)
    ctx.imports.catch_up(ctx.log)
    assert dump(mem) == dump(ctx.db)
    mem.close()
