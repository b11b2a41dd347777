"""Duplicate marks on the in-memory twin (issue 13, domain-rules §5): given
accounts created by the clock, when an operator marks one a duplicate of
another, then it is deactivated with the mark's author, reason and deletion
date; a record the source delivers again leaves it deactivated (sticky),
the clock deletes it at the configured delay, and an undo before then makes
it active again with its login. The CLI on SQLite and PostgreSQL, with real
deliveries: tests/integration/test_duplicate_marks.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from daemon import bootstrap
from daemon.http import reads
from daemon.http.models import AccountDetail
from events.account import Account, account_id
from events.duplicate_rules import MarkRefused
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_accounts import create_manual_account
from events.usecases.admin_duplicates import MarkDuplicate, UnmarkDuplicate, mark_duplicate, unmark_duplicate
from events.usecases.tick import tick
from projections.account_queries import account_detail
from projections.anomaly_queries import anomalies
from tests.unit.test_admin_accounts import delivery  # noqa: F401 (fixture)
from tests.unit.test_admin_accounts import request as manual_request

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
MARKED = DUE + timedelta(days=3)
DELETION = MARKED + timedelta(days=42)
ATTRS = {"givenName": ["Léa"], "sn": ["Martin"]}


def build(policy: Policy | None = None):
    return bootstrap.build("memory:", policy, simulation=True)


@pytest.fixture
def uow():
    ctx = build()
    yield ctx
    ctx.close()


def given_created(uow) -> None:
    """E1 and E2, one person typed twice, created at 48 h (lea.martin, lea.martin1)."""
    for jointure in ("E1", "E2"):
        uow.log.save(Account(jointure, "Eleve", ATTRS, "d", "D0", "f.xml", 1, T0, DUE))
    uow.projection.catch_up(uow.log)
    tick(uow, DUE)


def mark(uow, key="E2", of="E1", reason="saisie en double dans SIECLE", now=MARKED):
    return mark_duplicate(MarkDuplicate(key, of, reason, "ops"), uow, now)


def delivered(uow, at: datetime, digest: str = "d2") -> None:
    """The source delivers E2's record again (what an AAF apply records)."""
    account = uow.log.get(account_id("E2"))
    account.record(ATTRS, digest, "D1", "f.xml", 2, at, timedelta(hours=48))
    uow.log.save(account)
    uow.projection.catch_up(uow.log)


def recorded_since(uow, position: int) -> list[str]:
    return [type(event).__qualname__ for _, event in uow.log.iter_events(after=position)]


def test_a_mark_deactivates_the_account_and_says_who_why_and_until_when(uow):
    given_created(uow)
    position = uow.log.max_position()

    marked = mark(uow)

    assert (marked.jointure, marked.duplicate_of, marked.state, marked.author) == ("E2", "E1", "deactivated", "ops")
    assert marked.deletion_due == DELETION
    assert recorded_since(uow, position) == ["Account.DuplicateMarked"]
    detail = account_detail(uow.db, "E2")
    assert (detail["state"], detail["removal_due"], detail["state_reason"]) == (
        "deactivated",
        DELETION.isoformat(),
        "marked_duplicate_of:E1",
    )
    shown = detail["duplicate_mark"]
    assert {k: shown[k] for k in ("duplicate_of", "author", "reason", "status", "still_delivered_by")} == {
        "duplicate_of": "E1",
        "author": "ops",
        "reason": "saisie en double dans SIECLE",
        "status": "marked",
        "still_delivered_by": ["aaf"],
    }
    assert "duplicate_mark" not in account_detail(uow.db, "E1")
    listed = [a for a in anomalies(uow.db, MARKED, timedelta(hours=1)) if a["anomaly"] == "marked_duplicate"]
    assert listed == [
        {
            "anomaly": "marked_duplicate",
            "jointure": "E2",
            "profile": detail["profile"],
            "state": "deactivated",
            "detail": f"duplicate of E1, deleted at {DELETION.isoformat()}, still delivered by aaf",
            "at": MARKED.isoformat(),
        }
    ]


def test_a_mark_is_sticky_while_the_source_delivers_the_account(uow):
    given_created(uow)
    mark(uow)

    delivered(uow, MARKED + timedelta(days=1))  # present: a changed record
    account = uow.log.get(account_id("E2"))
    account.leave("absent_from_complete", "D2", MARKED + timedelta(days=2), DELETION, False)
    uow.log.save(account)
    delivered(uow, MARKED + timedelta(days=3))  # back after an absence

    account = uow.log.get(account_id("E2"))
    assert (account.state, account.removal_due, account.present) == ("deactivated", DELETION, True)
    detail = account_detail(uow.db, "E2")
    assert (detail["state"], detail["removal_due"]) == ("deactivated", DELETION.isoformat())
    assert detail["duplicate_mark"]["still_delivered_by"] == ["aaf"]


def test_the_clock_deletes_a_marked_account_at_the_delay_even_if_still_delivered(uow):
    given_created(uow)
    mark(uow)
    delivered(uow, MARKED + timedelta(days=1))

    _, before = tick(uow, DELETION - timedelta(minutes=1))
    assert uow.log.get(account_id("E2")).state == "deactivated" and before == []
    tick(uow, DELETION)
    assert uow.log.get(account_id("E2")).state == "removed"

    position = uow.log.max_position()
    account = uow.log.get(account_id("E2"))
    account.leave("absent_from_complete", "D2", DELETION + timedelta(days=1), DELETION, False)
    uow.log.save(account)
    delivered(uow, DELETION + timedelta(days=2))
    tick(uow, DELETION + timedelta(days=5))  # no new account 48 h later
    assert uow.log.get(account_id("E2")).state == "removed"
    assert "Account.AccountCreated" not in recorded_since(uow, position)
    assert account_detail(uow.db, "E2")["state"] == "removed"


def test_the_delay_is_configured():
    ctx = build(Policy(duplicate_deletion_days=56))
    try:
        given_created(ctx)
        assert mark(ctx).deletion_due == MARKED + timedelta(days=56)
    finally:
        ctx.close()


def test_an_undo_before_the_deletion_gives_the_account_back_with_its_login(uow):
    given_created(uow)
    login = uow.log.get(account_id("E2")).login
    mark(uow)

    undone = unmark_duplicate(UnmarkDuplicate("E2", "pas un doublon: jumeaux", "ops2"), uow, MARKED + timedelta(days=1))

    assert (undone.state, undone.duplicate_of, undone.author) == ("active", "E1", "ops2")
    tick(uow, DELETION)
    account = uow.log.get(account_id("E2"))
    assert (account.state, account.login, account.removal_due) == ("active", login, None)
    detail = account_detail(uow.db, "E2")
    assert (detail["state"], detail["removal_due"], detail["state_reason"]) == ("active", None, "")
    shown = detail["duplicate_mark"]
    assert (shown["status"], shown["undone_by"], shown["undo_reason"]) == ("undone", "ops2", "pas un doublon: jumeaux")
    assert [a for a in anomalies(uow.db, DELETION, timedelta(hours=1)) if a["anomaly"] == "marked_duplicate"] == []
    assert mark(uow, now=DELETION).state == "deactivated"  # marked again later


@pytest.mark.parametrize(
    "key, of, reason, code",
    [
        ("E2", "E2", "x", "same_account"),
        ("E2", "E1", "", "reason_required"),
        ("E3", "E1", "x", "not_active"),  # pending
        ("E1", "E2", "x", "already_marked"),  # E1 marked a duplicate of E3 first
    ],
)
def test_refusals_say_why_and_record_nothing(uow, key, of, reason, code):
    given_created(uow)
    uow.log.save(Account("E3", "Eleve", ATTRS, "d", "D0", "f.xml", 3, DUE, DUE + timedelta(hours=48)))
    if code == "already_marked":
        mark(uow, "E1", "E3")
    position = uow.log.max_position()
    with pytest.raises(MarkRefused) as refused:
        mark(uow, key, of, reason, now=MARKED + timedelta(hours=1))
    assert refused.value.code == code
    assert recorded_since(uow, position) == []


def test_an_undo_is_refused_without_a_mark_or_once_no_source_delivers_the_account(uow):
    given_created(uow)
    with pytest.raises(MarkRefused) as refused:
        unmark_duplicate(UnmarkDuplicate("E2", "x", "ops"), uow, MARKED)
    assert refused.value.code == "not_marked"
    mark(uow)
    account = uow.log.get(account_id("E2"))
    account.leave("absent_from_complete", "D2", MARKED + timedelta(days=1), DELETION, False)
    uow.log.save(account)
    with pytest.raises(MarkRefused) as refused:
        unmark_duplicate(UnmarkDuplicate("E2", "x", "ops"), uow, MARKED + timedelta(days=2))
    assert refused.value.code == "not_delivered"


def test_an_unknown_account_is_a_lookup_error(uow):
    given_created(uow)
    with pytest.raises(LookupError, match="no account 'nobody'"):
        mark(uow, of="nobody")


def test_the_api_serves_a_marked_account_as_its_model_says(uow):
    given_created(uow)
    mark(uow)
    body = reads.account(uow, scope=None, key="E2")
    assert body["state"] == "deactivated" and body["duplicate_mark"]["status"] == "marked"
    served = AccountDetail.model_validate(body)
    assert served.state == "deactivated" and served.duplicate_mark == body["duplicate_mark"]


def test_an_undone_mark_gives_a_manual_account_its_end_date_back(delivery):  # noqa: F811
    ctx = build()
    try:
        ingest(str(delivery), ctx, T0)
        end = datetime(2027, 7, 4, tzinfo=timezone.utc)
        made = create_manual_account(manual_request(end=end), ctx, T0 + timedelta(hours=1))
        kept = ctx.db.scalar("SELECT jointure FROM accounts WHERE category = 'Eleve' ORDER BY jointure")
        mark(ctx, made.jointure, kept, now=MARKED)
        assert account_detail(ctx.db, made.jointure)["removal_due"] == DELETION.isoformat()

        unmark_duplicate(UnmarkDuplicate(made.jointure, "erreur", "ops"), ctx, MARKED + timedelta(days=1))

        assert uow_state(ctx, made.account_id) == ("active", end)
        assert account_detail(ctx.db, made.jointure)["removal_due"] == end.isoformat()
        tick(ctx, DELETION)
        assert uow_state(ctx, made.account_id) == ("active", end)
    finally:
        ctx.close()


def uow_state(ctx, aid: str) -> tuple:
    account = ctx.log.get(UUID(aid))
    return account.state, account.removal_due
