"""The store upgrade (events/usecases/upgrade.py, domain-rules §12): its
decisions as tables, and on the in-memory twin a store declared by an
earlier release whose read model that release's rules built. The store the
release before 0.2.0 really left (its log, its read model, the deliveries
read again) is upgraded on SQLite and PostgreSQL in
tests/integration/test_upgrade.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.account import Account, account_id
from events.store import Store
from events.structure import SourceRecord
from events.upgrade import RULES, upgrade_id
from events.usecases import upgrade
from events.usecases.upgrade import ActiveAccount, ChangedRejection, Classification

T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
RELEASE = "9.9.9"


@pytest.mark.parametrize(
    ("declared_by", "read_model", "rules"),
    [
        (None, RULES, RULES),  # declared by no release (before the declaration existed): the read model says
        (None, 0, RULES),  # nothing folded yet: this release's
        (None, 1, 1),  # a read model built before its rules were tracked (0.1.0)
        ("0.1.0", RULES, 1),  # declared by 0.1.0, whatever the read model says
        ("0.4.0", RULES, RULES),
        ("0.4.0", 1, 1),
    ],
)
def test_the_rules_that_built_a_store_are_the_older_of_its_declaration_and_its_read_model(
    declared_by, read_model, rules
):
    assert upgrade.rules_of(declared_by, read_model) == rules


def c(jointure: str, profile: str, function: str = "") -> Classification:
    return Classification(f"a-{jointure}", jointure, profile, function)


def test_a_correction_per_column_the_rules_set_otherwise():
    live = [c("T1", "NON_ENSEIGNANT"), c("T2", "ENSEIGNANT", "ENS"), c("E1", "ELEVE")]
    rebuilt = [c("E1", "ELEVE"), c("T1", "ENSEIGNANT", "ENS"), c("T2", "ENSEIGNANT", "ENS"), c("T3", "ENSEIGNANT")]
    assert upgrade.corrections(live, rebuilt) == [
        {"account_id": "a-T1", "jointure": "T1", "field": "profile", "before": "NON_ENSEIGNANT", "after": "ENSEIGNANT"},
        {"account_id": "a-T1", "jointure": "T1", "field": "function", "before": "", "after": "ENS"},
    ]  # T3 is not in the live read model: nothing to correct, the rebuild adds it


def test_deliveries_to_read_again_in_the_order_they_were_received():
    rows = [
        ChangedRejection("d-a", "ENTACNM", "2026-09-05T06:00:00+00:00", "missing_ine", 12),
        ChangedRejection("d-a", "ENTACNM", "2026-09-05T06:00:00+00:00", "unknown_record", 1),
        ChangedRejection("d-b", "ENTACNM", "2026-09-01T06:00:00+00:00", "invalid_uai", 2),
    ]
    assert upgrade.rereads(rows) == [
        {"delivery_id": "d-b", "source": "ENTACNM", "reasons": {"invalid_uai": 2}},
        {"delivery_id": "d-a", "source": "ENTACNM", "reasons": {"missing_ine": 12, "unknown_record": 1}},
    ]


def test_active_teachers_of_no_served_structure_are_kept_and_listed():
    active = [ActiveAccount("a-T1", "T1", "active"), ActiveAccount("a-T2", "T2", "active")]
    assert upgrade.kept({"a-T2": ["S2"], "a-T9": ["S2"]}, active) == [
        {"jointure": "T2", "state": "active", "structures": ["S2"]}
    ]


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:")
    yield ctx
    ctx.close()


def given_structure(uow, sj: str, uai: str) -> None:
    attrs = {"ENTStructureUAI": [uai], "ENTStructureNomCourant": ["COLLEGE TEST"]}
    uow.log.save(SourceRecord(sj, "EtabEducNat", attrs, "d", "D0", "f.xml", 1, T0))


def given_teacher(uow, jointure: str, structure: str, created: bool = False) -> None:
    attrs = {
        "sn": ["X"],
        "givenName": ["Y"],
        "ENTPersonStructRattach": [structure],
        "PersEducNatPresenceDevantEleves": ["N"],  # common among teachers: 0.1.0 made them non-teachers
        "ENTPersonFonctions": [f"{structure}$ENS$$"],
    }
    account = Account(jointure, "PersEducNat", attrs, "d", "D0", "f.xml", 1, T0, DUE)
    if created:
        account.create_account(f"t.{jointure.lower()}", DUE)
    uow.log.save(account)


def given_a_store_of_0_1_0(uow) -> None:
    """Declared by 0.1.0; its read model says what 0.1.0's rules derived: T1
    a non-teacher, and T2 created although its only structure is not served
    (the replacement zone's code fails the check letter)."""
    uow.log.save(Store(simulation=False, declared_at=T0, release="0.1.0"))
    given_structure(uow, "S1", "0572001R")
    given_structure(uow, "S2", "0579999Z")
    given_teacher(uow, "T1", "S1")
    given_teacher(uow, "T2", "S2", created=True)
    uow.projection.catch_up(uow.log)
    uow.db.execute("UPDATE accounts SET profile = 'NON_ENSEIGNANT' WHERE jointure = 'T1'")


def profiles(uow) -> dict[str, str]:
    return {j: p for j, p in uow.db.query("SELECT jointure, profile FROM accounts ORDER BY jointure")}


def test_an_empty_store_and_a_store_of_this_release_need_no_upgrade(uow):
    assert not upgrade.needed(uow)
    given_structure(uow, "S1", "0572001R")
    given_teacher(uow, "T1", "S1")
    position = uow.log.max_position()
    assert not upgrade.needed(uow)
    assert upgrade.ensure(uow, RELEASE) is None
    report = upgrade.upgrade(uow, RELEASE)
    assert report.summary() == f"the store is up to date (rules {RULES})"
    assert uow.log.max_position() == position


def test_a_dry_run_says_what_the_upgrade_would_correct_and_records_nothing(uow):
    given_a_store_of_0_1_0(uow)
    position = uow.log.max_position()
    assert upgrade.needed(uow) and upgrade.store_rules(uow) == 1

    report = upgrade.upgrade(uow, RELEASE, dry_run=True)
    assert (report.needed, report.dry_run, report.previous_rules, report.rules) == (True, True, 1, RULES)
    assert [(x["jointure"], x["field"], x["before"], x["after"]) for x in report.corrections] == [
        ("T1", "profile", "NON_ENSEIGNANT", "ENSEIGNANT")
    ]
    assert report.reread == []  # the twin holds no delivery
    assert report.kept == [{"jointure": "T2", "state": "active", "structures": ["S2"]}]
    assert report.summary().startswith(f"store would be upgraded from rules 1 to {RULES}: 1 correction(s)")
    assert uow.log.max_position() == position and profiles(uow)["T1"] == "NON_ENSEIGNANT"
    assert not [t for (t,) in uow.db.query("SELECT name FROM sqlite_master") if t.startswith("upgrade_")]

    uow.dry_run = True  # a command run with --dry-run does not upgrade first
    assert upgrade.ensure(uow, RELEASE) is None and uow.log.max_position() == position


def test_a_command_that_writes_upgrades_first_once_without_moving_the_clock(uow):
    given_a_store_of_0_1_0(uow)
    last = uow.log.last_effective_time()
    position = uow.log.max_position()

    report = upgrade.ensure(uow, RELEASE)
    assert report is not None and not report.dry_run
    assert report.notice().startswith(f"store was upgraded from rules 1 to {RULES}: 1 correction(s), 0 delivery")
    assert [type(e).__qualname__ for _, e in uow.log.iter_events(after=position)] == [
        "Account.Reclassified",
        "Upgrade.Recorded",
    ]
    (reclassified,) = [e for _, e in uow.log.iter_events(after=position)][:1]
    assert (reclassified.field, reclassified.rule, reclassified.release, reclassified.at) == (
        "profile",
        "teacher_profile",
        RELEASE,
        last,
    )
    recorded = uow.log.get(upgrade_id(RULES))
    assert (recorded.previous_rules, recorded.corrections, recorded.at) == (1, {"profile": 1}, last)
    assert uow.log.get(account_id("T2")).state == "active"  # kept
    assert profiles(uow) == {"T1": "ENSEIGNANT", "T2": "ENSEIGNANT"}  # the read model rebuilt by this release
    assert uow.projection.rules() == RULES

    assert not upgrade.needed(uow) and upgrade.ensure(uow, RELEASE) is None  # once
    assert upgrade.upgrade(uow, RELEASE).needed is False


# ---- the overwrites the rule before issue 15 missed (events/usecases/upgrade_overwrites.py)
GUARDIAN = {"sn": ["Dumont"], "givenName": ["Patrick"], "personalTitle": ["M"]}


def given_a_store_of_rules_2_with_a_missed_overwrite(uow) -> None:
    """A guardian retyped as the other parent, which the rule of rules 2 (a
    ratio of the whole name, 0.6) let through: recorded as it recorded it,
    a Changed and no OverwriteSuspected; and a typo corrected, not an overwrite."""
    uow.log.save(Store(simulation=False, declared_at=T0, release="0.2.0"))
    retyped = Account("G1", "PersRelEleve", GUARDIAN, "d", "D0", "f.xml", 1, T0, DUE)
    retyped.trigger_event(
        Account.Changed,
        attrs={**GUARDIAN, "givenName": ["Patricia"], "personalTitle": ["Mme"]},
        digest="d2",
        delivery_id="D1",
        file="g.xml",
        line=7,
        at=T0 + timedelta(days=1),
    )
    corrected = Account("G2", "PersRelEleve", GUARDIAN, "d", "D0", "f.xml", 2, T0, DUE)
    corrected.record({**GUARDIAN, "sn": ["Dumond"]}, "d3", "D1", "g.xml", 8, T0 + timedelta(days=1), DUE - T0)
    uow.log.save(retyped, corrected)
    uow.projection.catch_up(uow.log)
    uow.db.execute("UPDATE tracking SET position = 2 WHERE name = 'directory.rules'")


def test_the_upgrade_records_once_the_overwrites_the_earlier_rule_missed(uow):
    given_a_store_of_rules_2_with_a_missed_overwrite(uow)
    assert upgrade.needed(uow) and upgrade.store_rules(uow) == 2
    position = uow.log.max_position()

    dry = upgrade.upgrade(uow, RELEASE, dry_run=True)
    assert [(o["jointure"], o["delivery_id"], o["file"], o["line"]) for o in dry.overwrites] == [
        ("G1", "D1", "g.xml", 7)
    ]
    assert "given_name_replaced" in dry.overwrites[0]["reasons"] and "Patricia" not in str(dry.as_dict())
    assert dry.reread == [] and uow.log.max_position() == position

    report = upgrade.upgrade(uow, RELEASE)
    assert "1 suspected overwrite(s) found in the log, 0 SIECLE" in report.summary()
    added = [e for _, e in uow.log.iter_events(after=position)]
    assert [type(e).__qualname__ for e in added] == ["Account.OverwriteSuspected", "Upgrade.Recorded"]
    assert (added[0].originator_id, added[0].delivery_id, added[0].line) == (account_id("G1"), "D1", 7)
    assert added[0].after["givenName"] == ["Patricia"] and added[0].at == T0 + timedelta(days=1)
    assert added[1].corrections == {"overwrite_suspected": 1}
    assert [r[0] for r in uow.db.query("SELECT account_id FROM overwrites")] == [str(account_id("G1"))]

    assert not upgrade.needed(uow) and upgrade.upgrade(uow, RELEASE).needed is False  # once
    assert upgrade.missed_overwrites(uow.log.iter_events(), uow.policy.overwrite_name_similarity) == []


def test_an_overwrite_recorded_by_an_upgrade_after_later_facts_is_named_by_it(uow):
    given_a_store_of_rules_2_with_a_missed_overwrite(uow)
    retyped = uow.log.get(account_id("G1"))
    retyped.leave("absent_from_complete", "D2", T0 + timedelta(days=2), DUE, False)  # a fact after the record
    uow.log.save(retyped)
    threshold = uow.policy.overwrite_name_similarity
    (missed,) = upgrade.missed_overwrites(uow.log.iter_events(), threshold)
    assert (missed.jointure, missed.version, missed.line) == ("G1", 2, 7)
    upgrade.upgrade(uow, RELEASE)
    assert upgrade.missed_overwrites(uow.log.iter_events(), threshold) == []
