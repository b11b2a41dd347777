# ruff: noqa: F811 (the fixtures imported from test_http_access are parameters of the tests)
"""A decision on an anomaly through the API (issues 15, 16), on SQLite and
PostgreSQL: POST /api/v1/anomalies/{id}/confirm and /dismiss — 401 without
a token, 403 for a reader, 404 for an id that names no open anomaly and,
for an etab-admin, for an anomaly of another establishment; 200 for an
operator or an etab-admin of the anomaly's establishment, with the token's
name as the author, 409 for a second decision. The académie of
tests/integration/test_http_access.py, its students' records retyped for
another person."""

from __future__ import annotations

from datetime import timedelta

from events.account import account_id
from events.anomaly import anomaly_id, short
from projections import account_queries
from tests.integration.test_http_access import ask, backend, world  # noqa: F401 (fixtures)
from tests.integration.test_http_actions import post

OCTAVE = {"sn": ["ZELLER"], "givenName": ["Octave"], "ENTPersonDateNaissance": ["05/06/2011"]}


def retyped(w, n: int, uai: str | None = None) -> tuple[dict, str]:
    """The ``n``-th active student of ``uai`` (the etab-admin's establishment) retyped for another person."""
    row = account_queries.accounts(w.ctx.db, uai=uai or w.mine, state="active", profile="ELEVE", limit=10)[n]
    account = w.ctx.log.get(account_id(row["jointure"]))
    at = w.ctx.effective_now(None)
    attrs = {**account.attrs, **OCTAVE}
    account.record(attrs, "retyped", "D-retyped", "retyped.xml", 1, at, timedelta(hours=48))
    w.ctx.log.save(account)
    w.ctx.projection.catch_up(w.ctx.log)
    return row, str(anomaly_id(account.id, account.version))


def test_operators_confirm_an_overwrite_a_reader_may_not(world):
    row, anomaly = retyped(world, 0)
    path, body = f"/api/v1/anomalies/{short(anomaly)}/confirm", {"reason": "fiche ressaisie"}
    assert post(world, path, None, body)[0] == 401
    assert post(world, path, "reader", body)[0] == 403
    assert post(world, path, "operator", {})[0] == 400  # no reason
    code, _, answer = post(world, "/api/v1/anomalies/ffffffffff/confirm", "operator", body)
    assert code == 404 and answer["error"]["code"] == "not_found", answer
    code, _, done = post(world, path, "operator", body)
    assert code == 200 and (done["decision"], done["id"], done["author"]) == ("confirmed", short(anomaly), "ops"), done
    successor = str(account_id(row["jointure"], 2))
    assert done["effects"]["successor_id"] == successor
    assert account_queries.account_detail(world.ctx.db, row["jointure"])["account_id"] == successor
    assert account_queries.account_detail(world.ctx.db, row["account_id"])["state"] == "departing"
    code, _, answer = post(world, path, "operator", body)
    assert code == 409 and row["jointure"] not in answer["error"]["message"], answer


def test_operators_dismiss_an_overwrite(world):
    row, anomaly = retyped(world, 1)
    code, _, done = post(world, f"/api/v1/anomalies/{anomaly}/dismiss", "operator", {"reason": "même élève"})
    assert code == 200 and done["effects"] == {"account_id": row["account_id"], "state": "active"}, done
    assert account_queries.account_detail(world.ctx.db, row["jointure"])["login"] == row["login"]


def test_an_etab_admin_decides_the_anomalies_of_its_establishment_only(world):
    row, anomaly = retyped(world, 2)
    _, elsewhere = retyped(world, 0, world.other)
    body = {"reason": "fiche ressaisie"}
    code, _, answer = post(world, f"/api/v1/anomalies/{short(elsewhere)}/confirm", "etab-admin", body)
    assert code == 404 and answer["error"] == {"code": "not_found", "message": "no open anomaly with this key"}
    assert post(world, f"/api/v1/anomalies/{elsewhere}/dismiss", "etab-admin", body)[0] == 404
    assert post(world, f"/api/v1/anomalies/{short(anomaly)}/dismiss", "reader", body)[0] == 403
    code, _, done = post(world, f"/api/v1/anomalies/{short(anomaly)}/dismiss", "etab-admin", body)
    assert code == 200 and (done["decision"], done["author"]) == ("dismissed", "admin-mine"), done
    assert done["effects"] == {"account_id": row["account_id"], "state": "active"}
    code, _, answer = post(world, f"/api/v1/anomalies/{short(anomaly)}/confirm", "etab-admin", body)
    assert code == 409, answer  # decided already, as for an operator
    code, _, done = post(world, f"/api/v1/anomalies/{short(elsewhere)}/dismiss", "operator", body)
    assert code == 200 and done["author"] == "ops", done
