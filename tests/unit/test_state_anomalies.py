"""The anomalies that are states of the directory (issue 15), on the
in-memory twin: a guest account for a person the AAF carries, a teacher no
source gives a class, a pupil the AAF puts in no class — each named with the
source that lacks, and gone once the cause is. SQLite and PostgreSQL through
`entsync anomalies`: tests/integration/test_anomaly_listing.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.account import Account
from events.usecases.aaf_ingest import ingest
from events.usecases.admin_accounts import create_manual_account
from events.usecases.admin_merge import MergeAccounts, merge_accounts
from events.usecases.tick import tick
from projections import state_anomalies
from projections.anomaly_queries import anomalies
from tests.unit.test_admin_accounts import delivery  # noqa: F401 (fixture)
from tests.unit.test_admin_accounts import request as manual_request

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=48)
LATER = DUE + timedelta(days=1)
SJ = "SJ-LISTING"
TEACHER = {"sn": ["Durand"], "givenName": ["Éloïse"], "ENTPersonDateNaissance": ["12/03/1984"]}
MINE = {"T1", "T2", "P1", "P2"}


@pytest.fixture
def uow(delivery):  # noqa: F811 (the fixture imported above)
    ctx = bootstrap.build("memory:", simulation=True)
    ingest(str(delivery), ctx, T0)
    records = {
        "T1": ("PersEducNat", {**TEACHER, "ENTPersonFonctions": [f"{SJ}$ENS"], "ENTAuxEnsClasses": [f"{SJ}$2A"]}),
        "T2": ("PersEducNat", {"sn": ["Roux"], "givenName": ["Paul"], "ENTPersonFonctions": [f"{SJ}$ENS"]}),
        "P1": ("Eleve", {"sn": ["Blanc"], "givenName": ["Léo"], "ENTEleveClasses": [f"{SJ}$2A"]}),
        "P2": ("Eleve", {"sn": ["Noir"], "givenName": ["Zoé"], "ENTPersonStructRattach": [SJ]}),
    }
    for jointure, (category, attrs) in records.items():
        ctx.log.save(Account(jointure, category, attrs, "d", "D0", "f.xml", 1, T0, DUE))
    ctx.projection.catch_up(ctx.log)
    tick(ctx, DUE)
    yield ctx
    ctx.close()


def listed(uow, kind: str) -> dict[str, str]:
    return {r["jointure"]: r["detail"] for r in anomalies(uow.db, LATER, timedelta(hours=1)) if r["anomaly"] == kind}


def test_a_teacher_no_source_gives_a_class_is_listed_with_what_each_source_lacks(uow):
    rows = listed(uow, "teacher_without_classes")
    assert {j for j in rows if j in MINE} == {"T2"}
    assert rows["T2"].startswith("no class or group from any source: AAF: no ENTAuxEnsClasses or ENTAuxEnsGroupes")


def test_a_pupil_the_aaf_puts_in_no_class_is_listed(uow):
    rows = listed(uow, "pupil_without_class")
    assert {j for j in rows if j in MINE} == {"P2"}
    assert rows["P2"] == "AAF: no ENTEleveClasses"


def test_a_guest_account_for_a_teacher_the_aaf_carries_is_listed_until_merged(uow):
    assert state_anomalies.manual_accounts_of_aaf_persons(uow.db) == []
    guest = create_manual_account(
        manual_request("Eloise", "DURAND", "1984-03-12", category="guest", force=True, reason="arrivée avant l'AAF"),
        uow,
        LATER,
    )
    uow.projection.catch_up(uow.log)
    # Another spelling of the same name (accent, case), the same birth date: the same person.
    rows = [r for r in anomalies(uow.db, LATER, timedelta(hours=1)) if r["anomaly"] == "manual_account_of_aaf_person"]
    assert [(r["jointure"], r["profile"], r["state"]) for r in rows] == [(guest.jointure, guest.profile, "active")]
    assert rows[0]["detail"] == (
        f"same name and birth date as the AAF account T1 (active); merge them: entsync admin merge T1 {guest.jointure}"
    )
    assert "Durand" not in rows[0]["detail"] and "1984" not in rows[0]["detail"]  # ids only, never the values
    merge_accounts(MergeAccounts("T1", guest.jointure, "ops", "une seule personne"), uow, LATER + timedelta(hours=1))
    uow.projection.catch_up(uow.log)
    assert state_anomalies.manual_accounts_of_aaf_persons(uow.db) == []


def test_a_namesake_born_another_day_is_not_the_same_person(uow):
    create_manual_account(
        manual_request("Eloise", "Durand", "1990-01-01", category="guest", force=True, reason="homonyme"), uow, LATER
    )
    uow.projection.catch_up(uow.log)
    assert state_anomalies.manual_accounts_of_aaf_persons(uow.db) == []
