"""SIECLE records linked to AAF accounts (domain-rules §11), on the generated
académie whose SIECLE exports carry the same persons as its AAF deliveries."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.siecle import read_eleves, read_responsables
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from projections import siecle_listings
from tests.integration.conftest import T0, make_academie

T_EARLY = datetime(2026, 8, 17, 8, tzinfo=timezone.utc)
T_SIECLE = datetime(2026, 8, 18, 9, tzinfo=timezone.utc)
T_AUTUMN = datetime(2026, 11, 5, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    return make_academie(
        tmp_path_factory.mktemp("siecle-academie"), "--students", "60", "--seed", "11", "--sources", "aaf,siecle"
    )


def exports(gen, date: str) -> tuple[str, Path, Path]:
    ((uai, files),) = gen.manifest["sources"]["siecle"][date].items()
    return uai, gen.root / files["eleves"], gen.root / files["responsables"]


def rules(ctx, kind: str) -> Counter:
    return Counter(
        (r["status"], r["rule"])
        for r in ctx.db.query_dicts("SELECT status, rule FROM siecle_account_links WHERE kind = ?", (kind,))
    )


def test_students_by_eleve_id_then_ine_and_unresolved(ctx, gen, tmp_path):
    uai, eleves_path, responsables_path = exports(gen, gen.manifest["dates"]["first"])
    students = read_eleves(eleves_path).students
    by_ine, nobody = students[0], students[1]
    data = eleves_path.read_bytes()
    # by_ine: its ELEVE_ID retyped (another SIECLE base), same INE → the INE rule
    data = data.replace(f'ELEVE_ID="{by_ine.eleve_id}"'.encode(), b'ELEVE_ID="999001"')
    # nobody: new ELEVE_ID and INE → no account, listed
    data = data.replace(f'ELEVE_ID="{nobody.eleve_id}"'.encode(), b'ELEVE_ID="999002"')
    data = data.replace(nobody.ine.encode(), b"0999999999Z")
    changed = tmp_path / "ElevesSansAdresses.xml"
    changed.write_bytes(data)
    # a guardian whose PERSONNE_ID is not the AAF jointure: found by name among its child's guardians
    guardians = read_responsables(responsables_path)
    retyped = next(
        lk.personne_id
        for lk in guardians.links
        if lk.level == 1 and lk.eleve_id not in (by_ine.eleve_id, nobody.eleve_id)
    )
    resp = tmp_path / "ResponsablesAvecAdresses.xml"
    resp.write_bytes(
        responsables_path.read_bytes()
        .replace(f'PERSONNE_ID="{retyped}"'.encode(), b'PERSONNE_ID="P1"')
        .replace(f"<PERSONNE_ID>{retyped}</PERSONNE_ID>".encode(), b"<PERSONNE_ID>P1</PERSONNE_ID>")
    )

    assert ingest(str(gen.first), ctx, T0).status == "applied"
    e = ingest_siecle(changed, ctx, T_SIECLE)
    assert e.status == "applied"
    assert rules(ctx, "student") == {
        ("linked", "eleve_id"): len(students) - 2,
        ("linked", "ine"): 1,
        ("unresolved", ""): 1,
    }
    assert [(u["kind"], u["key"], u["reason"]) for u in siecle_listings.unresolved(ctx.db, uai)] == [
        ("student", "999002", "no_account")
    ]
    linked = ctx.db.query_dicts("SELECT l.jointure FROM siecle_account_links l WHERE l.key = '999001'")
    account = ctx.db.query_dicts("SELECT attrs FROM accounts WHERE jointure = ?", (linked[0]["jointure"],))
    assert f'"{by_ine.ine}"' in account[0]["attrs"]

    r = ingest_siecle(resp, ctx, T_SIECLE)
    assert r.status == "applied"
    guardian_rules = rules(ctx, "guardian")
    assert guardian_rules[("linked", "name_and_student")] == 1
    assert guardian_rules[("linked", "personne_id")] >= 1
    p1 = ctx.db.query_dicts("SELECT jointure, rule FROM siecle_account_links WHERE key = 'P1'")
    assert p1 == [{"jointure": retyped, "rule": "name_and_student"}]


def test_an_account_that_appears_later_is_linked_by_the_next_export(ctx, gen):
    first, second = gen.manifest["dates"]["first"], gen.manifest["dates"]["second"]
    uai, eleves1, responsables1 = exports(gen, first)
    _, eleves2, responsables2 = exports(gen, second)
    ingest_siecle(eleves1, ctx, T_EARLY)
    ingest_siecle(responsables1, ctx, T_EARLY)
    before = len(siecle_listings.unresolved(ctx.db, uai))
    assert before > 0 and rules(ctx, "student") == {("unresolved", ""): len(read_eleves(eleves1).students)}

    assert ingest(str(gen.first), ctx, T0).status == "applied"
    # The delivery's relink links the guardians imported before it, not only the students.
    guardians = rules(ctx, "guardian")
    assert (
        guardians[("linked", "personne_id")] > 0
        and guardians[("linked", "personne_id")] > guardians[("unresolved", "")]
    )
    assert ingest(str(gen.second), ctx, datetime(2026, 11, 5, 6, tzinfo=timezone.utc)).status == "applied"
    e = ingest_siecle(eleves2, ctx, T_AUTUMN)
    r = ingest_siecle(responsables2, ctx, T_AUTUMN)
    assert e.counts["event_AccountLinked"] > 0 and r.counts["event_AccountLinked"] > 0
    still = siecle_listings.unresolved(ctx.db, uai)
    assert len(still) < before / 4
    assert all(u["reason"] == "no_account" for u in still)
    assert ("linked", "eleve_id") in rules(ctx, "student")
