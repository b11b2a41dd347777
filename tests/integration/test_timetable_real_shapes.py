"""Timetable exports as Index Education really writes them (formats §4,
domain-rules §12), on both stores: the hand-written real-shape pair
(tests/fixtures/timetable/real-shape) goes from ingest through matching by
hand and validation to an applied import; the next export, with one more
teacher matched to nobody, leaves that teacher's earlier courses in place;
an oversized change is still rejected; a newer export replaces one awaiting
validation, an older one is refused, an awaiting one can be cancelled."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from events.timetable.snapshot import week_mask_weeks
from events.usecases.aaf_ingest import ingest
from events.usecases.timetable_apply import validate
from events.usecases.timetable_cancel import cancel
from events.usecases.timetable_hand_match import match
from events.usecases.timetable_receive import receive
from projections import import_queries as q
from tests.integration.test_timetable_imports import rebuilt_equals_live

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "timetable" / "real-shape"
UAI = "0571994H"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)  # the AAF complete delivery
T1 = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)  # the first (manual) timetable import
T2 = datetime(2026, 9, 7, 8, tzinfo=timezone.utc)  # the next export, automated
HOLIDAYS = (8, 9, 17, 18)
YEAR = [n for n in range(1, 45) if n not in HOLIDAYS]


def copy(src: Path, dest: Path, exported: datetime) -> Path:
    """The export as it arrives: the exporter's modification time is its export date."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dest)
    os.utime(dest, (exported.timestamp(), exported.timestamp()))
    return dest


def report(ctx, import_id: str) -> dict[str, list[str]]:
    return dict(q.detail(ctx.db, import_id)["report"])


def unmatched(ctx, import_id: str) -> dict[str, list[str]]:
    return {
        m["ident"]: m["candidates"]
        for m in q.detail(ctx.db, import_id)["matches"]
        if m["kind"] == "teacher" and not m["key"]
    }


def first_import(ctx, tmp_path) -> str:
    assert ingest(str(REAL / "aaf"), ctx, T0).status == "applied"
    e1 = copy(
        REAL / "export_1" / "export_edt_0571994H.xml",
        tmp_path / "in1" / "export_edt_0571994H.xml",
        T1 - timedelta(hours=2),
    )
    first = receive(e1, ctx, T1)
    assert first.status == "awaiting_validation", first.message
    return first.import_id


def test_an_older_export_goes_through_matching_by_hand_to_an_applied_import(ctx, tmp_path):
    iid = first_import(ctx, tmp_path)
    detail = q.detail(ctx.db, iid)
    # Nothing in the real shapes is an error: subject-only courses, an undeclared part, a course on a part.
    assert {r["reason"] for r in detail["record_rejections"]} == {"invalid_code", "structure_set_aside"}
    assert detail["ignored"] == {"subject_only": 3, "ignored_parts": 1, "parts_only": 1}
    # No IDSTS, no birth date: every teacher waits for the operator, with the accounts of that name.
    assert unmatched(ctx, iid) == {
        "P1": ["3000001"],
        "P2": ["3000002", "3000003"],
        "P3": ["3000004"],
        "P4": ["3000005"],
        "P5": [],
    }
    students = [m for m in detail["matches"] if m["kind"] == "student"]
    assert len(students) == 6 and all(m["by"] == "ine" for m in students)
    bilan = report(ctx, iid)
    assert "Paramètres > Établissement > Calendrier" in bilan["Problèmes à corriger dans EDT"][0]
    assert any(
        "ESPAGNOL2" in line and "à renommer dans EDT" in line for line in bilan["Classes et groupes non importés"]
    )
    assert len(bilan["Enseignants dont les cours n'ont pas été importés"]) == 5
    assert bilan["Périodes de fermeture"][0] == "2 périodes de fermeture ajoutées"
    assert "Total cumulé d'annulations de cours depuis le début de l'année scolaire : 1" in " ".join(
        bilan["Bilan des données « emploi du temps à la semaine »"]
    )
    assert q.current_timetable(ctx.db, UAI, "edt") is None  # nothing applied before validation

    # The operator matches by hand; what cannot be a match is refused.
    at = T1 + timedelta(minutes=5)
    for ident, account in (("P1", "3000001"), ("P2", "3000002"), ("P3", "3000004"), ("P4", "3000005")):
        assert match(iid, ident, account, "alice", ctx, at).status == "awaiting_validation"
    with pytest.raises(ValueError, match="already matched to teacher P2"):
        match(iid, "P5", "3000002", "alice", ctx, at)
    with pytest.raises(ValueError, match="ELEVE account"):
        match(iid, "P5", "1000001", "alice", ctx, at)
    with pytest.raises(LookupError, match="no account"):
        match(iid, "P5", "9999999", "alice", ctx, at)
    assert unmatched(ctx, iid) == {"P5": []}
    assert len(report(ctx, iid)["Enseignants dont les cours n'ont pas été importés"]) == 1

    # The year ends on 31 August: validated only when the operator says so, applied up to 15 July.
    with pytest.raises(ValueError, match="accept-end-date"):
        validate(iid, "alice", ctx, T1 + timedelta(minutes=10))
    applied = validate(iid, "alice", ctx, T1 + timedelta(minutes=10), accept_end_date=True)
    assert applied.status == "applied"
    now = q.current_timetable(ctx.db, UAI, "edt")
    assert now.calendar["ends_on"] == "2027-07-15"
    assert now.services[("4B", "HIGEO")] == frozenset({"3000005"})
    assert now.services[("3A", "MATHS")] == frozenset()  # P5's course: the course, not the teacher
    assert "ESP2" not in now.groups and "ESPAGNOL2" not in now.groups
    # Weeks as 2ⁿ, and the dates that follow from DatePremierJourSemaine1 (Monday 31 August 2026).
    sessions = q.sessions(ctx.db, iid)["sessions"]
    monday = next(s for s in sessions if (s["day"], s["start"], s["subject"]) == (1, 0, "FRANC"))
    assert monday["weeks"] == YEAR and monday["dates"][:2] == ["2026-08-31", "2026-09-07"]
    assert "2026-10-19" not in monday["dates"]  # the Toussaint holidays (week 8)
    friday = next(s for s in sessions if (s["day"], s["subject"]) == (5, "MATHS"))
    assert friday["cancelled_weeks"] == [10] and "2026-11-06" not in friday["dates"]
    rebuilt_equals_live(ctx)


def test_the_next_export_remembers_hand_matches_and_keeps_an_unmatched_teachers_courses(ctx, tmp_path):
    iid = first_import(ctx, tmp_path)
    at = T1 + timedelta(minutes=5)
    for ident, account in (("P1", "3000001"), ("P2", "3000002"), ("P3", "3000004"), ("P4", "3000005")):
        match(iid, ident, account, "alice", ctx, at)
    validate(iid, "alice", ctx, at, accept_end_date=True)
    before = q.current_timetable(ctx.db, UAI, "edt")

    e2 = copy(
        REAL / "export_2" / "export_edt_0571994H.xml",
        tmp_path / "in2" / "export_edt_0571994H.xml",
        T2 - timedelta(hours=1),
    )
    second = receive(e2, ctx, T2)
    assert second.status == "applied", second.message
    row = q.detail(ctx.db, second.import_id)
    assert row["automatic"] is True
    by = {m["ident"]: (m["key"], m["by"] or m["reason"]) for m in row["matches"] if m["kind"] == "teacher"}
    # Same ident and name: remembered. P4 changed name (LEGRAND-ETIENNE → LEGRAND): asked again.
    assert by == {
        "P1": ("3000001", "remembered"),
        "P2": ("3000002", "remembered"),
        "P3": ("3000004", "remembered"),
        "P4": ("", "name_changed"),
        "P5": ("", "no_identity"),
    }
    after = q.current_timetable(ctx.db, UAI, "edt")
    # P4's earlier courses stay in place, and nothing about P4 counts as a change.
    assert after.services[("4B", "HIGEO")] == frozenset({"3000005"}) == before.services[("4B", "HIGEO")]
    assert after.teachers["3000005"] == before.teachers["3000005"]
    assert second.counts["teachers_leaving_classes"] == 0 and second.counts["services_modified"] == 0
    assert second.counts["sessions_removed"] == 1  # course 2 moved from place 1 to place 3
    listed = report(ctx, second.import_id)["Enseignants dont les cours n'ont pas été importés"]
    assert [line.split(" (")[0] for line in listed] == ["professeur P4", "professeur P5"]

    # An oversized change is still rejected: most courses gone.
    ctx.policy = ctx.policy.model_copy(
        update={
            "timetable_thresholds": {
                **ctx.policy.timetable_thresholds,
                "sessions_removed": ctx.policy.timetable_thresholds["sessions_removed"].model_copy(
                    update={"count": 2, "percent": 20}
                ),
            }
        }
    )
    text = e2.read_text(encoding="utf-8")
    courses = list(re.finditer(r"    <Cours .*?</Cours>\n", text, re.S))
    cut = text[: courses[0].start()] + courses[0].group(0) + text[courses[-1].end() :]
    e3 = copy(e2, tmp_path / "in3" / "export_edt_0571994H.xml", T2 + timedelta(days=6))
    e3.write_text(cut, encoding="utf-8")
    third = receive(e3, ctx, T2 + timedelta(days=7))
    assert (third.status, third.reason) == ("rejected", "threshold_exceeded")
    assert "sessions_removed" in third.details["thresholds"]
    assert q.current_timetable(ctx.db, UAI, "edt") == after
    rebuilt_equals_live(ctx)


def test_one_awaiting_import_per_establishment_newer_replaces_older_is_refused(ctx, tmp_path):
    iid = first_import(ctx, tmp_path)
    match(iid, "P2", "3000003", "alice", ctx, T1 + timedelta(minutes=1))
    # A newer export (by its export date, not its arrival) replaces it, and keeps the hand matches.
    newer = copy(
        REAL / "export_2" / "export_edt_0571994H.xml",
        tmp_path / "in2" / "export_edt_0571994H.xml",
        T1 + timedelta(hours=1),
    )
    second = receive(newer, ctx, T1 + timedelta(hours=2))
    assert second.status == "awaiting_validation" and "replaces import" in second.message
    assert q.detail(ctx.db, iid)["status"] == "replaced"
    p2 = next(m for m in q.detail(ctx.db, second.import_id)["matches"] if m["ident"] == "P2")
    assert (p2["key"], p2["by"]) == ("3000003", "remembered")
    # An older export arriving later is refused, the newer one stays awaiting.
    older = copy(
        REAL / "export_1" / "export_edt_0571994H.xml",
        tmp_path / "in3" / "old_export_edt_0571994H.xml",
        T1 - timedelta(days=3),
    )
    older.write_bytes(older.read_bytes() + b"\n")  # not the same bytes as the first one (that is a duplicate)
    os.utime(older, ((T1 - timedelta(days=3)).timestamp(),) * 2)
    third = receive(older, ctx, T1 + timedelta(hours=3))
    assert (third.status, third.reason) == ("rejected", "older_than_awaiting")
    assert ctx.timetable_queries.awaiting(UAI, "edt").import_id == second.import_id
    # "Annuler l'import": nothing applied, nothing awaiting.
    assert cancel(second.import_id, "alice", "wrong base", ctx, T1 + timedelta(hours=4)).status == "cancelled"
    assert ctx.timetable_queries.awaiting(UAI, "edt") is None and q.current_timetable(ctx.db, UAI, "edt") is None
    assert [h["label"] for h in q.history(ctx.db, UAI)] == [
        "Rejet - Export plus ancien que celui en attente de validation",
        "Import annulé",
        "Remplacé par un export plus récent",
    ]
    rebuilt_equals_live(ctx, filled=("imports", "import_matches", "import_hand_matches"))


def test_week_masks_of_the_fixture_decode_as_its_domaine_comments():
    # The first course of export_1 runs the year's weeks, holidays left out (formats §4: week n = 2ⁿ).
    text = (REAL / "export_1" / "export_edt_0571994H.xml").read_text(encoding="utf-8")
    mask = int(re.search(r'<Classe Ident="C1" Semaines="(\d+)"/><!--Domaine : \[([^\]]*)\]-->', text).group(1))
    assert week_mask_weeks(mask) == YEAR


@pytest.fixture
def cli(store_url, capsys):
    from tests.integration.cli import Cli

    return Cli(store_url, capsys)


def test_the_operator_does_it_from_the_command_line(cli, tmp_path):
    assert cli.run("store", "init", "--simulation")[0] == 0
    assert cli.run("ingest", str(REAL / "aaf"), "--now", T0.isoformat())[0] == 0
    e1 = copy(
        REAL / "export_1" / "export_edt_0571994H.xml",
        tmp_path / "in" / "export_edt_0571994H.xml",
        T1 - timedelta(hours=2),
    )
    code, out = cli.run("ingest", str(e1), "--now", T1.isoformat(), "--json")
    iid = json.loads(out)["import_id"]
    assert code == 2 and json.loads(out)["status"] == "awaiting_validation"
    code, shown = cli.run("imports", "show", iid[:8], "--now", T1.isoformat())
    # The local operator sees the names and the candidates (the API never serves the names).
    assert code == 0 and "MARTIN Léa" in shown and "3000002 (MARTIN Léa, 03/02/1980)" in shown
    assert "Problèmes à corriger dans EDT" in shown and "Classes et groupes non importés" in shown
    at = (T1 + timedelta(minutes=5)).isoformat()
    for ident, account in (("P1", "3000001"), ("P2", "3000002"), ("P3", "3000004"), ("P4", "3000005")):
        code, out = cli.run("imports", "match", iid[:8], "--ident", ident, "--account", account, "--now", at)
        assert code == 2 and f"teacher {ident} matched to {account}" in out, out
    code, out = cli.run("imports", "match", iid[:8], "--ident", "P5", "--account", "3000002", "--now", at)
    assert code == 1 and "already matched" in cli.err and "Traceback" not in cli.err
    code, out = cli.run("imports", "validate", iid[:8], "--now", at)
    assert code == 1 and "--accept-end-date" in cli.err and "Calendrier" in cli.err
    code, out = cli.run("imports", "validate", iid[:8], "--accept-end-date", "--operator", "alice", "--now", at)
    assert code == 0 and "applied" in out
    code, out = cli.run("imports", "sessions", iid[:8], "--now", at)
    assert code == 0 and "1-7,10-16,19-44" in out and "2026-08-31" in out
    api = cli.json("imports", "show", iid[:8], "--now", at)
    # The export says 31 August; what was applied ends on 15 July.
    assert "people" not in api and len(api["hand_matches"]) == 4 and api["calendar"]["ends_on"] == "2027-08-31"
    assert cli.json("imports", "sessions", iid[:8], "--now", at)["calendar"]["ends_on"] == "2027-07-15"
