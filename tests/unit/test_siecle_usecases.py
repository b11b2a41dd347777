"""The SIECLE use cases on the in-memory twin: given these accounts (recorded
as events), when this export is ingested or this AAF delivery followed up,
then these records, links and account decisions (formats §2; domain-rules
§11, Precedence).

The export is tests/fixtures/siecle/ElevesSansAdresses.xml (UAI 0693834T,
exported 02/04/2026): of its students 650001 (no leaving date), 650002
(left 13/02/2026) and 650003 (leaving 24/04/2026) are kept, five are
rejected."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from adapters.siecle.files import file_sha256
from daemon import bootstrap
from events.account import Account, account_id
from events.delivery import Delivery
from events.faults import CountingFaults
from events.policy import Policy
from events.siecle.ids import student_id
from events.structure import SourceRecord
from events.usecases import precedence, siecle_relink
from events.usecases.siecle_hold import reject_siecle, release_siecle
from events.usecases.siecle_import import ingest_siecle

FIXTURES = Path(__file__).parent.parent / "fixtures" / "siecle"
ELEVES = FIXTURES / "ElevesSansAdresses.xml"
UAI = "0693834T"
T0 = datetime(2026, 3, 30, 6, tzinfo=timezone.utc)
RECEIVED = datetime(2026, 4, 3, 6, tzinfo=timezone.utc)


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", Policy(), faults=CountingFaults(), simulation=True)
    yield ctx
    ctx.close()


def given_structure(uow, sj: str, uai: str) -> None:
    attrs = {"ENTStructureUAI": [uai], "ENTStructureNomCourant": ["COLLEGE TEST"]}
    uow.log.save(SourceRecord(sj, "EtabEducNat", attrs, "d", "D0", "f.xml", 1, T0))


def student(
    jointure: str, structure: str, eleve_id: str = "", ine: str = "", delivery: str = "d", at: datetime = T0
) -> Account:
    attrs = {"sn": ["X"], "givenName": ["Y"], "ENTPersonStructRattach": [structure]}
    if eleve_id:
        attrs["ENTEleveStructRattachId"] = [eleve_id]
    if ine:
        attrs["ENTEleveINE"] = [ine]
    return Account(jointure, "Eleve", attrs, "d", delivery, "f.xml", 1, at, at + timedelta(hours=48))


def given_college(uow) -> None:
    given_structure(uow, "S1", UAI)
    given_structure(uow, "S2", "0750001A")  # another establishment


def links(uow) -> dict[str, tuple[str, str, str]]:
    """ELEVE_ID → (jointure linked, rule, reason unresolved)."""
    jointures = {str(account_id(j)): j for j in ("E1", "E2", "E3", "E4", "E5")}
    return {
        eid: (jointures.get(link.account_id, link.account_id), link.rule, link.reason)
        for eid, link in uow.siecle_queries.links(UAI, "student").items()
    }


def state(uow, jointure: str) -> str:
    return uow.log.get(account_id(jointure)).state


def cleared(tmp_path: Path) -> Path:
    """The next day's export, 650002's leaving date withdrawn."""
    data = ELEVES.read_bytes()
    for before, after in (
        (b"<DATE_EXPORT>02/04/2026<", b"<DATE_EXPORT>03/04/2026<"),
        (b"<HORODATAGE>02/04/2026 ", b"<HORODATAGE>03/04/2026 "),
        (b"<DATE_SORTIE>13/02/2026<", b"<DATE_SORTIE>31/12/9999<"),
    ):
        assert data.count(before) == 1
        data = data.replace(before, after)
    path = tmp_path / ELEVES.name
    path.write_bytes(data)
    return path


def test_an_export_is_recorded_once_and_its_copy_refused(uow):
    given_college(uow)
    result = ingest_siecle(ELEVES, uow, RECEIVED)
    assert (result.status, result.uai, result.kind, result.exit_code) == ("applied", UAI, "eleves", 3)
    assert (result.counts["students_added"], result.counts["event_Enrolled"], result.counts["rejected"]) == (3, 3, 5)
    assert {r.record_id for r in result.rejections} == {"650004", "650005", "650006", "650007", "650008"}
    assert uow.siecle_queries.leaving_dates(UAI) == {"650001": "", "650002": "2026-02-13", "650003": "2026-04-24"}
    recorded = uow.log.max_position()

    again = ingest_siecle(ELEVES, uow, RECEIVED + timedelta(hours=1))
    assert (again.status, again.reason, again.exit_code) == ("rejected", "duplicate_file", 2)
    assert f"byte-identical to import {result.import_id}" in again.message
    assert uow.log.max_position() == recorded + 2  # the copy's receipt and rejection, nothing else
    assert [i.status for i in uow.siecle_queries.imports_of_file(file_sha256(ELEVES)[0])] == ["applied", "rejected"]


def test_students_are_correlated_by_eleve_id_then_ine_and_never_guessed(uow):
    given_college(uow)
    uow.log.save(
        student("E1", "S1", eleve_id="650001"),
        student("E2", "S2", eleve_id="999", ine="0701234568L"),  # 650002's INE, in another establishment
        student("E3", "S2", ine="0701234569M"),  # 650003's INE on two accounts: ambiguous
        student("E4", "S2", ine="0701234569M"),
        student("E5", "S1", eleve_id="650009"),  # a student SIECLE does not list
    )
    result = ingest_siecle(ELEVES, uow, RECEIVED)
    assert result.counts["correlations_changed"] == 3
    assert links(uow) == {
        "650001": ("E1", "eleve_id", ""),
        "650002": ("E2", "ine", ""),
        "650003": ("", "ine", "ambiguous"),
    }


def test_a_leaving_date_that_has_come_declares_the_departure_until_it_is_withdrawn(uow, tmp_path):
    given_college(uow)
    uow.log.save(*(student(f"E{n}", "S1", eleve_id=f"65000{n}") for n in (1, 2, 3)))
    assert ingest_siecle(ELEVES, uow, RECEIVED).status == "applied"
    # 650002 left on 13/02: E2, never created, is withdrawn; 650003 leaves on 24/04, not yet.
    assert (state(uow, "E1"), state(uow, "E2"), state(uow, "E3")) == ("pending", "withdrawn", "pending")
    assert uow.log.get(account_id("E2")).declared_left_on == "2026-02-13"
    assert [(d.kind, d.jointure) for d in precedence.plan(uow, datetime(2026, 4, 23, 6, tzinfo=timezone.utc))] == []
    assert [
        (d.kind, d.jointure, d.left_on) for d in precedence.plan(uow, datetime(2026, 4, 24, 6, tzinfo=timezone.utc))
    ] == [("declare-departure", "E3", "2026-04-24")]

    result = ingest_siecle(cleared(tmp_path), uow, RECEIVED + timedelta(days=1))
    assert result.status == "applied"
    assert state(uow, "E2") == "pending"
    assert type(list(uow.log.repository.event_store.get(account_id("E2")))[-1]).__name__ == "DepartureCancelled"
    assert precedence.plan(uow, RECEIVED + timedelta(days=1)) == []  # nothing more to decide


def aaf_delivery(uow, at: datetime, *accounts: Account) -> str:
    """An AAF delivery applied with these accounts (as the AAF ingest records it)."""
    delivery = Delivery("f1", "/in/ENT_0693834T", "complete", "20260404", "ENT_0693834T", [], at)
    delivery.start_apply(["S1"], ["Eleve"], at)
    uow.log.save(delivery)
    uow.log.save(*accounts)
    delivery.applied({}, at)
    uow.log.save(delivery)
    uow.projection.catch_up(uow.log)
    return str(delivery.id)


def test_records_without_account_are_linked_once_the_aaf_delivers_their_accounts(uow):
    given_college(uow)
    assert ingest_siecle(ELEVES, uow, RECEIVED).status == "applied"
    assert {reason for _, _, reason in links(uow).values()} == {"no_account"}
    assert siecle_relink.follow_up(uow, RECEIVED) == 0  # no delivery to follow

    arrived = RECEIVED + timedelta(days=1)
    delivered = aaf_delivery(
        uow,
        arrived,
        student("E1", "S1", eleve_id="650001", delivery="f1", at=arrived),
        student("E2", "S1", eleve_id="650002", delivery="f1", at=arrived),
    )
    assert siecle_relink.pending_follow_ups(uow) == [delivered]
    before = uow.log.max_position()
    assert siecle_relink.relink(uow, arrived, "verify", dry_run=True) == 2  # what verify reports
    assert uow.log.max_position() == before  # and records nothing

    assert siecle_relink.follow_up(uow, arrived) == 2
    assert links(uow) == {
        "650001": ("E1", "eleve_id", ""),
        "650002": ("E2", "eleve_id", ""),
        "650003": ("", "", "no_account"),
    }
    linked = list(uow.log.repository.event_store.get(student_id(UAI, "650001")))[-1]
    assert (type(linked).__name__, linked.jointure, linked.import_id) == ("AccountLinked", "E1", f"aaf:{delivered}")
    assert siecle_relink.pending_follow_ups(uow) == []
    # Seen in SIECLE first: the clocks start at the export's receipt; E2, which
    # left in February, gets both decisions, recorded on the one account.
    decisions = precedence.apply(uow, arrived)
    assert [(d.kind, d.jointure) for d in decisions] == [
        ("advance-clock", "E1"),
        ("advance-clock", "E2"),
        ("declare-departure", "E2"),
    ]
    assert uow.log.get(account_id("E1")).creation_due == RECEIVED + timedelta(hours=48)
    assert [type(e).__name__ for e in uow.log.repository.event_store.get(account_id("E2"))] == [
        "Appeared",
        "CreationClockAdvanced",
        "DepartureDeclared",
    ]

    # The follow-up ran once: again, nothing to run, nothing recorded.
    done = uow.log.max_position()
    assert siecle_relink.follow_up(uow, arrived + timedelta(hours=1)) == 0
    assert uow.log.max_position() == done
    assert uow.faults.counts["relink.starting"] == 1


def test_an_export_setting_too_many_leaving_dates_is_held_until_released():
    uow = bootstrap.build("memory:", Policy(brakes={"students": {"share": 0.25, "minimum": 1}}), simulation=True)
    try:
        given_college(uow)
        uow.log.save(*(student(f"E{n}", "S1", eleve_id=f"65000{n}") for n in (1, 2, 3)))
        held = ingest_siecle(ELEVES, uow, RECEIVED)
        assert (held.status, held.reason, held.exit_code) == ("held", "mass_departure", 2)
        assert held.counts == {"leaving_dates_set": 2, "departures": 2, "counted": 2}  # 650002 and 650003, of 3
        assert uow.siecle_queries.leaving_dates(UAI) == {}  # nothing applied
        assert state(uow, "E2") == "pending"

        released = release_siecle(uow, held.import_id[:8], "operator", RECEIVED + timedelta(hours=1))
        assert (released.import_id, released.status) == (held.import_id, "applied")
        assert (state(uow, "E2"), state(uow, "E3")) == ("withdrawn", "pending")  # 650003 leaves on 24/04
        with pytest.raises(ValueError, match="only a held import can be rejected"):
            reject_siecle(uow, held.import_id, "operator", RECEIVED + timedelta(hours=2))
    finally:
        uow.close()
