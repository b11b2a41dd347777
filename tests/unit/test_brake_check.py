"""The brake check on the in-memory twin: given these accounts (recorded as
events and folded into the read model), when these departures are checked,
then this hold or none (domain-rules §11, §12)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.account import Account
from events.policy import Policy
from events.structure import SourceRecord
from events.usecases.brake_check import brake_check, describe_brake, opens_school_year

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
NOVEMBER = datetime(2026, 11, 3, 6, tzinfo=timezone.utc)
STUDENT_LIMIT = {"students": {"share": 0.25, "minimum": 5}}


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", Policy(brakes=STUDENT_LIMIT), simulation=True)
    yield ctx
    ctx.close()


def given_structure(uow, sj: str, uai: str) -> None:
    attrs = {"ENTStructureUAI": [uai], "ENTStructureNomCourant": ["COLLEGE TEST"]}
    uow.log.save(SourceRecord(sj, "EtabEducNat", attrs, "d", "D0", "f.xml", 1, T0))


def given_account(uow, jointure: str, category: str, structure: str, mef: str = "") -> None:
    attrs = {"sn": ["X"], "givenName": ["Y"], "ENTPersonStructRattach": [structure]}
    if mef:
        attrs["ENTEleveMEF"] = [mef]
    uow.log.save(Account(jointure, category, attrs, "d", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))


def given_college(uow, students: int = 20, mef: str = "10010012110") -> None:
    given_structure(uow, "S1", "0750001A")
    for n in range(students):
        given_account(uow, f"E{n:03}", "Eleve", "S1", mef)
    uow.projection.catch_up(uow.log)


def leaving(n: int, reason: str = "absent_from_complete") -> list[tuple[str, str, str]]:
    return [("Eleve", f"E{i:03}", reason) for i in range(n)]


def test_no_departure_is_no_hold(uow):
    given_college(uow)
    assert brake_check(uow, [], NOVEMBER, "ENT_0750001A") is None


@pytest.mark.parametrize(("departing", "held"), [(4, False), (5, False), (6, True), (20, True)])
def test_a_share_over_the_limit_and_over_the_minimum_is_held(uow, departing, held):
    given_college(uow)
    result = brake_check(uow, leaving(departing), NOVEMBER, "ENT_0750001A")
    assert (result is not None) == held
    if held:
        (count,) = result["counts"]
        assert (count["uai"], count["population"], count["counted"], count["accounts"]) == (
            "0750001A",
            "students",
            departing,
            20,
        )
        assert describe_brake(result) == f"0750001A students ({departing} of 20, 0 expected not counted)"
        assert {d["jointure"] for d in result["departures"]} == {f"E{i:03}" for i in range(departing)}


@pytest.mark.parametrize(("mef", "held"), [("10310019110", False), ("10010012110", True)])
def test_final_year_students_leaving_at_the_rentree_are_expected(uow, mef, held):
    given_college(uow, mef=mef)  # 3e (the final year of a collège), else 6e
    assert opens_school_year(uow, T0, "ENT_0750001A")  # nothing applied yet: this delivery opens the year
    result = brake_check(uow, leaving(20), T0, "ENT_0750001A")
    assert (result is not None) == held
    if not held:
        return
    assert {d["expected"] for d in result["departures"]} == {""}


def test_unknown_persons_are_not_counted(uow):
    given_college(uow)
    strangers = [("Eleve", f"Z{i:03}", "absent_from_complete") for i in range(20)]
    assert brake_check(uow, strangers, NOVEMBER, "ENT_0750001A") is None
