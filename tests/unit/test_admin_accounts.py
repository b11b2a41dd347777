"""Manual accounts on the in-memory twin (domain-rules §1, §3, §6, issue 13):
given an ingested AAF delivery, when an admin creates a manual account, then
it is active at once with its login, profile, free group and end date — or
refused, recording nothing, when the person has an account pending or
existing; 48 h later the AAF account is created; an operator may force; the
clock removes the account at its end date. The CLI on SQLite and PostgreSQL:
tests/integration/test_manual_accounts.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

from daemon import bootstrap
from daemon.history.account import history
from events.account import Account
from events.manual_groups import ManualGroups, manual_groups_id
from events.manual_rules import CONTRACT_STAFF, WHY, ManualRefused
from events.usecases import admin_groups
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_accounts import CreateManualAccount, create_manual_account
from events.usecases.tick import tick
from generator.cli import run as generate
from projections import account_queries
from projections.group_queries import manual_group_streams
from projections.schema import dump
from projections.structure_queries import classes

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=20)
DUE = T0 + timedelta(hours=48)
UAI = "0425310U"


@pytest.fixture(scope="module")
def delivery(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("manual")
    assert generate([str(root), "--students", "30", "--seed", "5", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    return root / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]


@pytest.fixture
def uow(delivery):
    ctx = bootstrap.build("memory:", simulation=True)
    ingest(str(delivery), ctx, T0)
    yield ctx
    ctx.close()


def staff(uow, profile: str = "NON_ENSEIGNANT") -> dict:
    """A pending national-education staff member of the delivery."""
    row = uow.db.query_dicts(
        "SELECT jointure, attrs FROM accounts WHERE category = 'PersEducNat' AND profile = ? ORDER BY jointure",
        (profile,),
    )[0]
    attrs = json.loads(row["attrs"])
    return {
        "jointure": row["jointure"],
        "given": attrs["givenName"][0],
        "family": attrs["sn"][0],
        "birth": attrs["ENTPersonDateNaissance"][0],
        "mail": attrs["mail"][0],
    }


def request(given="Nadia", family="Benali", birth="1984-03-12", **kw) -> CreateManualAccount:
    kw.setdefault("category", "social_worker")
    kw.setdefault("uai", UAI)
    kw.setdefault("author", "ops")
    if "end" not in kw:
        kw.setdefault("perenne", True)
    return CreateManualAccount(given_name=given, family_name=family, birth_date=birth, **kw)


def recorded_since(uow, position: int) -> list[str]:
    return [type(event).__qualname__ for _, event in uow.log.iter_events(after=position)]


def test_a_manual_account_is_active_at_once_with_its_login_profile_and_group(uow):
    position = uow.log.max_position()
    made = create_manual_account(request(end=datetime(2027, 7, 4, tzinfo=timezone.utc)), uow, T1)
    assert recorded_since(uow, position) == [
        "Account.ManualCreated",
        "Login.Reserved",
        "ManualGroups.Opened",
        "ManualGroups.GroupCreated",
        "ManualGroups.MembersAdded",
    ]
    assert (made.login, made.profile, made.free_group, made.free_group_code, made.author) == (
        "nadia.benali",
        "NON_ENSEIGNANT",
        "Médico-social",
        "MEDSOC",
        "ops",
    )
    listed = [a for a in account_queries.accounts(uow.db, uai=UAI) if a["jointure"] == made.jointure]
    assert [(a["category"], a["profile"], a["state"], a["login"], a["removal_due"]) for a in listed] == [
        ("social_worker", "NON_ENSEIGNANT", "active", "nadia.benali", "2027-07-04T00:00:00+00:00")
    ]
    fact = list(uow.log.events.get(UUID(made.account_id)))[0]
    assert (fact.free_group, fact.author, fact.end) == ("Médico-social", "ops", made.end)
    assert uow.log.get(UUID(made.account_id)).login == made.login


def free_group(uow, code: str) -> dict:
    return next(e for e in classes(uow.db, UAI, members=True) if (e["kind"], e["code"]) == ("free", code))


def test_a_manual_account_joins_its_categorys_free_group_in_the_same_save(uow):
    first = create_manual_account(request("Marc", "Petit", "1970-01-01", category="attee", author="etab"), uow, T1)
    position = uow.log.max_position()
    second = create_manual_account(request("Lina", "Roux", "1980-05-05", category="attee", author="ops2"), uow, T1)
    assert recorded_since(uow, position) == ["Account.ManualCreated", "Login.Reserved", "ManualGroups.MembersAdded"]
    group = free_group(uow, "AGENTS")
    assert (group["name"], group["teachers"]) == ("Agents", 2)
    assert {(m["login"], m["source"]) for m in group["members"]} == {(first.login, "manual"), (second.login, "manual")}
    stream = uow.log.get(manual_groups_id(UAI))
    assert stream.free == {"AGENTS": "Agents"} and stream.members_of("free", "AGENTS") == [
        first.account_id,
        second.account_id,
    ]
    facts = [e for e in uow.log.events.get(manual_groups_id(UAI)) if isinstance(e, ManualGroups.MembersAdded)]
    assert [(f.members, f.author, f.at) for f in facts] == [
        ([first.account_id], "etab", T1),
        ([second.account_id], "ops2", T1),
    ]
    detail = account_queries.account_detail(uow.db, second.login)
    assert [(a["uai"], a["kind"], a["code"], a["name"], a["author"]) for a in detail["assigned"]] == [
        (UAI, "free", "AGENTS", "Agents", "ops2")
    ]


def test_the_free_group_is_found_by_its_name_and_its_code_never_taken_twice(uow):
    admin_groups.create_group(uow, UAI, "AGENTS", "Cantine", "ops", T1)  # an administrator's own group
    made = create_manual_account(request("Marc", "Petit", "1970-01-01", category="attee"), uow, T1)
    assert made.free_group_code == "AGENTS2" and free_group(uow, "AGENTS2")["name"] == "Agents"
    admin_groups.create_group(uow, UAI, "TUT", "Tuteurs", "ops", T1)
    tutor = create_manual_account(request("Paul", "Durand", "1975-02-02", category="external_tutor"), uow, T1)
    assert tutor.free_group_code == "TUT"
    assert [m["login"] for m in free_group(uow, "TUT")["members"]] == [tutor.login]


def test_its_history_shows_the_group_facts_with_their_author(uow):
    made = create_manual_account(request(category="attee", author="etab"), uow, T1)
    later = T1 + timedelta(days=1)
    admin_groups.create_group(uow, UAI, "CANT", "Cantine", "ops", later)
    admin_groups.add_members(uow, UAI, "free", "CANT", [made.login], "ops", later)
    admin_groups.remove_members(uow, UAI, "free", "AGENTS", [made.login], "ops", "mutée", later)
    entries = history(uow.log, made.jointure, manual_group_streams(uow.db))
    assert [(e["event"], e.get("code"), e["author"], e.get("reason")) for e in entries] == [
        ("ManualCreated", None, "etab", None),
        ("ManualGroups.MembersAdded", "AGENTS", "etab", None),
        ("ManualGroups.MembersAdded", "CANT", "ops", None),
        ("ManualGroups.MembersRemoved", "AGENTS", "ops", "mutée"),
    ]
    assert entries[0]["free_group"] == "Agents" and entries[1]["name"] == "Agents" and entries[1]["uai"] == UAI
    assert history(uow.log, "nobody", manual_group_streams(uow.db)) == []


def test_the_login_follows_the_rules_and_is_never_reused(uow):
    first = create_manual_account(request(), uow, T1)
    second = create_manual_account(request(birth="1990-01-01", category="guest"), uow, T1)
    assert (first.login, second.login) == ("nadia.benali", "nadia.benali2")


def test_refused_while_the_aaf_account_is_pending_then_created_at_48_hours(uow):
    person = staff(uow)
    position = uow.log.max_position()
    with pytest.raises(ManualRefused) as refused:
        create_manual_account(request(person["given"], person["family"], person["birth"], category="guest"), uow, T1)
    message = str(refused.value)
    assert refused.value.code == "matches_existing"
    assert f"account {person['jointure']} has the same name and birth date and is pending" in message
    assert f"its creation is due at {DUE.isoformat()}" in message
    assert WHY in message and CONTRACT_STAFF in message
    assert person["family"] not in message  # no personal data but the account's key
    assert recorded_since(uow, position) == []

    tick(uow, DUE)
    aaf = account_queries.find_account(uow.db, person["jointure"])
    assert aaf["state"] == "active"
    with pytest.raises(ManualRefused, match="is active"):
        create_manual_account(request(person["given"].upper(), person["family"], person["birth"]), uow, DUE)


def test_the_academie_mail_matches_too(uow):
    person = staff(uow, "ENSEIGNANT")
    with pytest.raises(ManualRefused, match="the same académie e-mail"):
        create_manual_account(request(mail=person["mail"].upper()), uow, T1)


def test_an_etab_admin_is_told_only_of_another_establishment(uow):
    elsewhere = {"givenName": ["Nadia"], "sn": ["Benali"], "ENTPersonDateNaissance": ["12/03/1984"]}
    uow.log.save(Account("X1", "PersEducNat", elsewhere, "d", "D9", "f.xml", 1, T0, DUE))
    scope = frozenset({UAI})
    with pytest.raises(ManualRefused) as refused:
        create_manual_account(request(scope=scope), uow, T1)
    assert "exists in another establishment" in str(refused.value) and "X1" not in str(refused.value)
    with pytest.raises(ManualRefused, match="only an operator may force"):
        create_manual_account(request(scope=scope, force=True, reason="urgent"), uow, T1)
    with pytest.raises(ManualRefused) as refused:
        create_manual_account(request(uai="0011068F", scope=scope), uow, T1)
    assert refused.value.code == "out_of_scope"


def test_an_operator_forces_with_a_reason_recorded_with_the_account(uow):
    person = staff(uow)
    with pytest.raises(ManualRefused) as refused:
        create_manual_account(request(person["given"], person["family"], person["birth"], force=True), uow, T1)
    assert refused.value.code == "no_reason"
    made = create_manual_account(
        request(person["given"], person["family"], person["birth"], force=True, reason="contrat annulé"), uow, T1
    )
    assert made.overrides == [person["jointure"]] and made.reason == "contrat annulé"
    created = history(uow.log, made.jointure)[0]
    assert (created["author"], created["reason"], created["overrides"]) == (
        "ops",
        "contrat annulé",
        [person["jointure"]],
    )
    fact = list(uow.log.events.get(UUID(made.account_id)))[0]
    assert (fact.author, fact.reason, fact.overrides) == ("ops", "contrat annulé", [person["jointure"]])


def test_an_unknown_establishment_is_refused(uow):
    with pytest.raises(ManualRefused) as refused:
        create_manual_account(request(uai="0011068F"), uow, T1)
    assert refused.value.code == "unknown_uai"


def test_the_clock_removes_it_at_its_end_date_and_replay_rebuilds_it(uow):
    end = T1 + timedelta(days=10)
    made = create_manual_account(request(end=end), uow, T1)
    perenne = create_manual_account(request("Marc", "Petit", "1970-01-01", category="attee"), uow, T1)
    _, before = tick(uow, end - timedelta(seconds=1))
    assert made.account_id not in {t.account_id for t in before}
    _, transitions = tick(uow, end)
    assert [(t.kind, t.reason) for t in transitions if t.account_id == made.account_id] == [("remove", "end_date")]
    assert account_queries.find_account(uow.db, made.login)["state"] == "removed"
    assert account_queries.find_account(uow.db, perenne.login)["state"] == "active"
    # Its membership ends with it: no listing shows it, its detail names no group; the fact stays.
    assert [m["login"] for m in free_group(uow, "MEDSOC")["members"]] == []
    assert "assigned" not in account_queries.account_detail(uow.db, made.login)
    assert [m["login"] for m in free_group(uow, "AGENTS")["members"]] == [perenne.login]

    live = dump(uow.db)
    uow.projection.reset()
    uow.projection.catch_up(uow.log)
    assert dump(uow.db) == live


def test_a_later_complete_delivery_leaves_manual_accounts_alone(tmp_path):
    """The AAF decides who has an AAF account, not who has a manual one: a
    complete delivery does not make a manual account depart by absence."""
    assert generate([str(tmp_path), "--students", "30", "--seed", "5"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    first, second = (
        tmp_path / manifest["deliveries"][f"{manifest['dates'][d]}-complet"]["path"] for d in ("first", "second")
    )
    ctx = bootstrap.build("memory:", simulation=True)
    try:
        ingest(str(first), ctx, T0)
        made = create_manual_account(request(), ctx, T1)
        result = ingest(str(second), ctx, datetime(2026, 11, 5, 6, tzinfo=timezone.utc))
        assert result.status == "applied"
        assert account_queries.find_account(ctx.db, made.login)["state"] == "active"
    finally:
        ctx.close()
