"""The admin actions on groups on the in-memory twin (domain-rules §2
option 3, issue 13): given an establishment and its accounts, when an
operator creates, renames and deletes free groups and assigns members by
hand, then each action is a fact with its author, `classes` shows the
groups and members with their source, a refusal records nothing, and a
rebuild of the read model from the log equals it. On SQLite and PostgreSQL
through the CLI, across imports: tests/integration/test_manual_groups.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.account import Account
from events.group_rules import GroupRefused
from events.manual_groups import ManualGroups
from events.structure import GroupSource, SourceRecord
from events.usecases import admin_groups as uc
from projections.directory import DirectoryProjection
from projections.schema import drop, dump
from projections.structure_queries import classes

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
LATER = T0 + timedelta(days=3)
UAI = "0571994H"


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    ctx.log.save(
        SourceRecord(
            "S1",
            "EtabEducNat",
            {"ENTStructureUAI": [UAI], "ENTStructureClasses": ["3EME1$3e 1"], "ENTStructureGroupes": ["ALL2$Allemand"]},
            "d",
            "D0",
            "s.xml",
            1,
            T0,
        ),
        SourceRecord("S2", "EtabEducNat", {"ENTStructureUAI": ["0011068F"]}, "d", "D0", "s.xml", 2, T0),
    )
    for jointure, sj in (("E1", "S1"), ("E2", "S1"), ("E3", "S2")):
        attrs = {"givenName": [jointure], "sn": ["Nom"], "ENTEleveClasses": [f"{sj}$3EME1"]}
        ctx.log.save(Account(jointure, "Eleve", attrs, "d", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))
    ctx.projection.catch_up(ctx.log)
    yield ctx
    ctx.close()


def entry(uow, kind: str, code: str) -> dict:
    return next(e for e in classes(uow.db, UAI, members=True) if (e["kind"], e["code"]) == (kind, code))


def refused(call) -> str:
    with pytest.raises(GroupRefused) as caught:
        call()
    return caught.value.code


def test_a_free_group_lives_its_life_and_every_action_is_a_fact(uow):
    done = uc.create_group(uow, UAI, "MEDSOC", "Médico-social", "ops", LATER)
    assert (done.action, done.code, done.name, done.author, done.at) == (
        "create",
        "MEDSOC",
        "Médico-social",
        "ops",
        LATER,
    )
    uc.add_members(uow, UAI, "free", "MEDSOC", ["E1", "E2"], "ops", LATER)
    got = entry(uow, "free", "MEDSOC")
    assert (got["name"], got["population"], got["students"]) == ("Médico-social", "manual", 2)
    assert [(m["jointure"], m["source"]) for m in got["members"]] == [("E1", "manual"), ("E2", "manual")]

    uc.rename_group(uow, UAI, "MEDSOC", "Santé social", "ana", LATER)
    uc.remove_members(uow, UAI, "free", "MEDSOC", ["E2"], "ana", "erreur de saisie", LATER)
    got = entry(uow, "free", "MEDSOC")
    assert (got["name"], [m["jointure"] for m in got["members"]]) == ("Santé social", ["E1"])

    deleted = uc.delete_group(uow, UAI, "MEDSOC", "ana", "fin du dispositif", LATER)
    assert (deleted.name, len(deleted.members), deleted.reason) == ("Santé social", 1, "fin du dispositif")
    assert all(e["kind"] != "free" for e in classes(uow.db, UAI))
    recorded = [e for _, e in uow.log.iter_events() if isinstance(e, ManualGroups.Event)]
    assert [type(e).__qualname__.split(".")[1] for e in recorded] == [
        "Opened",
        "GroupCreated",
        "MembersAdded",
        "GroupRenamed",
        "MembersRemoved",
        "GroupDeleted",
    ]
    assert [getattr(e, "author", None) for e in recorded[1:]] == ["ops", "ops", "ana", "ana", "ana"]
    # The code may be used again once deleted.
    uc.create_group(uow, UAI, "MEDSOC", "Médico-social", "ops", LATER)


def test_class_members_by_hand_only_with_the_manual_source(uow):
    assert refused(lambda: uc.add_members(uow, UAI, "group", "ALL2", ["E1"], "ops", LATER)) == "not_manual"
    uow.log.save(GroupSource(uai=UAI, source="manual", operator="ops", at=LATER))
    uc.add_members(uow, UAI, "group", "ALL2", ["E1", "E2"], "ops", LATER)
    got = entry(uow, "group", "ALL2")
    assert (got["population"], got["students"]) == ("manual", 2)
    # E1 and E2 are in 3EME1 by their record: a hand assignment adds, the record's members have no source.
    uc.add_members(uow, UAI, "class", "3EME1", ["E1"], "ops", LATER)
    got = entry(uow, "class", "3EME1")
    assert got["students"] == 2
    assert [m.get("source") for m in got["members"]] == [None, None]


def test_refusals_record_nothing(uow):
    uc.create_group(uow, UAI, "AGENTS", "Agents", "ops", LATER)
    uc.add_members(uow, UAI, "free", "AGENTS", ["E1"], "ops", LATER)
    position = uow.log.max_position()
    cases = {
        "duplicate": lambda: uc.create_group(uow, UAI, "AGENTS", "Autres", "ops", LATER),
        "malformed_code": lambda: uc.create_group(uow, UAI, "TROP-LONG-CODE", "x", "ops", LATER),
        "unknown_group": lambda: uc.rename_group(uow, UAI, "TUTEURS", "Tuteurs", "ops", LATER),
        "no_reason": lambda: uc.delete_group(uow, UAI, "AGENTS", "ops", " ", LATER),
        "other_establishment": lambda: uc.add_members(uow, UAI, "free", "AGENTS", ["E3"], "ops", LATER),
        "unknown_account": lambda: uc.add_members(uow, UAI, "free", "AGENTS", ["NOBODY"], "ops", LATER),
        "already_member": lambda: uc.add_members(uow, UAI, "free", "AGENTS", ["E1"], "ops", LATER),
        "not_member": lambda: uc.remove_members(uow, UAI, "free", "AGENTS", ["E2"], "ops", "r", LATER),
    }
    assert {code: refused(call) for code, call in cases.items()} == {code: code for code in cases}
    with pytest.raises(LookupError):
        uc.create_group(uow, "0880054F", "AGENTS", "Agents", "ops", LATER)
    assert uow.log.max_position() == position


def test_the_log_rebuilds_the_same_read_model(uow):
    uow.log.save(GroupSource(uai=UAI, source="manual", operator="ops", at=LATER))
    uc.create_group(uow, UAI, "TUT", "Tuteurs", "ops", LATER)
    uc.add_members(uow, UAI, "free", "TUT", ["E1", "E2"], "ops", LATER)
    uc.add_members(uow, UAI, "group", "ALL2", ["E2"], "ops", LATER)
    uc.remove_members(uow, UAI, "free", "TUT", ["E1"], "ops", "parti", LATER)
    uc.create_group(uow, UAI, "AG", "Agents", "ops", LATER)
    uc.delete_group(uow, UAI, "AG", "ops", "doublon", LATER)
    rebuilt = DirectoryProjection(uow.db, prefix="rb_")
    rebuilt.catch_up(uow.log)
    live, again = dump(uow.db), dump(uow.db, "rb_")
    assert live["manual_memberships"] and live["manual_groups"]
    assert again == live
    drop(uow.db, "rb_")
