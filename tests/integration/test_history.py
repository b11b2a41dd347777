"""An account's history from every source, the directory as of a time and an
account at two times (issue 15), through `entsync` and the API, on SQLite and
PostgreSQL. One student's year: enrolled in SIECLE, delivered by the AAF,
created, given a class by the timetable, then a SIECLE export with a changed
field and a leaving date (a departure SIECLE declares), then the AAF in
another class (a new enrolment cancels it)."""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from daemon import bootstrap
from daemon.history.admin_facts import time_of
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from events.usecases.timetable_apply import validate
from events.usecases.timetable_receive import receive
from tests.api_tokens import bearer, issue
from tests.conftest import declare_store
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie, new_store

UTC = timezone.utc
T_SIECLE = datetime(2026, 8, 18, 6, tzinfo=UTC)
T_AAF = datetime(2026, 8, 19, 6, tzinfo=UTC)
T_CREATE = datetime(2026, 8, 21, 7, tzinfo=UTC)
T_EDT = datetime(2026, 8, 28, 8, tzinfo=UTC)
T_LEAVING = datetime(2026, 9, 15, 6, tzinfo=UTC)
T_MOVED = datetime(2026, 9, 25, 6, tzinfo=UTC)


@dataclass(frozen=True)
class Year:
    url: str
    jointure: str
    uai: str
    leaving_import: str
    server_url: str
    tokens: dict[str, str]


def _files(root: Path) -> dict:
    acad = make_academie(root / "acad", "--students", "40", "--seed", "3", "--sources", "aaf,siecle,timetable",
                         "--no-second")  # fmt: skip
    uai = next(iter(acad.manifest["sources"]["siecle"]["20260818"]))
    eleves = acad.root / acad.manifest["sources"]["siecle"]["20260818"][uai]["eleves"]
    raw = eleves.read_bytes()
    student = re.search(rb'<ELEVE ELEVE_ID="(\d+)">', raw).group(1).decode()
    body = raw.replace(b"18/08/2026", b"15/09/2026")
    start = body.index(f'<ELEVE ELEVE_ID="{student}">'.encode())
    end = body.index(b"</ELEVE>", start)
    record = re.sub(rb"<DATE_SORTIE>[^<]*</DATE_SORTIE>", b"<DATE_SORTIE>10/09/2026</DATE_SORTIE>", body[start:end])
    record = re.sub(rb"<CODE_REGIME>[^<]*</CODE_REGIME>", b"<CODE_REGIME>9</CODE_REGIME>", record)
    leaving = root / "leaving" / eleves.name
    leaving.parent.mkdir()
    leaving.write_bytes(body[:start] + record + body[end:])
    timetable = acad.root / acad.manifest["sources"]["timetable"]["20260818"][uai]
    guardians = acad.root / acad.manifest["sources"]["siecle"]["20260818"][uai]["responsables"]
    return {"acad": acad, "siecle": eleves, "guardians": guardians, "leaving": leaving, "timetable": timetable,
            "student": student}  # fmt: skip


def _move_to_another_class(delivery: Path, jointure: str) -> None:
    for part in delivery.glob("*_Eleve_*.xml"):
        raw = part.read_bytes()
        at = raw.find(f"<id>{jointure}</id>".encode())
        if at >= 0:
            end = raw.index(b"</addRequest>", at)
            pattern = rb'(<attr name="ENTEleveClasses">\s*<value>[^$<]*\$)[^<]*(</value>)'
            part.write_bytes(raw[:at] + re.sub(pattern, rb"\g<1>NEWCLS\g<2>", raw[at:end], count=1) + raw[end:])
            return
    raise AssertionError(f"student {jointure} not found in {delivery}")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def year(request, backend, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"history-{backend}")
    f = _files(root)
    url, drop = new_store(request, backend, root)
    url = declare_store(url)
    clock = ManualClock(T_MOVED + timedelta(days=1))
    ctx = bootstrap.build(url, Policy(), clock)
    try:
        assert ingest_siecle(f["siecle"], ctx, T_SIECLE).status == "applied"
        assert ingest(str(f["acad"].first), ctx, T_AAF).status == "applied"
        assert ingest_siecle(f["guardians"], ctx, T_AAF + timedelta(hours=1)).status == "applied"
        tick(ctx, T_CREATE)
        imported = receive(f["timetable"], ctx, T_EDT)
        assert validate(imported.import_id, "alice", ctx, T_EDT + timedelta(hours=1), True).status == "applied"
        leaving = ingest_siecle(f["leaving"], ctx, T_LEAVING)
        assert leaving.status == "applied"
        ctx.siecle.catch_up(ctx.log)
        (jointure,) = ctx.db.query(
            "SELECT l.jointure FROM siecle_account_links l JOIN siecle_students s ON s.student_id = l.aggregate_id "
            "WHERE s.eleve_id = ? AND l.status = 'linked'",
            (f["student"],),
        )[0]
        moved = root / "moved"
        shutil.copytree(f["acad"].first, moved)
        _move_to_another_class(moved, jointure)
        assert ingest(str(moved), ctx, T_MOVED).status == "applied"
        for model in (ctx.projection, ctx.siecle, ctx.imports):  # what the daemon's catch-up job does
            model.catch_up(ctx.log)
        uai = ctx.db.query("SELECT uai FROM structures WHERE uai <> '' ORDER BY uai")[0][0]
        tokens = {
            "own": issue(ctx, "own", "etab-admin", (uai,)),
            "other": issue(ctx, "other", "etab-admin", ("0000000A",)),
        }
        server = serve("127.0.0.1:0", Metrics(CollectorRegistry(), version="test"),
                       lambda: bootstrap.build(url, Policy(), clock), lambda: True)  # fmt: skip
        try:
            yield Year(url, jointure, uai, str(leaving.import_id), server.url, tokens)
        finally:
            server.close()
    finally:
        ctx.close()
        drop()


def test_the_history_shows_every_source_with_its_import_and_line(year, capsys):
    cli = Cli(year.url, capsys)
    facts = cli.json("history", year.jointure)
    assert [time_of(f) for f in facts] == sorted(time_of(f) for f in facts)
    assert {f["source"] for f in facts} >= {"siecle", "aaf", "clock", "timetable"}
    enrolled = next(f for f in facts if f["event"] == "SiecleStudent.Enrolled")
    assert enrolled["file"] == "ElevesSansAdresses.xml" and enrolled["line"] > 0 and enrolled["import_id"]
    (changed,) = [f for f in facts if f["event"] == "SiecleStudent.Changed"]
    assert changed["import_id"] == year.leaving_import and changed["line"] == enrolled["line"]
    assert changed["changes"]["regime"]["after"] == "9"
    (left,) = [f for f in facts if f["event"] == "SiecleStudent.LeavingDateSet"]
    assert left["changes"]["left_on"] == {"before": None, "after": "2026-09-10"}
    (departure,) = [f for f in facts if f["event"] == "DepartureDeclared"]
    assert departure["source"] == "siecle" and departure["transition"] == {"before": "active", "after": "departing"}
    assert departure["cause"] == {
        k: left[k] for k in ("event", "at", "uai", "key", "import_id", "file", "line", "left_on")
    }
    applied = next(f for f in facts if f["event"] == "TimetableImport.Applied")
    assert applied["kind"] == "student" and applied["class"] and applied["line"] > 0
    linked = [f for f in facts if f["event"] == "SiecleStudent.GuardianLinked"]
    assert linked and all(f["guardian"] and f["changes"]["level"]["after"] in (1, 2, 3) for f in linked)
    moved = [f for f in facts if f["event"] == "Changed" and "ENTEleveClasses" in f.get("changes", {})]
    assert moved and moved[0]["changes"]["ENTEleveClasses"]["after"][0].endswith("$NEWCLS")

    code, text = cli.run("history", year.jointure)
    assert code == 0 and "because SiecleStudent.LeavingDateSet left_on=2026-09-10" in text
    assert "\x1b[" not in text  # no colour in a pipe
    # aligned: the source column starts at the same place on every fact's line
    starts = {line.index(f["source"], 25) for line, f in zip([x for x in text.splitlines() if x[:1] != " "], facts)}
    assert len(starts) == 1

    since = cli.json("history", year.jointure, "--since", T_LEAVING.isoformat())
    assert since == [f for f in facts if time_of(f) >= T_LEAVING] and len(since) < len(facts)


def test_a_guardians_history_holds_its_siecle_record(year, capsys):
    cli = Cli(year.url, capsys)
    (guardian,) = [g for g in cli.json("account", year.jointure)["guardians"]][:1]
    facts = cli.json("history", guardian["jointure"])
    appeared = [f for f in facts if f["event"] == "SiecleGuardian.Appeared"]
    assert appeared and appeared[0]["file"] == "ResponsablesAvecAdresses.xml" and appeared[0]["line"] > 0
    assert any(f["event"] == "SiecleGuardian.AccountLinked" for f in facts)


def test_state_as_of_before_and_after_a_delivery(year, capsys):
    cli = Cli(year.url, capsys)
    before = cli.json("state", "--as-of", (T_AAF - timedelta(hours=1)).isoformat())
    assert before["establishments"] == []  # SIECLE only: no account yet
    created = cli.json("state", "--as-of", (T_CREATE + timedelta(hours=1)).isoformat(), "--uai", year.uai)
    (place,) = created["establishments"]
    counts = {(c["state"], c["profile"]): c["accounts"] for c in place["counts"]}
    assert counts[("active", "ELEVE")] > 0
    assert sum(counts.values()) == len(place["accounts"])
    mine = lambda state: next(a for a in state["establishments"][0]["accounts"] if a["jointure"] == year.jointure)  # noqa: E731
    departing = cli.json("state", "--as-of", (T_MOVED - timedelta(days=1)).isoformat(), "--uai", year.uai)
    assert mine(departing)["state"] == "departing" and mine(created)["state"] == "active"
    assert mine(departing)["classes"] and mine(departing)["classes"] != ["NEWCLS"]
    code, text = cli.run("state", "--as-of", (T_CREATE + timedelta(hours=1)).isoformat(), "--uai", year.uai)
    assert code == 0 and year.uai in text and year.jointure in text


def test_diff_shows_the_changed_class_and_state(year, capsys):
    cli = Cli(year.url, capsys)
    start, end = (T_MOVED - timedelta(days=1)).isoformat(), (T_MOVED + timedelta(hours=1)).isoformat()
    found = cli.json("diff", year.jointure, "--from", start, "--to", end)
    assert found["changes"]["state"] == {"before": "departing", "after": "active"}
    assert [c.split("$")[1] for c in found["changes"]["classes"]["after"]] == ["NEWCLS"]
    assert [e["event"] for e in found["events"]] == ["Changed", "DepartureCancelled"]
    code, text = cli.run("diff", year.jointure, "--from", start, "--to", end)
    assert code == 0 and "state: departing -> active" in text


def _ask(year: Year, path: str, token: str | None) -> tuple[int, dict]:
    req = urllib.request.Request(year.server_url + path, headers=bearer(token) if token else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_api_serves_the_history_and_diff_within_the_callers_establishments(year, capsys):
    path = f"/api/v1/accounts/{year.jointure}/history?since={T_LEAVING.isoformat().replace('+', '%2B')}"
    status, body = _ask(year, path, year.tokens["own"])
    assert status == 200 and body["jointure"] == year.jointure
    assert body["facts"] == Cli(year.url, capsys).json("history", year.jointure, "--since", T_LEAVING.isoformat())
    diff = f"/api/v1/accounts/{year.jointure}/diff?from=2026-09-24T00:00:00Z&to=2026-09-26T00:00:00Z"
    status, body = _ask(year, diff, year.tokens["own"])
    assert status == 200 and body["changes"]["state"]["after"] == "active"
    for asked in (path, diff):
        assert _ask(year, asked, year.tokens["other"]) == _ask(
            year, asked.replace(year.jointure, "nobody"), year.tokens["own"]
        )
        assert _ask(year, asked, year.tokens["other"])[0] == 404
        assert _ask(year, asked, None)[0] == 401
    assert _ask(year, f"/api/v1/accounts/{year.jointure}/history?since=yesterday", year.tokens["own"])[0] == 400
