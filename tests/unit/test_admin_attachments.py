"""Attachments on the in-memory twin (issue 13): given a delivery of two
establishments and its accounts created, when an operator attaches a teacher
of one to the other until an end date, then the teacher is listed in both,
marked as attached in the other, within the other's scope; the refusals
record nothing; a new end date replaces the first; the clock ends the
attachment at its end date with 'end date reached'. The CLI on SQLite and
PostgreSQL, with a later complete delivery: tests/integration/
test_attachments.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from events.attachment_rules import AttachmentRefused
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_attachments import Attach, Detach, attach, detach
from events.usecases.tick import tick
from generator.cli import run as generate
from projections.account_queries import account_detail, accounts, within

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
AT = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
UNTIL = datetime(2026, 12, 19, 23, tzinfo=timezone.utc)
LATER = UNTIL + timedelta(days=30)


@pytest.fixture(scope="module")
def delivery(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("attach")
    # 900 students: two establishments (generator/academie/plan.py, 600 each).
    assert generate([str(root), "--students", "900", "--seed", "5", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    return root / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]


@pytest.fixture
def uow(delivery):
    ctx = bootstrap.build("memory:", simulation=True)
    ingest(str(delivery), ctx, T0)
    tick(ctx, DUE)
    yield ctx
    ctx.close()


def teacher(uow) -> tuple[str, str, str]:
    """An active teacher of one establishment only, its UAI and the other's."""
    uais = sorted(u for (u,) in uow.db.query("SELECT uai FROM structures"))
    for jointure, uai in uow.db.query(
        "SELECT a.jointure, MIN(t.uai) FROM accounts a JOIN account_structures s "
        "ON s.account_id = a.account_id JOIN structures t ON t.jointure = s.structure "
        "WHERE a.profile = 'ENSEIGNANT' AND a.state = 'active' GROUP BY a.jointure "
        "HAVING COUNT(DISTINCT t.uai) = 1 ORDER BY a.jointure"
    ):
        return jointure, uai, next(u for u in uais if u != uai)
    raise AssertionError("no teacher of one establishment")


def recorded_since(uow, position: int) -> list[str]:
    return [type(event).__qualname__ for _, event in uow.log.iter_events(after=position)]


def listed(uow, uai: str) -> dict[str, dict]:
    return {r["jointure"]: r for r in accounts(uow.db, uai=uai)}


def test_an_attached_teacher_is_listed_in_both_establishments_until_the_end_date(uow):
    jointure, own, other = teacher(uow)
    assert jointure not in listed(uow, other)
    position = uow.log.max_position()

    done = attach(Attach(jointure, other, UNTIL, "service partagé", "ops"), uow, AT)

    assert recorded_since(uow, position) == ["Account.Attached"]
    assert (done.jointure, done.uai, done.status, done.until, done.author) == (
        jointure,
        other,
        "attached",
        UNTIL,
        "ops",
    )
    shown = [{"uai": other, "until": UNTIL.isoformat(), "author": "ops"}]
    assert listed(uow, own)[jointure]["attachments"] == listed(uow, other)[jointure]["attachments"] == shown
    detail = account_detail(uow.db, jointure)
    assert detail["attachments"][0]["reason"] == "service partagé"
    assert [s["uai"] for s in detail["structures"]] == [own]  # the AAF's stay the AAF's
    assert within(detail, frozenset({other})) and not within(detail, frozenset({"0880054F"}))
    assert jointure in {r["jointure"] for r in accounts(uow.db, scope=frozenset({other}))}

    # Only the rentrée delivery's details, three months after it was received (issue 17).
    assert [t.kind for t in tick(uow, UNTIL - timedelta(minutes=1))[1]] == ["erase-details"]
    at, transitions = tick(uow, UNTIL)
    assert [(t.kind, t.jointure, t.uai) for t in transitions] == [("end-attachment", jointure, other)]
    last = list(uow.log.iter_events(after=uow.log.max_position() - 1))[-1][1]
    assert (type(last).__qualname__, last.uai, last.reason, last.author) == (
        "Account.AttachmentEnded",
        other,
        "end date reached",
        "clock",
    )
    assert jointure not in listed(uow, other) and "attachments" not in account_detail(uow.db, jointure)


def test_a_new_end_date_replaces_the_first_and_an_admin_may_end_it_before(uow):
    jointure, _, other = teacher(uow)
    attach(Attach(jointure, other, UNTIL, "service partagé", "ops"), uow, AT)
    attach(Attach(jointure, other, LATER, "prolongé", "ops"), uow, AT + timedelta(days=1))
    assert listed(uow, other)[jointure]["attachments"][0]["until"] == LATER.isoformat()
    assert [t.kind for t in tick(uow, UNTIL)[1]] == ["erase-details"]  # the rentrée delivery's details

    position = uow.log.max_position()
    done = detach(Detach(jointure, other, "fin du service partagé", "ops"), uow, UNTIL + timedelta(days=1))
    assert recorded_since(uow, position) == ["Account.AttachmentEnded"] and done.status == "ended"
    assert jointure not in listed(uow, other)
    assert tick(uow, LATER)[1] == []


def test_the_refusals_record_nothing_and_the_aafs_attachment_stays_the_aafs(uow):
    jointure, own, other = teacher(uow)
    position = uow.log.max_position()
    for action, code in [
        (Attach(jointure, own, UNTIL, "x", "ops"), "own_establishment"),
        (Attach(jointure, "0000000A", UNTIL, "x", "ops"), "unknown_uai"),
        (Attach(jointure, other, AT, "x", "ops"), "end_in_past"),
        (Attach(jointure, other, UNTIL, " ", "ops"), "reason_required"),
        (Detach(jointure, own, "x", "ops"), "aaf_attachment"),
        (Detach(jointure, other, "x", "ops"), "not_attached"),
    ]:
        with pytest.raises(AttachmentRefused) as refused:
            (attach if isinstance(action, Attach) else detach)(action, uow, AT)  # type: ignore[operator]
        assert refused.value.code == code, action
    with pytest.raises(LookupError):
        attach(Attach("nobody", other, UNTIL, "x", "ops"), uow, AT)
    assert recorded_since(uow, position) == []
