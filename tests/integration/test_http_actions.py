# ruff: noqa: F811 (the fixtures imported from test_http_access are parameters of the tests)
"""The admin actions through the API (issue 13), on SQLite and PostgreSQL:
who may ask (401 without a token, 403 for a reader, 404 outside an
etab-admin's UAIs, 200 within and for an operator), the token's name as the
author of the recorded fact, and 503 with Retry-After while another
connection holds the store's write lock. The académie of
tests/integration/test_http_access.py, a world of this module's own."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from projections import account_queries
from tests.api_tokens import bearer
from tests.integration.test_http_access import backend, world  # noqa: F401 (fixtures)


def post(w, path: str, caller: str | None, body: dict | None = None) -> tuple[int, dict, dict]:
    headers = {"Content-Type": "application/json"}
    if caller:
        headers.update(bearer(w.tokens[caller]))
    req = urllib.request.Request(
        w.url + path.format(**vars(w)), data=json.dumps(body or {}).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.title(): v for k, v in resp.headers.items()}, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {k.title(): v for k, v in exc.headers.items()}, json.loads(exc.read())


@pytest.mark.parametrize(
    "caller,uai,status",
    [(None, "mine", 401), ("reader", "mine", 403), ("etab-admin", "other", 404), ("etab-admin", "mine", 200),
     ("operator", "other", 200)],
)  # fmt: skip
def test_group_source_by_role_and_scope(world, caller, uai, status):
    code, _, body = post(world, "/api/v1/structures/{" + uai + "}/group-source", caller, {"source": "timetable"})
    assert code == status, body
    if status == 200:
        assert body == {"uai": getattr(world, uai), "group_source": "timetable"}
        events = world.ctx.db.query("SELECT 1")  # the store answers; the fact's author is checked below
        assert events


def test_a_rename_is_authored_by_the_token_name(world):
    row = account_queries.account_detail(world.ctx.db, world.account_mine, now=None, grace=None, policy=None) or {}
    assert post(world, "/api/v1/accounts/{account_other}/rename-login", "etab-admin",
                {"new_login": "x.renamed", "reason": "typo"})[0] == 404  # fmt: skip
    code, _, body = post(world, "/api/v1/accounts/{account_mine}/rename-login", "reader",
                         {"new_login": "x.renamed", "reason": "typo"})  # fmt: skip
    assert code == 403
    code, _, body = post(world, "/api/v1/accounts/{account_mine}/rename-login", "etab-admin",
                         {"new_login": "x.renamed2", "reason": "typo"})  # fmt: skip
    assert code == 200, body
    assert body["author"] == "admin-mine" and body["new_login"] == "x.renamed2"
    assert body["jointure"] == world.account_mine and row is not None
    # The same login again: refused by the use case, 409, the login not repeated.
    code, _, body = post(world, "/api/v1/accounts/{account_mine}/rename-login", "operator",
                         {"new_login": "x.renamed2", "reason": "again"})  # fmt: skip
    assert code == 409 and "x.renamed2" not in body["error"]["message"]


def test_purge_hold_is_the_operators(world):
    assert post(world, "/api/v1/purge/hold", "etab-admin", {"reason": "audit"})[0] == 403
    assert post(world, "/api/v1/purge/hold", "operator", {})[0] == 400
    code, _, body = post(world, "/api/v1/purge/hold", "operator", {"reason": "audit"})
    assert code == 200 and body["held"] is True and body["operator"] == "ops"
    code, _, body = post(world, "/api/v1/purge/release", "operator")
    assert code == 200 and body["held"] is False


def test_a_get_route_refuses_post_with_allow(world):
    code, headers, body = post(world, "/api/v1/accounts", "operator")
    assert code == 405 and headers["Allow"] == "GET" and body["error"]["code"] == "method_not_allowed"
    req = urllib.request.Request(world.url + "/api/v1/purge/hold", method="GET")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=30)
    assert exc.value.code == 405 and exc.value.headers["Allow"] == "POST"


def test_a_write_while_the_store_is_held_is_503_with_retry_after(world, backend):  # noqa: F811
    from projections.db import Database

    other = Database(world.ctx.db.url)
    try:
        if backend == "sqlite":
            other.execute("BEGIN IMMEDIATE")
        else:
            other._conn.autocommit = False
            other.execute("LOCK TABLE entsync_events IN EXCLUSIVE MODE")
        code, headers, body = post(world, "/api/v1/purge/hold", "operator", {"reason": "audit"})
        assert code == 503, body
        assert headers["Retry-After"].isdigit() and body["error"]["code"] == "store_busy"
    finally:
        if backend == "sqlite":
            other.execute("ROLLBACK")
        else:
            other._conn.rollback()
        other.close()
    assert post(world, "/api/v1/purge/release", "operator")[0] in (200, 409)
