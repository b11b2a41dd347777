"""SIECLE before the AAF, end to end through the real services, on both stores
(domain-rules §11, Precedence): the 48 h clock starts at the SIECLE sighting,
a SIECLE leaving date makes the account departing while the AAF still lists
the person, and only a new enrolment (AAF) or a withdrawn date (SIECLE)
cancels it. A rebuild of the read model equals the live one."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from events.account import account_id
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.schema import dump
from tests.integration.conftest import make_academie

UTC = timezone.utc
T_SIECLE = datetime(2026, 8, 18, 6, tzinfo=UTC)
T_AAF = datetime(2026, 8, 19, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("precedence")
    first = make_academie(root / "first", "--students", "60", "--seed", "3", "--sources", "aaf,siecle", "--no-second")
    again = make_academie(root / "again", "--students", "60", "--seed", "3", "--no-second", "--date", "20260918")
    uai = next(iter(first.manifest["sources"]["siecle"]["20260818"]))
    eleves = first.root / first.manifest["sources"]["siecle"]["20260818"][uai]["eleves"]
    raw = eleves.read_bytes()
    student = re.search(rb'<ELEVE ELEVE_ID="(\d+)">', raw).group(1).decode()

    def export(name: str, day: str, leaving: str) -> Path:
        """The same export, dated ``day``, with the first student's leaving date."""
        out = root / name / eleves.name
        out.parent.mkdir(parents=True)
        body = raw.replace(b"<DATE_EXPORT>18/08/2026</DATE_EXPORT>", f"<DATE_EXPORT>{day}</DATE_EXPORT>".encode())
        body = body.replace(
            b"<HORODATAGE>18/08/2026 06:30:00</HORODATAGE>", f"<HORODATAGE>{day} 06:30:00</HORODATAGE>".encode()
        )
        start = body.index(f'<ELEVE ELEVE_ID="{student}">'.encode())
        end = body.index(b"</ELEVE>", start)
        record = re.sub(
            rb"<DATE_SORTIE>[^<]*</DATE_SORTIE>", f"<DATE_SORTIE>{leaving}</DATE_SORTIE>".encode(), body[start:end]
        )
        out.write_bytes(body[:start] + record + body[end:])
        return out

    # The same AAF content a month later.
    return {
        "siecle": eleves,
        "aaf": first.first,
        "aaf_again": again.first,
        "leaving": export("leaving", "15/09/2026", "10/09/2026"),
        "cleared": export("cleared", "01/10/2026", "31/12/9999"),
        "student": student,
        "uai": uai,
    }


def _account_of(ctx, eleve_id: str) -> dict:
    rows = ctx.db.query_dicts(
        "SELECT a.* FROM accounts a JOIN siecle_account_links l ON l.account_id = a.account_id "
        "JOIN siecle_students s ON s.student_id = l.aggregate_id WHERE s.eleve_id = ?",
        (eleve_id,),
    )
    assert len(rows) == 1, f"student {eleve_id} is not linked to one account"
    return rows[0]


def _move_to_another_class(delivery: Path, jointure: str) -> None:
    for part in delivery.glob("*_Eleve_*.xml"):
        raw = part.read_bytes()
        at = raw.find(f"<id>{jointure}</id>".encode())
        if at < 0:
            continue
        end = raw.index(b"</addRequest>", at)
        record = re.sub(
            rb'(<attr name="ENTEleveClasses">\s*<value>[^$<]*\$)[^<]*(</value>)',
            rb"\g<1>NEWCLS\g<2>",
            raw[at:end],
            count=1,
        )
        assert record != raw[at:end], "the student's class attribute was not found"
        part.write_bytes(raw[:at] + record + raw[end:])
        return
    raise AssertionError(f"student {jointure} not found in {delivery}")


def _events(ctx, jointure: str) -> list[str]:
    return [type(e).__name__ for e in ctx.log.repository.event_store.get(account_id(jointure))]


def test_siecle_precedence_over_the_aaf(files, store_url, tmp_path):
    ctx = bootstrap.build(store_url, Policy())
    try:
        # SIECLE first: unresolved (no account yet); the AAF a day later links them and keeps the SIECLE clock.
        assert ingest_siecle(files["siecle"], ctx, T_SIECLE).status == "applied"
        assert ctx.db.scalar("SELECT COUNT(*) FROM siecle_account_links WHERE status = 'linked'") == 0
        assert ingest(str(files["aaf"]), ctx, T_AAF).status == "applied"
        linked = ctx.db.scalar("SELECT COUNT(*) FROM siecle_account_links WHERE status = 'linked'")
        assert linked >= 50
        account = _account_of(ctx, files["student"])
        assert (account["state"], account["first_seen"], account["creation_due"]) == (
            "pending",
            T_SIECLE.isoformat(),
            (T_SIECLE + timedelta(hours=48)).isoformat(),
        )
        advanced = ctx.db.scalar(
            "SELECT COUNT(*) FROM accounts WHERE creation_due = ?", ((T_SIECLE + timedelta(hours=48)).isoformat(),)
        )
        assert advanced == linked  # every linked student, and no one else
        jointure = account["jointure"]
        assert _events(ctx, jointure)[:2] == ["Appeared", "CreationClockAdvanced"]

        # Due at the SIECLE sighting + 48 h, one day before the AAF's own clock would say.
        tick(ctx, T_SIECLE + timedelta(hours=48, minutes=1))
        assert _account_of(ctx, files["student"])["state"] == "active"

        # A leaving date in the past: departing from that date, until the Toussaint holidays.
        assert ingest_siecle(files["leaving"], ctx, datetime(2026, 9, 15, 6, tzinfo=UTC)).status == "applied"
        account = _account_of(ctx, files["student"])
        assert (account["state"], account["state_reason"]) == ("departing", "siecle_leaving_date")
        assert account["departed_at"].startswith("2026-09-09T22:00") and account["removal_due"].startswith("2026-10-16")

        # The AAF still lists the person, unchanged: still departing.
        assert ingest(str(files["aaf_again"]), ctx, datetime(2026, 9, 18, 6, tzinfo=UTC)).status == "applied"
        assert _account_of(ctx, files["student"])["state"] == "departing"

        # The same person in another class in the AAF: a new enrolment, active again with the same login.
        moved = tmp_path / "moved"
        shutil.copytree(files["aaf_again"], moved)
        _move_to_another_class(moved, jointure)
        login = account["login"]
        assert ingest(str(moved), ctx, datetime(2026, 9, 25, 6, tzinfo=UTC)).status == "applied"
        account = _account_of(ctx, files["student"])
        assert (account["state"], account["login"], account["state_reason"]) == ("active", login, "new_enrolment")
        assert _events(ctx, jointure)[-2:] == ["Changed", "DepartureCancelled"]

        # The same leaving date is not declared again; a tick has nothing to do with it.
        _, transitions = tick(ctx, datetime(2026, 9, 26, 6, tzinfo=UTC), dry_run=True)
        assert not [t for t in transitions if t.jointure == jointure]

        # A rebuild from the log alone gives the same read model.
        mem = Database("sqlite:///:memory:")
        DirectoryProjection(mem).catch_up(ctx.log)
        assert dump(mem) == dump(ctx.db)
        mem.close()
    finally:
        ctx.close()


def test_a_leaving_date_withdrawn_in_siecle_cancels_the_departure(files, store_url):
    ctx = bootstrap.build(store_url, Policy())
    try:
        ingest(str(files["aaf"]), ctx, T_AAF)
        tick(ctx, T_AAF + timedelta(hours=49))
        assert ingest_siecle(files["leaving"], ctx, datetime(2026, 9, 15, 6, tzinfo=UTC)).status == "applied"
        assert _account_of(ctx, files["student"])["state"] == "departing"
        assert ingest_siecle(files["cleared"], ctx, datetime(2026, 10, 1, 6, tzinfo=UTC)).status == "applied"
        account = _account_of(ctx, files["student"])
        assert (account["state"], account["state_reason"], account["removal_due"]) == (
            "active",
            "leaving_date_cleared",
            None,
        )
    finally:
        ctx.close()
