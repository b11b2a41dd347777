"""Scored duplicates on SQLite and PostgreSQL (issue 15, domain-rules §5):
given the two establishments' first delivery applied and their accounts
created, when a delta brings a sibling not "rapproché" whose mother is typed
again with another e-mail, and a homonym of a pupil with another birth date
in the other establishment, then `entsync duplicates` and `entsync
anomalies` list the guardian pair with a high score and not the homonyms;
dismissed, the pair is no longer listed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.duplicate_score import SUSPECTED
from events.policy import Policy
from tests.integration.cli import Cli
from tests.integration.conftest import started_establishments
from tests.integration.diagnosis_world import RELATIONS, aaf_delta, aaf_record

T_DELTA = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
T_DECIDE = T_DELTA + timedelta(days=1)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


def _attrs(ctx, jointure: str) -> dict[str, list[str]]:
    return json.loads(ctx.db.scalar("SELECT attrs FROM accounts WHERE jointure = ?", (jointure,)))


def test_a_guardian_typed_twice_is_suspected_and_a_homonym_is_not(
    request, backend, two_establishments, tmp_path, capsys
):
    store_url, _ = started_establishments(request, backend, two_establishments, tmp_path, timetables=False)
    ctx = bootstrap.build(store_url, Policy(), simulation=True)
    try:
        # A mother with an address and one child; a pupil of the other establishment.
        mother, child, uai = ctx.db.query(
            "SELECT g.jointure, a.jointure, t.uai FROM accounts g JOIN guardian_links l ON l.guardian_jointure = g.jointure "
            "JOIN accounts a ON a.account_id = l.student_id JOIN account_structures s ON s.account_id = a.account_id "
            "JOIN structures t ON t.jointure = s.structure WHERE g.category = 'PersRelEleve' "
            "AND g.attrs LIKE ? AND g.attrs LIKE ? ORDER BY g.jointure LIMIT 1",
            ("%ENTPersonAdresse%", "%mail%"),
        )[0]
        other = ctx.db.scalar(
            "SELECT a.jointure FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
            "JOIN structures t ON t.jointure = s.structure WHERE a.category = 'Eleve' AND t.uai <> ? "
            "ORDER BY a.jointure LIMIT 1",
            (uai,),
        )
        # The sibling names the copy only: none of the older relation attributes naming the mother.
        sibling = {k: v for k, v in _attrs(ctx, child).items() if not k.startswith(RELATIONS)}
        sibling = {**sibling, "givenName": ["Zoéline"], "ENTPersonDateNaissance": ["03/02/2016"]}
        sibling.update(ENTEleveINE=["9900000001Z"], ENTElevePersRelEleve=["9900002$10$1$1"], ENTPersonAutresPrenoms=[])
        again = {
            **_attrs(ctx, mother),
            "mail": ["une.autre.adresse@example.org"],
            "ENTAuxPersRelEleveEleve": ["9900001"],
        }
        homonym = {**_attrs(ctx, other), "ENTEleveINE": ["9900000003Z"], "ENTElevePersRelEleve": []}
        birth = homonym["ENTPersonDateNaissance"][0]
        homonym["ENTPersonDateNaissance"] = [birth[:6] + str(int(birth[6:]) - 3)]
        structure = ctx.db.scalar("SELECT jointure FROM structures WHERE uai <> ? ORDER BY jointure LIMIT 1", (uai,))
        homonym["ENTPersonStructRattach"] = [structure]
    finally:
        ctx.close()
    delta = aaf_delta(
        tmp_path / "delta",
        "20260901",
        {
            "Eleve": [aaf_record("Eleve", "9900001", sibling), aaf_record("Eleve", "9900003", homonym)],
            "PersRelEleve": [aaf_record("PersRelEleve", "9900002", again)],
        },
    )
    cli = Cli(store_url, capsys)
    code, _ = cli.run("ingest", str(delta), "--now", T_DELTA.isoformat())
    assert code == 0, cli.err

    pairs = cli.json("duplicates", "--min-score", "0")
    (guardians,) = [p for p in pairs if set(p["jointures"]) == {mother, "9900002"}]
    assert guardians["score"] >= 0.9 and guardians["decision"] == "open"
    assert {"siblings", "same_address"} <= set(guardians["reasons"])
    (homonyms,) = [p for p in pairs if set(p["jointures"]) == {other, "9900003"}]
    assert homonyms["score"] < SUSPECTED and "birth_different" in homonyms["reasons"]
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)

    listed = [a for a in cli.json("anomalies") if a["anomaly"] == "suspected_duplicate"]
    mine = [a for a in listed if {a["jointure"], a["other"]} == {mother, "9900002"}]
    assert len(mine) == 1 and mine[0]["detail"].startswith(guardians["id"])
    assert not [a for a in listed if "9900003" in (a["jointure"], a["other"])]
    assert "Zoéline" not in json.dumps(listed)

    code, out = cli.run(
        "anomalies", "dismiss", guardians["id"], "--reason", "deux personnes", "--now", T_DECIDE.isoformat()
    )
    assert code == 0, cli.err
    assert f"anomaly {guardians['id']} (suspected_duplicate) dismissed" in out
    listed = [a for a in cli.json("anomalies") if a["anomaly"] == "suspected_duplicate"]
    assert not [a for a in listed if {a["jointure"], a["other"]} == {mother, "9900002"}]
    (decided,) = [p for p in cli.json("duplicates") if set(p["jointures"]) == {mother, "9900002"}]
    assert decided["decision"] == "dismissed"
    code, _ = cli.run("verify")
    assert code == 0, cli.err
