"""A login rename on the in-memory twin (domain-rules §6, issue 13): given
accounts created by the clock, when an operator renames a login, then the
fact is recorded with its author and reason, the new login is reserved, the
old one still finds the account, and every refusal says why and records
nothing. The CLI on SQLite and PostgreSQL: tests/integration/test_login_rename.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon import bootstrap
from events.account import Account, account_id
from events.login_rules import RenameRefused
from events.usecases.admin_login import RenameLogin, rename_login
from events.usecases.tick import tick
from projections.account_queries import account_detail, find_account

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
LATER = DUE + timedelta(days=3)
LEFT = datetime(2026, 9, 15, 6, tzinfo=timezone.utc)
TOUSSAINT = datetime.combine(datetime(2026, 10, 17).date(), time(0), ZoneInfo("Europe/Paris"))


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    yield ctx
    ctx.close()


def given_person(uow, jointure: str, category: str, given: str, family: str, at: datetime = T0, **attrs) -> None:
    attrs = {"givenName": [given], "sn": [family], **attrs}
    uow.log.save(Account(jointure, category, attrs, "d", "D0", "f.xml", 1, at, at + timedelta(hours=48)))
    uow.projection.catch_up(uow.log)


def given_created(uow) -> None:
    """Léa Martin (lea.martin) and Paul Durand (paul.durand), created at 48 h."""
    given_person(uow, "E1", "Eleve", "Léa", "Martin")
    given_person(uow, "E2", "Eleve", "Paul", "Durand")
    tick(uow, DUE)


def rename(uow, key: str, new: str, reason: str = "changement de nom d'usage", now: datetime = LATER):
    return rename_login(RenameLogin(key, new, reason, "ops"), uow, now)


def recorded_since(uow, position: int) -> list[str]:
    return [type(event).__qualname__ for _, event in uow.log.iter_events(after=position)]


def test_a_rename_is_recorded_and_the_old_login_stays_an_alias(uow):
    given_created(uow)
    position = uow.log.max_position()

    renamed = rename(uow, "lea.martin", "lea.dupont")

    assert (renamed.jointure, renamed.old_login, renamed.new_login, renamed.author) == (
        "E1",
        "lea.martin",
        "lea.dupont",
        "ops",
    )
    assert recorded_since(uow, position) == ["Account.LoginRenamed", "Login.Reserved"]
    fact = list(uow.log.events.get(account_id("E1")))[-1]
    assert (fact.old_login, fact.new_login, fact.author, fact.reason, fact.at) == (
        "lea.martin",
        "lea.dupont",
        "ops",
        "changement de nom d'usage",
        LATER,
    )
    assert uow.log.get(account_id("E1")).login == "lea.dupont"
    old, new = find_account(uow.db, "lea.martin"), find_account(uow.db, "lea.dupont")
    assert old is not None and new is not None
    assert old["account_id"] == new["account_id"] == str(account_id("E1"))
    assert new["login"] == "lea.dupont" and new["state"] == "active"
    assert account_detail(uow.db, "lea.martin")["logins"] == ["lea.dupont", "lea.martin"]


def test_the_account_may_be_given_by_jointure_or_id_and_renamed_again(uow):
    given_created(uow)
    rename(uow, "E1", "lea.dupont")
    again = rename(uow, str(account_id("E1")), "lea.dupont-martin", now=LATER + timedelta(hours=1))
    assert again.old_login == "lea.dupont"
    assert account_detail(uow.db, "lea.martin")["logins"] == ["lea.dupont", "lea.dupont-martin", "lea.martin"]
    assert {find_account(uow.db, k)["login"] for k in ("lea.martin", "lea.dupont", "E1")} == {"lea.dupont-martin"}


@pytest.mark.parametrize(
    "key, new, reason, code",
    [
        ("E1", "paul.durand", "x", "taken"),  # another account's current login
        ("E2", "lea.martin", "x", "ever_used"),  # another account's alias (E1 renamed first)
        ("E1", "lea.martin", "x", "ever_used"),  # its own former login
        ("E1", "lea.dupont", "x", "unchanged"),
        ("E1", "Lea.Martin", "x", "malformed"),
        ("E1", "l", "x", "malformed"),
        ("E1", "lea.durand", "", "no_reason"),
        ("E3", "lea.durand", "x", "no_login"),  # pending: no login yet
    ],
)
def test_refusals_say_why_and_record_nothing(uow, key, new, reason, code):
    given_created(uow)
    given_person(uow, "E3", "Eleve", "Zoé", "Petit", at=DUE)
    rename(uow, "E1", "lea.dupont")
    position = uow.log.max_position()
    with pytest.raises(RenameRefused) as refused:
        rename(uow, key, new, reason, now=LATER + timedelta(hours=1))
    assert refused.value.code == code
    assert recorded_since(uow, position) == []


def test_a_removed_account_is_not_renamed_and_its_login_is_never_given_again(uow):
    given_created(uow)
    account = uow.log.get(account_id("E2"))
    account.leave("absent_from_complete", "D1", LEFT, TOUSSAINT, False)
    uow.log.save(account)
    tick(uow, TOUSSAINT)
    assert uow.log.get(account_id("E2")).state == "removed"

    with pytest.raises(RenameRefused) as refused:
        rename(uow, "E2", "paul.durand2", now=TOUSSAINT + timedelta(days=1))
    assert refused.value.code == "removed"
    with pytest.raises(RenameRefused) as refused:
        rename(uow, "E1", "paul.durand", now=TOUSSAINT + timedelta(days=1))
    assert refused.value.code == "ever_used" and "removed account's" in str(refused.value)


def test_an_unknown_account_is_a_lookup_error(uow):
    given_created(uow)
    with pytest.raises(LookupError, match="no account 'nobody'"):
        rename(uow, "nobody", "lea.dupont")
