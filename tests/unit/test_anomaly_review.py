"""Operators' decisions on anomalies on the in-memory twin (issue 15): the
``AnomalyReview`` aggregate, confirming a suspected overwrite (the account
ends, the next generation of its jointure opens), dismissing it (a
suspension ends), the prefix an operator types, and the read model that a
replay of the log gives again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.account import Account, account_id
from events.anomaly import AnomalyDecided, AnomalyReview, anomaly_id, anomaly_id_of, short
from events.generations import current, generations
from events.policy import Policy
from events.usecases import tick
from events.usecases.anomaly_review import (
    AnomalyNotFound,
    ConfirmAnomaly,
    DismissAnomaly,
    ReviewRefused,
    confirm,
    dismiss,
)
from projections.directory import DirectoryProjection
from projections.schema import dump

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = T0 + timedelta(hours=50)
T1 = datetime(2026, 9, 10, 6, tzinfo=timezone.utc)
T2 = T1 + timedelta(days=1)
LEA = {"sn": ["MARTIN"], "givenName": ["Léa"], "ENTPersonDateNaissance": ["02/03/2012"]}
OCTAVE = {"sn": ["ZELLER"], "givenName": ["Octave"], "ENTPersonDateNaissance": ["05/06/2011"]}


def build(suspend: bool = False):
    return bootstrap.build("memory:", Policy(suspend_on_overwrite=suspend), simulation=True)


@pytest.fixture
def uow():
    ctx = build()
    yield ctx
    ctx.close()


def given_overwrite(uow, jointure: str = "E1", suspend: bool = False) -> str:
    """An active account whose record is retyped for another person at T1; its anomaly id."""
    uow.log.save(Account(jointure, "Eleve", LEA, "d0", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))
    tick.tick(uow, T_CREATE)
    account = uow.log.get(account_id(jointure))
    account.record(OCTAVE, "d1", "D1", "g.xml", 7, T1, timedelta(hours=48), 0.6, None, suspend)
    uow.log.save(account)
    uow.projection.catch_up(uow.log)
    found = [e for e in uow.log.events.get(account_id(jointure)) if type(e).__name__ == "OverwriteSuspected"]
    return str(anomaly_id(account_id(jointure), found[-1].originator_version))


def row(uow, key: str) -> dict:
    (found,) = uow.db.query_dicts("SELECT * FROM accounts WHERE account_id = ? OR jointure = ?", (key, key))
    return found


def test_ids_are_deterministic_and_shown_short():
    stream = account_id("E1")
    assert anomaly_id(stream, 3) == anomaly_id(str(stream), 3) != anomaly_id(stream, 4)
    assert anomaly_id_of("suspected_duplicate", "a", "b") == anomaly_id_of("suspected_duplicate", "b", "a")
    assert len(short(anomaly_id(stream, 3))) == 8 and short(anomaly_id(stream, 3)) == anomaly_id(stream, 3).hex[:8]
    assert account_id("E1", 1) == account_id("E1") != account_id("E1", 2)


def test_the_review_takes_one_decision():
    review = AnomalyReview(anomaly=str(anomaly_id(account_id("E1"), 3)), kind="k", subject=["s", "3"], at=T1)
    review.confirm("op", "checked with the school", T1)
    with pytest.raises(AnomalyDecided, match="already confirmed by op"):
        review.dismiss("op2", "no", T2)
    assert [type(e).__name__ for e in review.collect_events()] == ["Opened", "Confirmed"]


def test_confirming_ends_the_account_and_opens_the_next_generation(uow):
    aid = given_overwrite(uow)
    old = row(uow, "E1")
    decided = confirm(ConfirmAnomaly(short(aid)[:6], "alice", "the secretary retyped the record"), uow, T2)
    assert decided.decision == "confirmed" and decided.effects["successor_id"] == str(account_id("E1", 2))
    ended, new = row(uow, str(account_id("E1"))), row(uow, "E1")
    assert ended["jointure"] == "E1#1" and ended["state"] == "departing" and ended["removal_due"] is not None
    assert ended["login"] == old["login"] and ended["state_reason"] == "overwrite_confirmed"
    assert new["account_id"] == str(account_id("E1", 2)) and new["state"] == "pending" and new["login"] == ""
    # The 48 h rule from the overwriting delivery, then created by a tick with its own login.
    assert new["creation_due"] == (T1 + timedelta(hours=48)).isoformat()
    tick.tick(uow, T1 + timedelta(hours=49))
    created = row(uow, "E1")
    assert created["state"] == "active" and created["login"] not in ("", old["login"])
    assert [a.id for a in generations(uow.log, "E1")] == [account_id("E1"), account_id("E1", 2)]
    assert uow.db.query("SELECT status, author FROM anomaly_reviews") == [("confirmed", "alice")]


def test_a_later_record_changes_the_current_generation_only(uow):
    given_overwrite(uow)
    confirm(ConfirmAnomaly(given_id(uow), "alice", "retyped"), uow, T2)
    account = current(uow.log, "E1")
    assert account.id == account_id("E1", 2)
    before = len(list(uow.log.events.get(account_id("E1"))))
    account.record({**OCTAVE, "mail": ["o@x"]}, "d2", "D2", "h.xml", 3, T2, timedelta(hours=48))
    uow.log.save(account)
    assert len(list(uow.log.events.get(account_id("E1")))) == before


def given_id(uow) -> str:
    (aid, version), *_ = uow.db.query("SELECT account_id, version FROM overwrites")
    return short(anomaly_id(aid, version))


def test_deciding_twice_is_refused(uow):
    aid = given_overwrite(uow)
    dismiss(DismissAnomaly(aid, "alice", "a corrected typo"), uow, T2)
    with pytest.raises(AnomalyDecided, match="already dismissed by alice"):
        confirm(ConfirmAnomaly(short(aid), "bob", "retyped"), uow, T2)


def colliding_jointures(version: int) -> tuple[str, str, str]:
    """Two jointures whose anomalies at ``version`` share their first 6 hex characters, and those."""
    seen: dict[str, str] = {}
    n = 0
    while True:
        n += 1
        prefix = anomaly_id(account_id(f"J{n}"), version).hex[:6]
        if prefix in seen:
            return seen[prefix], f"J{n}", prefix
        seen[prefix] = f"J{n}"


def test_a_prefix_must_name_one_open_anomaly(uow):
    first, second, prefix = colliding_jointures(version=4)  # Appeared, AccountCreated, Changed, OverwriteSuspected
    given_overwrite(uow, first)
    given_overwrite(uow, second)
    with pytest.raises(AnomalyNotFound, match="at least 6"):
        confirm(ConfirmAnomaly("abc", "alice", "r"), uow, T2)
    with pytest.raises(AnomalyNotFound, match="no open anomaly"):
        confirm(ConfirmAnomaly("ffffffffff" if prefix != "ffffff" else "0000000000", "alice", "r"), uow, T2)
    with pytest.raises(ReviewRefused, match="reason"):
        confirm(ConfirmAnomaly(prefix, "alice", " "), uow, T2)
    with pytest.raises(AnomalyNotFound, match="names 2 open anomalies"):
        confirm(ConfirmAnomaly(prefix, "alice", "r"), uow, T2)
    longer = anomaly_id(account_id(first), 4).hex[:10]
    assert confirm(ConfirmAnomaly(longer, "alice", "r"), uow, T2).effects["account_id"] == str(account_id(first))
    # One of the two decided: the prefix names the other, the one still open.
    assert confirm(ConfirmAnomaly(prefix, "bob", "r"), uow, T2).effects["account_id"] == str(account_id(second))


@pytest.mark.parametrize("suspend", [False, True])
def test_suspension_until_dismissed(suspend):
    uow = build(suspend)
    try:
        aid = given_overwrite(uow, suspend=suspend)
        login = row(uow, "E1")["login"]
        assert row(uow, "E1")["state"] == ("suspended" if suspend else "active")
        assert uow.log.get(account_id("E1")).state == ("suspended" if suspend else "active")
        decided = dismiss(DismissAnomaly(short(aid), "alice", "same person, name corrected"), uow, T2)
        after = row(uow, "E1")
        assert decided.effects["state"] == after["state"] == "active"
        assert (after["account_id"], after["login"]) == (str(account_id("E1")), login)
        assert after["attrs"] and "ZELLER" in after["attrs"]  # the new record stays
        events = [type(e).__name__ for e in uow.log.events.get(account_id("E1"))]
        assert ("Suspended" in events, "Resumed" in events) == (suspend, suspend)
    finally:
        uow.close()


def test_a_suspended_account_is_not_created_and_confirming_ends_the_suspension():
    uow = build(True)
    try:
        uow.log.save(Account("E9", "Eleve", LEA, "d0", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))
        account = uow.log.get(account_id("E9"))
        account.record(OCTAVE, "d1", "D1", "g.xml", 7, T0 + timedelta(hours=1), timedelta(hours=48), 0.6, None, True)
        uow.log.save(account)
        tick.tick(uow, T_CREATE)
        assert row(uow, "E9")["state"] == "suspended"  # pending when suspended: never created meanwhile
        confirm(ConfirmAnomaly(given_id(uow), "alice", "retyped"), uow, T2)
        assert row(uow, str(account_id("E9")))["state"] == "withdrawn"
        assert row(uow, "E9")["state"] == "pending"
    finally:
        uow.close()


def test_replaying_the_log_gives_the_same_read_model(uow):
    given_overwrite(uow, "E1")
    given_overwrite(uow, "E2", suspend=True)
    confirm(ConfirmAnomaly(given_id(uow), "alice", "retyped"), uow, T2)
    rebuilt = DirectoryProjection(uow.db, prefix="rebuilt_")
    rebuilt.catch_up(uow.log)
    assert dump(uow.db, "rebuilt_") == dump(uow.db)
    assert uow.db.query("SELECT status FROM rebuilt_anomaly_reviews") == [("confirmed",)]


@pytest.mark.parametrize(("created", "gone"), [(True, "departing"), (False, "withdrawn")])
def test_a_suspended_account_leaving_the_source_leaves_as_it_was(created, gone):
    account = Account("E5", "Eleve", LEA, "d0", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48))
    if created:
        account.create_account("lea.martin", T_CREATE)
    account.record(OCTAVE, "d1", "D1", "g.xml", 7, T1, timedelta(hours=48), 0.6, None, True)
    assert account.state == "suspended" and account.suspended_from == ("active" if created else "pending")
    account.leave("absent_from_complete", "D2", T2, T2 + timedelta(days=60), False)
    assert account.state == gone
