"""Personal fields sealed in the stored events under their person's key, read
back while the key lives, read as erased once it is destroyed (issue 17)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.exceptions import InvalidTag

from events.account import Account, account_id
from events.application import DirectoryLog
from events.new_accounts import NewAccounts
from events.personal import ERASED, erased_form, keyed
from events.sealing import GROUP, Path
from projections.db import Database
from projections.keyring import PEPPER_ID, SqlKeyRing, create_table

AT = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = AT + timedelta(hours=48)
PERSONAL = frozenset({"sn", "givenName", "ENTPersonDateNaissance", "mail"})
SPEC = {Account.Appeared.TOPIC: (Path("attrs", keys=PERSONAL),)}
ATTRS = {
    "sn": ["DUPONT"],
    "givenName": ["Zoé"],
    "ENTPersonDateNaissance": ["12/03/2011"],
    "mail": [],
    "ENTEleveClasses": ["0750001A$3A"],
}


def keyring(path: str = ":memory:") -> SqlKeyRing:
    db = Database(f"sqlite:///{path}" if path != ":memory:" else "memory:")
    create_table(db)
    return SqlKeyRing(db)


def appeared(jointure: str = "1000001", attrs: dict | None = None) -> Account:
    return Account(
        jointure=jointure,
        category="Eleve",
        attrs=attrs or ATTRS,
        digest="d1",
        delivery_id="dl",
        file="f.xml",
        line=3,
        at=AT,
        creation_due=DUE,
    )


@pytest.mark.parametrize(
    "pepper, purpose, value, other",
    [
        (b"a" * 32, "login", "zdupont", (b"b" * 32, "login", "zdupont")),  # another store
        (b"a" * 32, "login", "zdupont", (b"a" * 32, "digest", "zdupont")),  # another use
        (b"a" * 32, "login", "zdupont", (b"a" * 32, "login", "zdupond")),  # another value
    ],
)
def test_a_keyed_hash_depends_on_pepper_purpose_and_value(pepper, purpose, value, other):
    assert keyed(pepper, purpose, value) == keyed(pepper, purpose, value)
    assert keyed(pepper, purpose, value) != keyed(*other)
    assert len(keyed(pepper, purpose, value)) == 32 and len(keyed(pepper, purpose, value, 16)) == 16


@pytest.mark.parametrize("kind, erased", [("s", ERASED), ("l", [ERASED]), ("d", {}), ("o", None)])
def test_an_erased_value_keeps_its_shape(kind, erased):
    assert erased_form(kind) == erased


def test_personal_attributes_are_sealed_and_read_back():
    ring = keyring()
    log = DirectoryLog(keyring=ring, personal=SPEC)
    log.save(appeared())
    stored = log.recorder.select_events(account_id("1000001"))[0].state.decode()
    for value in ("DUPONT", "Zoé", "12/03/2011"):
        assert value not in stored
    assert "0750001A$3A" in stored  # structural attributes stay in clear
    attrs = json.loads(stored)["attrs"]
    assert attrs["mail"] == []  # nothing to seal in an empty value
    # The personal values sealed together, named with their kinds (their erased forms' shapes).
    assert set(attrs) == {"mail", "ENTEleveClasses", GROUP}
    assert attrs[GROUP]["f"] == {"sn": "l", "givenName": "l", "ENTPersonDateNaissance": "l"}
    assert log.get(account_id("1000001")).attrs == ATTRS


def test_destroying_the_key_erases_the_person_not_the_facts():
    ring = keyring()
    log = DirectoryLog(keyring=ring, personal=SPEC)
    log.save(appeared("1000001"), appeared("1000002", {**ATTRS, "sn": ["MARTIN"]}))
    assert ring.destroy([str(account_id("1000001"))], AT) == 1
    erased, kept = log.get(account_id("1000001")), log.get(account_id("1000002"))
    assert erased.attrs == {**ATTRS, "sn": [ERASED], "givenName": [ERASED], "ENTPersonDateNaissance": [ERASED]}
    assert (erased.jointure, erased.category, erased.first_seen) == ("1000001", "Eleve", AT)
    assert kept.attrs["sn"] == ["MARTIN"]
    assert [t.subject for t in ring.destroyed()] == [str(account_id("1000001"))]


def test_a_destroyed_key_stays_destroyed_for_another_process(tmp_path):
    path = str(tmp_path / "keys.db")
    writer, reader = keyring(path), keyring(path)
    key_id, secret = writer.key_for("s1")
    writer.flush()
    assert reader.key(key_id) == secret
    writer.destroy(["s1"], AT)
    assert reader.key(key_id) == secret  # cached until told
    reader.refresh()
    assert reader.key(key_id) is None
    assert writer.key_for("s1")[0] != key_id  # a subject erased then seen again gets a new key


def test_keys_are_written_before_the_events_that_use_them(tmp_path):
    path = str(tmp_path / "store.db")
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    DirectoryLog(env=env, keyring=keyring(path), personal=SPEC).save(appeared())
    # Another process, which never saw the first one's keys, reads the person.
    assert DirectoryLog(env=env, keyring=keyring(path), personal=SPEC).get(account_id("1000001")).attrs == ATTRS


def test_the_pepper_is_the_stores_own_and_never_destroyed(tmp_path):
    path = str(tmp_path / "keys.db")
    first, again, other = keyring(path), keyring(path), keyring(str(tmp_path / "other.db"))
    assert first.pepper() == again.pepper() != other.pepper()
    assert first.destroy(["store"], AT) == 0 and first.pepper() == again.pepper()
    assert PEPPER_ID not in {t.key_id for t in first.destroyed()}


def test_a_ciphertext_moved_under_another_key_does_not_open():
    ring = keyring()
    log = DirectoryLog(keyring=ring, personal=SPEC)
    log.save(appeared("1000001"), appeared("1000002"))
    one, two = (log.recorder.select_events(account_id(j))[0] for j in ("1000001", "1000002"))
    state = json.loads(one.state)
    state["attrs"][GROUP]["k"] = json.loads(two.state)["attrs"][GROUP]["k"]
    with pytest.raises(InvalidTag):
        log.mapper.to_domain_event(replace(one, state=json.dumps(state).encode()))


def test_a_value_stored_in_clear_by_an_earlier_release_reads_as_it_was():
    plain = DirectoryLog()  # no key ring: what an earlier release wrote
    plain.save(appeared())
    sealed = DirectoryLog(keyring=keyring(), personal=SPEC)
    stored = plain.recorder.select_events(account_id("1000001"))[0]
    assert sealed.mapper.to_domain_event(stored).attrs == ATTRS


def test_lists_and_their_elements_are_sealed_where_the_table_says():
    spec = {Account.Appeared.TOPIC: (Path("attrs", keys=PERSONAL), Path("file"))}
    ring = keyring()
    log = DirectoryLog(keyring=ring, personal=spec)
    log.save(appeared())
    state = json.loads(log.recorder.select_events(account_id("1000001"))[0].state)
    assert state["file"]["sealed"] == 1 and state["file"]["t"] == "s"
    ring.destroy([str(account_id("1000001"))], AT)
    assert log.get(account_id("1000001")).attrs["sn"] == [ERASED]


def test_the_bulk_path_seals_as_the_mapper_does():
    ring = keyring()
    log = DirectoryLog(keyring=ring, personal=SPEC)
    bulk = NewAccounts(log.mapper, "Eleve", "dl", AT, DUE).stored_event(
        "1000001", json.dumps(ATTRS, ensure_ascii=False), "d1", "f.xml", 3
    )
    assert "DUPONT" not in bulk.state.decode()
    log.recorder.insert_events([bulk])
    assert log.get(account_id("1000001")).attrs == ATTRS
    ring.destroy([str(account_id("1000001"))], AT)
    assert log.get(account_id("1000001")).attrs["givenName"] == [ERASED]


def test_ldap_attributes_the_formats_do_not_list_are_sealed_when_a_real_file_has_them():
    from events.personal_paths import compiled

    attrs = {**ATTRS, "cn": ["Zoé DUPONT"], "displayName": ["DUPONT Zoé"], "ENTPersonLogin": ["zdupont"]}
    log = DirectoryLog(keyring=keyring(), personal=compiled())
    log.save(appeared(attrs=attrs))
    stored = log.recorder.select_events(account_id("1000001"))[0].state.decode()
    assert "DUPONT" not in stored and "zdupont" not in stored
    assert log.get(account_id("1000001")).attrs == attrs
