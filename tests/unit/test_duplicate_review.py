"""Scored duplicates on the in-memory twin (issue 15): the pairs listed best
first, a dismissal removing its pair, a confirmation marking the later
account a duplicate of the other (the mark of issue 13), and a rebuild from
the log giving the same blocks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from daemon.http import reads
from events.account import Account, account_id
from events.anomaly import anomaly_id_of, short
from events.policy import Policy
from events.structure import SourceRecord
from events.usecases import tick
from events.usecases.anomaly_review import ConfirmAnomaly, DismissAnomaly, ReviewRefused, confirm, dismiss
from projections.anomaly_queries import anomalies
from projections.directory import DirectoryProjection
from projections.duplicate_candidates import pairs
from projections.schema import dump

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=1)
T_CREATE = T1 + timedelta(hours=50)
T2 = T_CREATE + timedelta(days=1)
HOME = {"ENTPersonAdresse": ["12 rue du Moulin"], "ENTPersonCodePostal": ["57000"]}


def guardian(given: str, mail: str, child: str, title: str = "Mme") -> dict:
    return {
        "sn": ["MARTIN"],
        "givenName": [given],
        "personalTitle": [title],
        "mail": [mail],
        "ENTAuxPersRelEleveEleve": [child],
        **HOME,
    }


def pupil(given: str, birth: str, *guardians: str, family: str = "MARTIN") -> dict:
    return {
        "sn": [family],
        "givenName": [given],
        "ENTPersonDateNaissance": [birth],
        "ENTElevePersRelEleve": [f"{g}$10$1$1" for g in guardians],
    }


RECORDS = [  # (jointure, category, attrs, first seen)
    ("E1", "Eleve", pupil("Léo", "02/03/2012", "G1", "G3"), T0),
    ("E2", "Eleve", pupil("Jade", "05/06/2014", "G2"), T1),  # a sibling, not "rapprochée"
    ("G1", "PersRelEleve", guardian("Sophie", "sophie@x.fr", "E1"), T0),
    ("G3", "PersRelEleve", guardian("Patrick", "sophie@x.fr", "E1", "M."), T0),  # the other parent
    ("G2", "PersRelEleve", guardian("Sophie", "s.martin@y.fr", "E2"), T1),  # the mother typed again
    ("E3", "Eleve", pupil("Noé", "02/03/2012", family="DURAND"), T0),
    ("E4", "Eleve", pupil("Noé", "02/04/2012", family="DURAND"), T1),  # typed again, the date mistyped
    ("E5", "Eleve", pupil("Emma", "02/03/2012", family="PETIT"), T0),
    ("E6", "Eleve", pupil("Emma", "20/11/2011", family="PETIT"), T0),  # a homonym
]


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", Policy(), simulation=True)
    for jointure, category, attrs, at in RECORDS:
        ctx.log.save(Account(jointure, category, attrs, "d", "D", "f.xml", 1, at, at + timedelta(hours=48)))
    tick.tick(ctx, T_CREATE)
    ctx.projection.catch_up(ctx.log)
    yield ctx
    ctx.close()


def listed(uow) -> list[tuple[str, str]]:
    return [
        (a["jointure"], a["other"])
        for a in anomalies(uow.db, T2, timedelta(hours=1))
        if a["anomaly"] == "suspected_duplicate"
    ]


def test_pairs_are_listed_best_first_without_names(uow):
    found = pairs(uow.db)
    assert [p.jointures for p in found] == [("G1", "G2"), ("E3", "E4")]
    assert found[0].score > found[1].score >= 0.7
    assert {"siblings", "same_address"} <= set(found[0].reasons)
    assert found[0].anomaly_id == str(
        anomaly_id_of("suspected_duplicate", str(account_id("G1")), str(account_id("G2")))
    )
    assert listed(uow) == [("G1", "G2"), ("E3", "E4")]
    rows = [a for a in anomalies(uow.db, T2, timedelta(hours=1)) if a["anomaly"] == "suspected_duplicate"]
    assert "Sophie" not in str(rows) and "MARTIN" not in str(rows) and short(found[0].anomaly_id) in rows[0]["detail"]
    below = {p.jointures for p in pairs(uow.db, min_score=0.0)}
    assert ("E5", "E6") in below  # scored, under the threshold
    assert ("G1", "G3") not in below  # other given names: not in one block


def test_a_dismissed_pair_is_no_longer_listed(uow):
    aid = pairs(uow.db)[0].anomaly_id
    decided = dismiss(DismissAnomaly(short(aid), "alice", "two persons"), uow, T2)
    assert decided.kind == "suspected_duplicate" and decided.decision == "dismissed"
    assert listed(uow) == [("E3", "E4")]
    assert [p.decision for p in pairs(uow.db) if p.anomaly_id == aid] == ["dismissed"]
    with pytest.raises(ValueError, match="already dismissed"):
        confirm(ConfirmAnomaly(short(aid), "bob", "one person"), uow, T2)


def test_confirming_marks_the_later_account(uow):
    aid = pairs(uow.db)[0].anomaly_id
    decided = confirm(ConfirmAnomaly(aid, "alice", "the same mother"), uow, T2)
    assert decided.effects["marked"] == "G2" and decided.effects["duplicate_of"] == "G1"
    ((state, reason),) = uow.db.query("SELECT state, state_reason FROM accounts WHERE jointure = 'G2'")
    assert state == "deactivated"
    assert uow.log.get(account_id("G2")).duplicate_mark == "G1"
    assert listed(uow) == [("E3", "E4")]
    assert uow.db.query("SELECT kind, status FROM anomaly_reviews") == [("suspected_duplicate", "confirmed")]


def test_a_pending_copy_is_not_confirmed(uow):
    uow.log.save(
        Account(
            "E7",
            "Eleve",
            pupil("Noé", "02/03/2012", family="DURAND"),
            "d",
            "D",
            "f.xml",
            1,
            T2,
            T2 + timedelta(hours=48),
        )
    )
    uow.projection.catch_up(uow.log)
    (pending,) = [p for p in pairs(uow.db) if "E7" in p.jointures and "E3" in p.jointures]
    with pytest.raises(ReviewRefused, match="E7"):
        confirm(ConfirmAnomaly(pending.anomaly_id, "alice", "the same pupil"), uow, T2)
    assert uow.db.query("SELECT * FROM anomaly_reviews") == []


def test_the_blocks_rebuild_from_the_log(uow):
    rebuilt = DirectoryProjection(uow.db, prefix="rebuilt_")
    rebuilt.catch_up(uow.log)
    confirm(ConfirmAnomaly(pairs(uow.db)[0].anomaly_id, "alice", "the same mother"), uow, T2)
    rebuilt.catch_up(uow.log)
    assert dump(uow.db, "rebuilt_") == dump(uow.db)
    assert len(dump(uow.db)["duplicate_keys"]) == len(RECORDS)


def test_only_a_confirmed_duplicate_blocks_pronote_matching(uow):
    def blocked(jointure: str) -> bool:
        return reads.account(uow, scope=None, key=jointure)["pronote_matching_blocked"]

    assert not any(blocked(j) for j in ("G1", "G2", "E3", "E4"))  # suspected only
    confirm(ConfirmAnomaly(pairs(uow.db)[0].anomaly_id, "alice", "the same mother"), uow, T2)
    assert blocked("G1") and blocked("G2")  # the kept account too: it has a duplicate
    assert not blocked("E3") and not blocked("G3")
    # The duplicate deleted at its due date, the kept account no longer has one.
    tick.tick(uow, T2 + timedelta(days=400))
    states = {j: reads.account(uow, scope=None, key=j)["state"] for j in ("G1", "G2")}
    assert sorted(states.values()) == ["active", "removed"], states
    assert not any(blocked(j) for j in ("G1", "G2"))


def test_a_pupil_who_changed_school_is_a_transfer_not_listed(uow):
    for jointure, uai in (("S1", "0570001A"), ("S2", "0570002B")):
        uow.log.save(SourceRecord(jointure, "EtabEducNat", {"ENTStructureUAI": [uai]}, "d", "D", "f.xml", 1, T0))
    moved = {**pupil("Inès", "07/07/2012", family="ROUX"), "ENTPersonStructRattach": ["S1"]}
    uow.log.save(Account("E8", "Eleve", moved, "d", "D", "f.xml", 1, T0, T0 + timedelta(hours=48)))
    uow.log.save(
        Account("E9", "Eleve", {**moved, "ENTPersonStructRattach": ["S2"]}, "d", "D", "f.xml", 1, T1, T_CREATE)
    )
    tick.tick(uow, T_CREATE)
    old = uow.log.get(account_id("E8"))
    old.leave("absent_from_complete", "D2", T2, T2 + timedelta(days=60), False)
    uow.log.save(old)
    uow.projection.catch_up(uow.log)
    (moved_pair,) = [p for p in pairs(uow.db) if p.jointures == ("E8", "E9")]
    assert moved_pair.decision == "transfer" and moved_pair.uais == (("0570001A",), ("0570002B",))
    assert ("E8", "E9") not in listed(uow)
