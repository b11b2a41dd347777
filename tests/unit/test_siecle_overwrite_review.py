"""SIECLE overwrites and swaps listed and decided on the in-memory twin
(issue 15): a guardian linked to an AAF account (PERSONNE_ID = jointure)
retyped as the other parent is listed with its SIECLE ids and account,
never a name; confirming it ends the account and opens the next
generation; with ``suspend_on_overwrite`` the account is suspended until
a dismissal; a swap is acknowledged only; a rebuild lists the same."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from daemon import bootstrap
from events.account import Account, account_id
from events.delivery import Delivery
from events.policy import Policy
from events.structure import SourceRecord
from events.usecases.anomaly_review import ConfirmAnomaly, DismissAnomaly, confirm, dismiss
from events.usecases.siecle_import import ingest_siecle
from projections import siecle_schema
from projections.anomaly_queries import anomalies
from projections.siecle import SiecleProjection
from tests.integration.test_siecle_ingest import LINKS, PERSONS, STUDENTS, T1, T2, UAI, eleves, responsables

T0 = T1 - timedelta(days=3)
OTHER_PARENT = [PERSONS[0], (PERSONS[1][0], *PERSONS[0][1:]), *PERSONS[2:]]  # 900002 retyped as 900001's person
SWAPPED = [(PERSONS[0][0], *PERSONS[1][1:]), (PERSONS[1][0], *PERSONS[0][1:]), *PERSONS[2:]]


def build(suspend: bool = False):
    return bootstrap.build("memory:", Policy(suspend_on_overwrite=suspend), simulation=True)


def given_year(ctx, tmp_path: Path, contact: dict[str, list[str]] | None = None) -> None:
    """The guardian 900002 has an AAF account (its jointure is its PERSONNE_ID), then the rentrée exports."""
    structure = {"ENTStructureUAI": [UAI], "ENTStructureNomCourant": ["COLLEGE TEST"]}
    ctx.log.save(SourceRecord("S1", "EtabEducNat", structure, "d", "D0", "f.xml", 1, T0))
    delivery = Delivery("f1", "/in/ENT_0693834T", "complete", "20260829", "ENT_0693834T", [], T0)
    delivery.start_apply(["S1"], ["PersRelEleve"], T0)
    attrs = {"sn": ["CŒUR DE LION"], "givenName": ["Jean-Marc"], "ENTPersonStructRattach": ["S1"], **(contact or {})}
    parent = Account("900002", "PersRelEleve", attrs, "d", str(delivery.id), "p.xml", 4, T0, T0 + timedelta(hours=48))
    ctx.log.save(delivery)
    ctx.log.save(parent)
    delivery.applied({}, T0)
    ctx.log.save(delivery)
    ctx.projection.catch_up(ctx.log)
    ingest_siecle(eleves(tmp_path / "e1.xml", "01/09/2026", STUDENTS), ctx, T1)
    ingest_siecle(responsables(tmp_path / "r1.xml", "01/09/2026", PERSONS, LINKS), ctx, T1 + timedelta(minutes=1))


def listed(ctx, kind: str) -> list[dict]:
    return [a for a in anomalies(ctx.db, T2, timedelta(hours=1)) if a["anomaly"] == kind]


@pytest.fixture
def ctx():
    ctx = build()
    yield ctx
    ctx.close()


def test_an_overwrite_of_a_linked_guardian_is_listed_without_names_and_confirming_ends_its_account(ctx, tmp_path):
    given_year(ctx, tmp_path)
    r = ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", OTHER_PARENT, LINKS), ctx, T2)
    assert r.counts["overwrites_suspected"] == 1
    (row,) = listed(ctx, "suspected_overwrite")
    assert (row["source"], row["uai"], row["record_kind"], row["key"], row["jointure"]) == (
        "siecle",
        UAI,
        "guardian",
        "900002",
        "900002",
    )
    assert row["detail"].startswith(row["id"].replace("-", "")[:8] + " open: siecle 0693834T guardian 900002: r2.xml:")
    assert not any(name in str(row) for name in ("Cœur", "Hélène", "Jean-Marc"))
    decided = confirm(ConfirmAnomaly(row["id"][:8], "alice", "retyped in SIECLE"), ctx, T2 + timedelta(hours=1))
    assert decided.effects["successor_id"] == str(account_id("900002", 2))
    old, new = ctx.log.get(account_id("900002")), ctx.log.get(account_id("900002", 2))
    # Never created (pending, as the AAF's confirmation ends it): withdrawn; the successor pending.
    assert (old.state, old.successor_id, new.state) == ("withdrawn", str(new.id), "pending")
    (opened, *_) = ctx.log.events.get(new.id)
    assert (type(opened).__name__, opened.file, opened.predecessor_id) == ("SuccessorOpened", "r2.xml", str(old.id))
    (row,) = listed(ctx, "suspected_overwrite")
    assert row["decision"] == "confirmed"


def test_with_suspension_the_linked_account_is_suspended_until_dismissed(tmp_path):
    ctx = build(suspend=True)
    try:
        given_year(ctx, tmp_path)
        ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", OTHER_PARENT, LINKS), ctx, T2)
        assert ctx.log.get(account_id("900002")).state == "suspended"
        (row,) = listed(ctx, "suspected_overwrite")
        assert row["state"] == "suspended"
        dismiss(DismissAnomaly(row["id"], "bob", "a typing error, corrected"), ctx, T2 + timedelta(hours=1))
        assert ctx.log.get(account_id("900002")).state == "pending"
    finally:
        ctx.close()


def test_a_swap_is_listed_once_and_acknowledged_only(ctx, tmp_path):
    given_year(ctx, tmp_path)
    ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", SWAPPED, LINKS), ctx, T2)
    assert listed(ctx, "suspected_overwrite") == []
    (row,) = listed(ctx, "guardians_swapped")
    assert (row["key"], row["others"]) == ("700001", ["900001", "900002"])
    assert "guardians 900001 and 900002 exchanged identities (accounts -, 900002)" in row["detail"]
    before = ctx.log.get(account_id("900002")).version
    decided = confirm(ConfirmAnomaly(row["id"], "alice", "told the school"), ctx, T2 + timedelta(hours=1))
    assert decided.kind == "guardians_swapped" and "SIECLE" in decided.effects["action"]
    assert ctx.log.get(account_id("900002")).version == before  # recorded only
    assert listed(ctx, "guardians_swapped")[0]["decision"] == "confirmed"


def test_a_rebuild_from_the_log_lists_the_same(ctx, tmp_path):
    given_year(ctx, tmp_path)
    ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", OTHER_PARENT, LINKS), ctx, T2)
    ingest_siecle(responsables(tmp_path / "r3.xml", "05/10/2026", SWAPPED, LINKS), ctx, T2 + timedelta(days=1))
    row = listed(ctx, "suspected_overwrite")[0]  # 900002 retyped in r2, then 900001 in r3 (900002 kept)
    confirm(ConfirmAnomaly(row["id"], "alice", "retyped"), ctx, T2 + timedelta(days=2))
    ingest_siecle(responsables(tmp_path / "r4.xml", "06/10/2026", PERSONS, LINKS), ctx, T2 + timedelta(days=3))
    live = anomalies(ctx.db, T2, timedelta(hours=1))
    assert [a["key"] for a in live if a["anomaly"] == "guardians_swapped"] == ["700001"]  # r3 → r4 exchanged
    assert [a["decision"] for a in live if a["anomaly"] == "suspected_overwrite"] == ["confirmed", "open"]
    siecle_schema.drop(ctx.db, "")
    ctx.projection.reset()
    SiecleProjection(ctx.db).catch_up(ctx.log)
    ctx.projection.catch_up(ctx.log)
    assert anomalies(ctx.db, T2, timedelta(hours=1)) == live


def with_civility(path: Path, personne_id: str, civility: str) -> Path:
    """The export with a LC_CIVILITE for one person (the hand-written exports have none)."""
    tag = f'<PERSONNE PERSONNE_ID="{personne_id}">'
    path.write_bytes(path.read_bytes().replace(tag.encode(), f"{tag}<LC_CIVILITE>{civility}</LC_CIVILITE>".encode()))
    return path


def test_the_successor_of_a_siecle_overwrite_opens_with_the_person_siecle_now_describes(ctx, tmp_path):
    previous = {"personalTitle": ["M."], "mail": ["jm.coeur@example.org"], "mobile": ["0600000001"]}
    given_year(ctx, tmp_path, previous)
    r2 = with_civility(responsables(tmp_path / "r2.xml", "04/10/2026", OTHER_PARENT, LINKS), "900002", "MME")
    ingest_siecle(r2, ctx, T2)
    (row,) = listed(ctx, "suspected_overwrite")
    confirm(ConfirmAnomaly(row["id"], "alice", "retyped in SIECLE"), ctx, T2 + timedelta(hours=1))
    new = ctx.log.get(account_id("900002", 2))
    assert {k: new.attrs.get(k) for k in ("personalTitle", "sn", "givenName", "mail", "mobile")} == {
        "personalTitle": ["Mme"],
        "sn": ["Cœur de Lion"],
        "givenName": ["Hélène"],
        "mail": [],  # SIECLE gives none: never the previous holder's
        "mobile": [],
    }
    assert new.attrs["ENTPersonStructRattach"] == ["S1"]  # the AAF's non-personal attributes kept
    (opened, *_) = ctx.log.events.get(new.id)
    assert (opened.identity_source, opened.attrs) == ("siecle", new.attrs)
    assert new.digest == ctx.log.get(account_id("900002")).digest  # the AAF's record unchanged is not re-applied

    # The AAF delivers the new person under the jointure: applied, not flagged again.
    policy, at = ctx.policy, T2 + timedelta(days=2)
    aaf = {"sn": ["CŒUR DE LION"], "givenName": ["Hélène"], "personalTitle": ["Mme"], "ENTPersonStructRattach": ["S1"],
           "mail": ["helene.coeur@example.org"]}  # fmt: skip
    new.record(aaf, "d2", "f2", "p2.xml", 4, at, policy.creation_delay, policy.overwrite_name_similarity, {}, False)
    assert [type(e).__name__ for e in new.collect_events()] == ["Changed"]
    assert new.attrs["mail"] == ["helene.coeur@example.org"]
    # The rule runs on the successor: the previous holder delivered back is flagged.
    back = {**aaf, "givenName": ["Jean-Marc"], "personalTitle": ["M."]}
    new.record(back, "d3", "f3", "p3.xml", 4, at, policy.creation_delay, policy.overwrite_name_similarity, {}, False)
    assert [type(e).__name__ for e in new.collect_events()] == ["Changed", "OverwriteSuspected"]


def test_a_stored_successor_fact_without_identity_source_was_opened_from_the_aaf(ctx, tmp_path):
    given_year(ctx, tmp_path)
    ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", OTHER_PARENT, LINKS), ctx, T2)
    (row,) = listed(ctx, "suspected_overwrite")
    confirm(ConfirmAnomaly(row["id"], "alice", "retyped in SIECLE"), ctx, T2 + timedelta(hours=1))
    (opened, *_) = ctx.log.events.get(account_id("900002", 2))
    stored = ctx.log.mapper.to_stored_event(opened)
    state = ctx.log.mapper.transcoder.decode(stored.state)
    assert state.pop("identity_source") == "siecle"
    earlier = type(stored)(stored.originator_id, stored.originator_version, stored.topic,
                           ctx.log.mapper.transcoder.encode(state))  # fmt: skip
    assert ctx.log.mapper.to_domain_event(earlier).identity_source == "aaf"
