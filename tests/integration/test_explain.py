"""`entsync explain` and the API's explanation (issue 15), on SQLite and
PostgreSQL. A collège's rentrée: SIECLE's students export, then the AAF
delivery, the clock creating the students (first seen in SIECLE, due a day
before the teachers), a SIECLE export giving a student a leaving date, and a
guest account with a teacher's name (another birth date). A teacher still
pending is explained with the delivery, file and line it appeared at and its
due time, overdue or not as --now says; the departing student with SIECLE's
leaving date and its import; a name of one person is explained, a name of
two lists both keys."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from projections import explain_queries
from tests.api_tokens import bearer, issue
from tests.conftest import declare_store
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie, new_store

UTC = timezone.utc
T_SIECLE = datetime(2026, 8, 18, 6, tzinfo=UTC)
T_AAF = datetime(2026, 8, 19, 6, tzinfo=UTC)
T_STUDENTS = datetime(2026, 8, 20, 7, tzinfo=UTC)  # the students are due, the teachers not yet
T_LEAVING = datetime(2026, 9, 15, 6, tzinfo=UTC)
T_GUEST = T_LEAVING + timedelta(hours=1)


@dataclass(frozen=True)
class Rentree:
    url: str
    delivery_id: str
    leaving_import: str
    teacher: str
    teacher_name: str
    student: str
    guest: str
    uai: str
    server_url: str
    tokens: dict[str, str]


def _leaving(eleves: Path, root: Path) -> tuple[Path, str]:
    """The students export three weeks later, one student given a leaving date."""
    raw = eleves.read_bytes().replace(b"18/08/2026", b"15/09/2026")
    student = re.search(rb'<ELEVE ELEVE_ID="(\d+)">', raw).group(1).decode()
    start = raw.index(f'<ELEVE ELEVE_ID="{student}">'.encode())
    end = raw.index(b"</ELEVE>", start)
    record = re.sub(rb"<DATE_SORTIE>[^<]*</DATE_SORTIE>", b"<DATE_SORTIE>10/09/2026</DATE_SORTIE>", raw[start:end])
    leaving = root / "leaving" / eleves.name
    leaving.parent.mkdir()
    leaving.write_bytes(raw[:start] + record + raw[end:])
    return leaving, student


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def rentree(request, backend, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"explain-{backend}")
    acad = make_academie(root / "acad", "--students", "30", "--seed", "5", "--sources", "aaf,siecle", "--no-second")
    uai = next(iter(acad.manifest["sources"]["siecle"]["20260818"]))
    eleves = acad.root / acad.manifest["sources"]["siecle"]["20260818"][uai]["eleves"]
    leaving, eleve_id = _leaving(eleves, root)
    url, drop = new_store(request, backend, root)
    url = declare_store(url)
    clock = ManualClock(T_GUEST + timedelta(days=1))
    ctx = bootstrap.build(url, Policy(), clock)
    try:
        assert ingest_siecle(eleves, ctx, T_SIECLE).status == "applied"
        delivered = ingest(str(acad.first), ctx, T_AAF)
        tick(ctx, T_STUDENTS)
        left = ingest_siecle(leaving, ctx, T_LEAVING)
        for model in (ctx.projection, ctx.siecle, ctx.imports):
            model.catch_up(ctx.log)
        (student,) = ctx.db.query(
            "SELECT l.jointure FROM siecle_account_links l JOIN siecle_students s ON s.student_id = l.aggregate_id "
            "WHERE s.eleve_id = ? AND l.status = 'linked'",
            (eleve_id,),
        )[0]
        teacher, attrs = ctx.db.query(
            "SELECT jointure, attrs FROM accounts WHERE profile = 'ENSEIGNANT' AND state = 'pending' ORDER BY jointure"
        )[0]
        name = explain_queries.name_of(json.loads(attrs))
        tokens = {
            "own": issue(ctx, "own", "etab-admin", (uai,)),
            "other": issue(ctx, "other", "etab-admin", ("0000000A",)),
        }
    finally:
        ctx.close()
    family, given = json.loads(attrs)["sn"][0], json.loads(attrs)["givenName"][0]
    cli = Cli(url, _NoCapture())
    code, _ = cli.run("admin", "create-account", "guest", given, family, "1970-01-01", "--uai", uai, "--perenne",
                      "--reason", "a visiting teacher", "--now", T_GUEST.isoformat())  # fmt: skip
    assert code == 0
    ctx = bootstrap.build(url, Policy(), clock)
    try:
        ctx.projection.catch_up(ctx.log)
        (guest,) = ctx.db.query("SELECT jointure FROM accounts WHERE profile = 'AUTRE'")[0]
    finally:
        ctx.close()
    server = serve("127.0.0.1:0", Metrics(CollectorRegistry(), version="test"),
                   lambda: bootstrap.build(url, Policy(), clock), lambda: True)  # fmt: skip
    try:
        yield Rentree(url, str(delivered.delivery_id), str(left.import_id), teacher, name, student, guest, uai,
                      server.url, tokens)  # fmt: skip
    finally:
        server.close()
        drop()


class _NoCapture:
    """The fixture's own command: its output is not looked at."""

    def readouterr(self):
        return type("Captured", (), {"out": "", "err": ""})()


def test_a_pending_teacher_says_its_delivery_line_and_due_time(rentree, capsys):
    cli = Cli(rentree.url, capsys)
    early = cli.json("explain", rentree.teacher, "--now", (T_STUDENTS + timedelta(hours=1)).isoformat())
    why = early["why"]
    assert early["state"] == "pending" and why["rule"] == "creation_delay" and why["overdue"] is False
    assert why["delivery_id"] == rentree.delivery_id and why["file"].endswith(".xml") and why["line"] > 0
    assert why["due"] == (T_AAF + timedelta(hours=48)).isoformat() and why["delay"] == 48
    late = cli.json("explain", rentree.teacher, "--now", (T_AAF + timedelta(days=6)).isoformat(), "--lang", "en")
    assert late["why"]["overdue"] is True and "creation_overdue" in [a["code"] for a in late["anomalies"]]
    assert any("entsync_scheduler_last_run_timestamp_seconds" in a for a in late["sentences"]["actions"])
    code, text = cli.run("explain", rentree.teacher, "--now", (T_STUDENTS + timedelta(hours=1)).isoformat())
    assert code == 0 and f"Apparu dans la livraison AAF {rentree.delivery_id} ({why['file']}:{why['line']})" in text
    assert "Pas en retard" in text and "pas encore d'identifiant" in text


def test_a_departing_student_names_siecles_leaving_date(rentree, capsys):
    cli = Cli(rentree.url, capsys)
    found = cli.json("explain", rentree.student, "--lang", "en")
    why = found["why"]
    assert found["state"] == "departing" and why["rule"] == "siecle_leaving_date"
    assert why["import_id"] == rentree.leaving_import and why["left_on"] == "2026-09-10"
    assert why["removal_due"] and why["removal_basis"] in ("toussaint", "minimum_notice")
    assert f"SIECLE leaving date 2026-09-10 (import {rentree.leaving_import}" in found["sentences"]["why"][0]
    assert found["sentences"]["why"][1].startswith("Removal due")


def test_a_name_of_one_account_is_explained_and_of_two_listed(rentree, capsys):
    cli = Cli(rentree.url, capsys)
    student = cli.json("account", rentree.student)
    name = " ".join(reversed(explain_queries.name_of(student["attributes"]).split(" ", 1)))  # given name first
    assert cli.json("explain", name)["jointure"] == rentree.student
    code, text = cli.run("explain", rentree.teacher_name)
    assert code == 1 and "2 accounts have this name" in cli.err
    assert rentree.teacher in text and rentree.guest in text
    code, _ = cli.run("explain", "Nobody At-All")
    assert code == 1 and "no account" in cli.err


def _ask(rentree: Rentree, path: str, token: str | None) -> tuple[int, dict]:
    req = urllib.request.Request(rentree.server_url + path, headers=bearer(token) if token else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_api_explains_within_the_callers_establishments(rentree, capsys):
    now = (T_STUDENTS + timedelta(hours=1)).isoformat()
    path = f"/api/v1/accounts/{rentree.teacher}/explanation?lang=en&now={now.replace('+', '%2B')}"
    status, body = _ask(rentree, path, rentree.tokens["own"])
    assert status == 200 and body == Cli(rentree.url, capsys).json("explain", rentree.teacher, "--lang", "en",
                                                                     "--now", now)  # fmt: skip
    assert _ask(rentree, path, rentree.tokens["other"]) == _ask(
        rentree, path.replace(rentree.teacher, "nobody"), rentree.tokens["own"]
    )
    assert _ask(rentree, path, rentree.tokens["other"])[0] == 404
    assert _ask(rentree, path, None)[0] == 401
    search = "/api/v1/explanations?name=" + urllib.request.quote(rentree.teacher_name)
    status, body = _ask(rentree, search, rentree.tokens["own"])
    assert status == 200 and {c["key"] for c in body["candidates"]} == {rentree.teacher, rentree.guest}
    assert _ask(rentree, search, rentree.tokens["other"]) == (200, {"count": 0, "candidates": []})
