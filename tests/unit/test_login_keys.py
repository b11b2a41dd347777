"""Reserved logins by keyed stream ids (issue 17, design §5), on the
in-memory twin: a login's stream id is a keyed hash of it, the read model
keeps that key beside the login, and a login stays reserved when only its
key is left (erasure) or when its stream is a uuid5 one of an earlier
release (the compatibility rule, events/login.reservation_ids)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from daemon import bootstrap
from events.account import account_id
from events.login import Login, Taken, legacy_login_id, login_id, login_key, reservation_ids
from events.login_rules import RenameRefused
from events.personal import ERASED
from events.usecases.tick import tick
from tests.unit.test_admin_login import LATER, T0, given_created, given_person, rename


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    yield ctx
    ctx.close()


def test_a_login_stream_id_is_keyed_not_a_uuid5_of_the_login(uow):
    given_created(uow)

    key = login_key(uow.pepper, "lea.martin")
    assert uow.log.find(login_id(uow.pepper, "lea.martin")).account_id == str(account_id("E1"))
    assert uow.log.find(legacy_login_id("lea.martin")) is None
    assert login_id(b"another pepper", "lea.martin") != login_id(uow.pepper, "lea.martin")
    assert uow.db.query("SELECT login_key, login FROM logins WHERE account_id = ?", (str(account_id("E1")),)) == [
        (key, "lea.martin")
    ]


def test_a_login_whose_name_was_erased_stays_reserved_by_its_key(uow):
    given_created(uow)
    # What an erasure leaves of the row (design §4): the key, not the login.
    uow.db.execute("UPDATE logins SET login = ? WHERE login = 'lea.martin'", (ERASED,))
    uow.db.execute("UPDATE accounts SET login = ? WHERE login = 'lea.martin'", (ERASED,))

    with pytest.raises(RenameRefused) as refused:
        rename(uow, "paul.durand", "lea.martin")
    assert refused.value.code == "ever_used"  # reserved, and no longer anyone's current login
    given_person(uow, "E3", "Eleve", "Léa", "Martin", at=LATER)
    tick(uow, LATER + timedelta(hours=48))
    assert uow.log.get(account_id("E3")).login == "lea.martin2"


def test_an_old_uuid5_login_stream_still_counts_as_reserved(uow):
    given_created(uow)
    # A store of an earlier release: the reservation on the uuid5 stream.
    old = Login._create(
        Login.Reserved, id=legacy_login_id("lea.dupont"), login="lea.dupont", account_id=str(account_id("E2")), at=T0
    )
    uow.log.save(old)
    uow.projection.catch_up(uow.log)

    with pytest.raises(RenameRefused) as refused:
        rename(uow, "lea.martin", "lea.dupont")
    assert refused.value.code == "ever_used"  # reserved, and no longer anyone's current login
    # Even by its key alone (the row's login erased): the uuid5 id's hex is its key.
    uow.db.execute("UPDATE logins SET login = ? WHERE login = 'lea.dupont'", (ERASED,))
    with pytest.raises(RenameRefused):
        rename(uow, "lea.martin", "lea.dupont")
    given_person(uow, "E3", "Eleve", "Léa", "Dupont", at=LATER)
    tick(uow, LATER + timedelta(hours=48))
    assert uow.log.get(account_id("E3")).login == "lea.dupont2"


@pytest.mark.parametrize(
    "taken, login, reserved",
    [
        (Taken({"lea.martin"}), "lea.martin", True),
        (Taken(), "lea.martin", False),
        (Taken(keys=frozenset({login_key(b"p", "lea.martin")}), pepper=b"p"), "lea.martin", True),
        (Taken(keys=frozenset({login_key(b"p", "lea.martin")}), pepper=b"q"), "lea.martin", False),
        (Taken(keys=frozenset({legacy_login_id("lea.martin").hex}), pepper=b"q"), "lea.martin", True),
        (Taken(keys=frozenset({login_key(b"p", "lea.martin")}), pepper=b"p"), "lea.martin2", False),
    ],
)
def test_taken(taken, login, reserved):
    assert (login in taken) is reserved


def test_the_reservation_ids_are_the_keyed_then_the_old_one():
    assert reservation_ids(b"p", "lea.martin") == (login_id(b"p", "lea.martin"), legacy_login_id("lea.martin"))
    assert login_id(b"p", "lea.martin").hex == login_key(b"p", "lea.martin")


def test_a_reservation_is_never_made_without_the_pepper():
    with pytest.raises(TypeError, match="keyed"):
        Login(login="lea.martin", account_id="a", at=T0)
