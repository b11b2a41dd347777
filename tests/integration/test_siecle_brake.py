"""SIECLE exports under the brake and departures with notice (domain-rules
§12, issue 8), through the real services and the CLI, on both stores.

- an export that newly sets leaving dates for too many linked students of a
  collège is held: nothing applied, the list of who would depart shown by
  `entsync siecle show`; released it applies, rejected it applies nothing;
- the end-of-year export where every 3e student leaves in July is not held
  (expected leavers), while leaving dates of other classes count;
- a leaving date of 10 October learned on 4 November: the Toussaint has
  passed, the removal waits for the minimum notice (4 December).

The test edits the generated export with its own regular expressions; it
shares no code with the adapter that reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from daemon import bootstrap
from daemon.cli import main
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from projections.schema import dump
from tests.integration.conftest import make_academie, prepared_store, rebuilt

UTC = timezone.utc
T_AAF = datetime(2026, 8, 18, 6, tzinfo=UTC)
T_SIECLE = datetime(2026, 8, 18, 7, tzinfo=UTC)
T_CREATE = datetime(2026, 8, 20, 8, tzinfo=UTC)
FINAL_YEAR_MEF = "103"  # 3e (events.policy default final_year_mef_prefixes)


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("siecle-brake")
    acad = make_academie(root / "gen", "--students", "300", "--seed", "3", "--sources", "aaf,siecle", "--no-second")
    ((uai, paths),) = acad.manifest["sources"]["siecle"]["20260818"].items()
    eleves = acad.root / paths["eleves"]
    raw = eleves.read_bytes()
    students = [
        (m.group(1).decode(), m.group(2).decode())
        for m in re.finditer(rb'<ELEVE ELEVE_ID="(\d+)">.*?<CODE_MEF>(\d*)</CODE_MEF>', raw, re.S)
    ]
    return {"root": root, "aaf": acad.first, "eleves": eleves, "raw": raw, "uai": uai, "students": students}


def export(school: dict, name: str, day: str, leaving: dict[str, str]) -> Path:
    """The rentrée export, dated ``day``, with the leaving dates ``leaving``
    (ELEVE_ID → dd/mm/yyyy)."""
    body = school["raw"]
    body = body.replace(b"<DATE_EXPORT>18/08/2026</DATE_EXPORT>", f"<DATE_EXPORT>{day}</DATE_EXPORT>".encode())
    body = body.replace(
        b"<HORODATAGE>18/08/2026 06:30:00</HORODATAGE>", f"<HORODATAGE>{day} 06:30:00</HORODATAGE>".encode()
    )
    for eid, date_text in leaving.items():
        start = body.index(f'<ELEVE ELEVE_ID="{eid}">'.encode())
        end = body.index(b"</ELEVE>", start)
        record, n = re.subn(
            rb"<DATE_SORTIE>[^<]*</DATE_SORTIE>", f"<DATE_SORTIE>{date_text}</DATE_SORTIE>".encode(), body[start:end]
        )
        assert n == 1
        body = body[:start] + record + body[end:]
    out = school["root"] / name / school["eleves"].name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return out


@pytest.fixture
def started_url(request, backend, school, tmp_path) -> str:
    """A copy of the store where the year started (the AAF delivery at T_AAF,
    the SIECLE rentrée export at T_SIECLE, the creations at T_CREATE): made
    once per backend (prepared_store)."""

    def start(url: str) -> None:
        ctx = bootstrap.build(url, Policy())
        try:
            assert ingest(str(school["aaf"]), ctx, T_AAF).status == "applied"
            assert ingest_siecle(school["eleves"], ctx, T_SIECLE).status == "applied"
            tick(ctx, T_CREATE)
        finally:
            ctx.close()

    return prepared_store(request, backend, "siecle-brake-started", start, tmp_path)


def started(school: dict, store_url: str):
    ctx = bootstrap.build(store_url, Policy())
    linked = ctx.db.scalar("SELECT COUNT(*) FROM siecle_account_links WHERE status = 'linked' AND kind = 'student'")
    assert linked >= 290
    return ctx


def states_of(ctx, eleve_ids) -> dict[str, tuple[str, str]]:
    """ELEVE_ID → (account state, SIECLE leaving date in the read model)."""
    ctx.projection.catch_up(ctx.log)
    wanted = set(eleve_ids)
    return {
        eid: (state, left_on or "")
        for eid, state, left_on in ctx.db.query(
            "SELECT s.eleve_id, a.state, s.left_on FROM siecle_students s JOIN siecle_account_links l "
            "ON l.aggregate_id = s.student_id JOIN accounts a ON a.account_id = l.account_id"
        )
        if eid in wanted
    }


def cli_json(store_url: str, capsys, *args: str):
    capsys.readouterr()
    code = main(["--store", store_url, *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def not_final(school: dict) -> list[str]:
    return [eid for eid, mef in school["students"] if not mef.startswith(FINAL_YEAR_MEF)]


def test_an_export_setting_many_leaving_dates_is_held_then_released(school, started_url, capsys):
    ctx = started(school, started_url)
    try:
        leavers = not_final(school)[:40]  # 40 of 301 students: over 10 % and over the minimum of 30
        path = export(school, "mass", "15/10/2026", {eid: "10/10/2026" for eid in leavers})
        result = ingest_siecle(path, ctx, datetime(2026, 10, 15, 8, tzinfo=UTC))
        assert (result.status, result.reason, result.exit_code) == ("held", "mass_departure", 2)
        assert result.counts == {"leaving_dates_set": 40, "departures": 40, "counted": 40}
        assert set(states_of(ctx, leavers).values()) == {("active", "")}, "a held export applied something"
        ctx.close()

        code, shown = cli_json(started_url, capsys, "siecle", "show", result.import_id[:8])
        assert code == 0 and shown["status"] == "held"
        (count,) = [c for c in shown["brake"] if c["held"]]
        assert (count["uai"], count["population"], count["counted"], count["accounts"]) == (
            school["uai"],
            "students",
            40,
            301,
        )
        assert len(shown["departures"]) == 40
        assert all(d["login"] and d["reason"] == "siecle_leaving_date" and d["counted"] for d in shown["departures"])
        capsys.readouterr()
        assert main(["--store", started_url, "siecle", "show", result.import_id]) == 0
        text = capsys.readouterr().out
        assert "who would depart" in text and shown["departures"][0]["login"] in text

        code, released = cli_json(
            started_url,
            capsys,
            "siecle",
            "release",
            result.import_id,
            "--now",
            "2026-10-15T09:00:00+00:00",
            "--operator",
            "drane-ops",
        )
        assert code == 0 and released["status"] == "applied"
        ctx = bootstrap.build(started_url, Policy())
        after = states_of(ctx, leavers)
        assert set(after.values()) == {("departing", "2026-10-10")}
        assert ctx.staging.kept_file(result.import_id) is None
        ctx.projection.catch_up(ctx.log)
        assert rebuilt(ctx) == dump(ctx.db)
    finally:
        ctx.close()


def test_a_held_export_rejected_applies_nothing(school, started_url, capsys):
    ctx = started(school, started_url)
    leavers = not_final(school)[:35]
    path = export(school, "mass-reject", "15/10/2026", {eid: "10/10/2026" for eid in leavers})
    result = ingest_siecle(path, ctx, datetime(2026, 10, 15, 8, tzinfo=UTC))
    ctx.close()
    assert result.status == "held"
    code, rejected = cli_json(
        started_url, capsys, "siecle", "reject", result.import_id, "--now", "2026-10-15T09:00:00+00:00"
    )
    assert (code, rejected["status"], rejected["reason"]) == (2, "rejected", "operator_rejected")
    capsys.readouterr()
    assert main(["--store", started_url, "siecle", "release", result.import_id]) == 1
    assert "only a held import can be released" in capsys.readouterr().err
    ctx = bootstrap.build(started_url, Policy())
    try:
        assert set(states_of(ctx, leavers).values()) == {("active", "")}
        (row,) = [
            r
            for r in ctx.db.query_dicts(
                "SELECT status, reason FROM siecle_imports WHERE import_id = ?", (result.import_id,)
            )
        ]
        assert row == {"status": "rejected", "reason": "operator_rejected"}
    finally:
        ctx.close()


def test_the_year_end_export_with_every_3e_leaving_is_not_held(school, started_url):
    ctx = started(school, started_url)
    try:
        final = [eid for eid, mef in school["students"] if mef.startswith(FINAL_YEAR_MEF)]
        assert len(final) >= 60
        others = not_final(school)[:5]
        leaving = {**{eid: "03/07/2027" for eid in final}, **{eid: "03/07/2027" for eid in others}}
        path = export(school, "year-end", "20/06/2027", leaving)
        result = ingest_siecle(path, ctx, datetime(2027, 6, 20, 8, tzinfo=UTC))
        assert result.status == "applied", result.message
        assert {left for _, left in states_of(ctx, leaving).values()} == {"2027-07-03"}

        # The same dates for 3e students in October are not the end of a year: they count.
        ctx2 = (
            bootstrap.build(started_url.replace("entsync.db", "other.db"), Policy(), simulation=True)
            if started_url.startswith("sqlite")
            else None
        )
        if ctx2 is not None:
            try:
                assert ingest(str(school["aaf"]), ctx2, T_AAF).status == "applied"
                assert ingest_siecle(school["eleves"], ctx2, T_SIECLE).status == "applied"
                tick(ctx2, T_CREATE)
                path = export(school, "october-3e", "15/10/2026", {eid: "10/10/2026" for eid in final})
                assert ingest_siecle(path, ctx2, datetime(2026, 10, 15, 8, tzinfo=UTC)).status == "held"
            finally:
                ctx2.close()
    finally:
        ctx.close()


def test_a_leaving_date_learned_on_4_november_gets_its_notice(school, started_url, capsys):
    ctx = started(school, started_url)
    try:
        eid = not_final(school)[0]
        path = export(school, "late", "04/11/2026", {eid: "10/10/2026"})
        learned = datetime(2026, 11, 4, 9, tzinfo=UTC)
        assert ingest_siecle(path, ctx, learned).status == "applied"
        ctx.projection.catch_up(ctx.log)
        (row,) = ctx.db.query_dicts(
            "SELECT a.jointure, a.state, a.removal_due FROM accounts a JOIN siecle_account_links l "
            "ON l.account_id = a.account_id JOIN siecle_students s ON s.student_id = l.aggregate_id "
            "WHERE s.eleve_id = ?",
            (eid,),
        )
        assert row["state"] == "departing"
        # The Toussaint after 10 October (17 October 2026) has passed: 30 days after 4 November.
        assert row["removal_due"].startswith("2026-12-0"), row["removal_due"]
        local = datetime.fromisoformat(row["removal_due"]).astimezone(ZoneInfo(Policy().timezone))
        assert local.date().isoformat() == "2026-12-04"

        code, shown = cli_json(started_url, capsys, "account", row["jointure"])
        assert code == 0
        assert (shown["removal_basis"], shown["notice_until"]) == ("minimum_notice", "2026-12-04")

        _, planned = tick(ctx, datetime(2026, 12, 3, 12, tzinfo=UTC), dry_run=True)
        assert row["jointure"] not in {t.jointure for t in planned if t.kind == "remove"}
        _, planned = tick(ctx, datetime(2026, 12, 4, 12, tzinfo=UTC), dry_run=True)
        removals = [t for t in planned if t.kind == "remove" and t.jointure == row["jointure"]]
        assert len(removals) == 1
        detail = ctx.db.query_dicts("SELECT removal_due FROM accounts WHERE jointure = ?", (row["jointure"],))
        assert detail[0]["removal_due"] == row["removal_due"], "a dry run recorded something"
    finally:
        ctx.close()


def test_the_inbox_tells_a_held_export_held_not_rejected(school, started_url):
    from daemon.service.dispatch import process
    from events.clock import ManualClock

    ctx = started(school, started_url)
    try:
        leavers = not_final(school)[:40]
        path = export(school, "mass-inbox", "15/10/2026", {eid: "10/10/2026" for eid in leavers})
        ctx.clock = ManualClock(datetime(2026, 10, 15, 8, tzinfo=UTC))
        outcome = process(path, ctx)
        assert (outcome.source, outcome.outcome, outcome.reason) == ("siecle", "held", "mass_departure")
        assert outcome.accepted  # kept for an operator: not set aside as a rejected file
    finally:
        ctx.close()


@contextmanager
def held_and_served(school: dict, started_url: str, name: str) -> Iterator[tuple]:
    """An export setting 40 leaving dates, held, and a server on its store:
    (context, the held result, the leavers, the server's url and tokens of
    an operator and of the school's administrator)."""
    from daemon.http.server import serve
    from daemon.observability.metrics import Metrics
    from events.access import Role
    from events.clock import ManualClock
    from tests.api_tokens import issue

    ctx = started(school, started_url)
    leavers = not_final(school)[:40]
    path = export(school, name, "15/10/2026", {eid: "10/10/2026" for eid in leavers})
    held = ingest_siecle(path, ctx, datetime(2026, 10, 15, 8, tzinfo=UTC))
    assert held.status == "held"
    clock = ManualClock(datetime(2026, 10, 15, 9, tzinfo=UTC))
    tokens = {"operator": issue(ctx, "drane-ops", Role.OPERATOR), "etab-admin": issue(
        ctx, "admin-college", Role.ETAB_ADMIN, (school["uai"],))}  # fmt: skip
    srv = serve("127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(started_url, Policy(), clock),
                lambda: True)  # fmt: skip
    try:
        yield ctx, held, leavers, type("Api", (), {"url": srv.url, "tokens": tokens})()
    finally:
        srv.close()
        ctx.close()


def test_a_held_export_is_released_through_the_api_by_an_operator_only(school, started_url):
    """The decision of the first story, asked of the API: an establishment's
    administrator of the school may not release it (an académie operation),
    an operator may, named in the stored fact; a second release is refused."""
    from tests.integration.test_http_actions import post

    with held_and_served(school, started_url, "mass-api") as (ctx, held, leavers, api):
        release = f"/api/v1/siecle/imports/{held.import_id}/release"
        assert post(api, release, "etab-admin")[0] == 403
        assert post(api, "/api/v1/siecle/imports/0000dead/release", "operator")[0] == 404
        code, _, body = post(api, release, "operator")
        assert code == 200 and body["status"] == "applied", body
        code, _, body = post(api, release, "operator")
        assert code == 409 and "only a held import can be released" in body["error"]["message"]
        assert set(states_of(ctx, leavers).values()) == {("departing", "2026-10-10")}
        facts = list(ctx.log.events.get(UUID(held.import_id)))
        assert [f.operator for f in facts if type(f).__name__ == "Released"] == ["drane-ops"]
