# ruff: noqa: F811 (the fixtures imported from test_http_access are parameters of the tests)
"""An admin's attachments through the API (issue 13), on SQLite and
PostgreSQL: POST /api/v1/accounts/{key}/attachments and
/attachments/{uai}/end by role and scope — 401 without a token, 403 for a
reader, 404 for an etab-admin asking for an account outside its UAIs, 200
for an etab-admin lending an account of its own and for an operator — the
token's name as the author, the refusals as 409 and a body the API does not
take as 400; the attached account then within the other establishment's
scope. The académie of tests/integration/test_http_access.py."""

from __future__ import annotations

from datetime import datetime, timezone

from projections import account_queries
from tests.api_tokens import bearer
from tests.integration.test_http_access import ask, backend, world  # noqa: F401 (fixtures)
from tests.integration.test_http_actions import post

UNTIL = datetime(2026, 12, 19, 23, tzinfo=timezone.utc).isoformat()


def student(w, uai: str) -> str:
    """An active student of ``uai`` attached nowhere else (the tests share the world)."""
    rows = account_queries.accounts(w.ctx.db, uai=uai, state="active", profile="ELEVE")
    return next(r["jointure"] for r in rows if "attachments" not in r)


def test_an_etab_admin_lends_an_account_of_its_own_and_the_operator_any(world):
    mine, other = student(world, world.mine), student(world, world.other)
    body = {"uai": world.other, "until": UNTIL, "reason": "stage"}
    path = "/api/v1/accounts/" + mine + "/attachments"
    assert post(world, path, None, body)[0] == 401
    assert post(world, path, "reader", body)[0] == 403
    code, _, answer = post(world, "/api/v1/accounts/" + other + "/attachments", "etab-admin",
                           {**body, "uai": world.mine})  # fmt: skip
    assert code == 404 and answer["error"]["code"] == "not_found", answer
    assert post(world, path, "etab-admin", {**body, "until": "2026-12-19T23:00:00"})[0] == 400  # no offset
    assert post(world, path, "etab-admin", {**body, "extra": 1})[0] == 400

    code, _, answer = post(world, path, "etab-admin", body)
    assert code == 200, answer
    assert {k: answer[k] for k in ("jointure", "uai", "status", "until", "author", "reason")} == {
        "jointure": mine,
        "uai": world.other,
        "status": "attached",
        "until": UNTIL,
        "author": "admin-mine",
        "reason": "stage",
    }
    listed = account_queries.accounts(world.ctx.db, uai=world.other, scope=frozenset({world.other}))
    assert mine in {r["jointure"] for r in listed}
    # The API reads show it: the account and the other establishment's listing, to the operator.
    code, _, shown = ask(world.url, "/api/v1/accounts/" + mine, bearer(world.tokens["operator"]))
    assert code == 200 and [(a["uai"], a["author"]) for a in shown["attachments"]] == [(world.other, "admin-mine")]
    code, _, page = ask(world.url, f"/api/v1/accounts?uai={world.other}&limit=100000", bearer(world.tokens["operator"]))
    assert code == 200, page
    assert [a["uai"] for r in page["accounts"] if r["jointure"] == mine for a in r["attachments"]] == [world.other]

    code, _, answer = post(world, path, "operator", body)  # the same end date again
    assert code == 409 and answer["error"]["code"] == "already_attached" and mine not in answer["error"]["message"]
    code, _, answer = post(world, path, "operator", {**body, "uai": world.mine})
    assert code == 409 and answer["error"]["code"] == "own_establishment"

    code, _, answer = post(world, "/api/v1/accounts/" + other + "/attachments", "operator", {**body, "uai": world.mine})
    assert code == 200 and answer["author"] == "ops", answer


def test_an_attachment_is_ended_by_either_establishment_never_the_aafs(world):
    mine, other = student(world, world.mine), student(world, world.other)
    # The other establishment's student, lent to mine by the operator: mine's admin may end it.
    assert post(world, "/api/v1/accounts/" + other + "/attachments", "operator",
                {"uai": world.mine, "until": UNTIL, "reason": "stage"})[0] == 200  # fmt: skip
    end = "/api/v1/accounts/{key}/attachments/{uai}/end"
    assert post(world, end.format(key=other, uai=world.mine), "reader", {"reason": "fin"})[0] == 403
    assert post(world, end.format(key=other, uai=world.other), "etab-admin", {"reason": "fin"})[0] == 404
    assert post(world, end.format(key=other, uai=world.mine), "etab-admin", {})[0] == 400
    code, _, answer = post(world, end.format(key=other, uai=world.mine), "etab-admin", {"reason": "fin du stage"})
    assert code == 200 and (answer["status"], answer["author"]) == ("ended", "admin-mine"), answer
    code, _, answer = post(world, end.format(key=other, uai=world.mine), "operator", {"reason": "again"})
    assert code == 409 and answer["error"]["code"] == "not_attached"
    code, _, answer = post(world, end.format(key=mine, uai=world.mine), "etab-admin", {"reason": "x"})
    assert code == 409 and answer["error"]["code"] == "aaf_attachment"
