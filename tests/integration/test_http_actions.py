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
from pathlib import Path
from uuid import UUID

import pytest

from events.usecases.aaf_ingest import ingest
from events.usecases.result import Result
from projections import account_queries
from tests.api_tokens import bearer
from tests.integration.test_brakes import write_delta
from tests.integration.test_http_access import NOW, backend, world  # noqa: F401 (fixtures)


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


def stored(world, aggregate_id: str) -> list:
    """The facts the store holds for one aggregate, read back from the log."""
    return list(world.ctx.log.events.get(UUID(aggregate_id)))


def test_timetable_decisions_by_role_scope_and_their_author_in_the_log(world):
    assert post(world, "/api/v1/imports/{import_other}/validate", "etab-admin", {})[0] == 404
    assert post(world, "/api/v1/imports/{import_mine}/validate", "reader", {})[0] == 403
    assert post(world, "/api/v1/imports/{import_mine}/cancel", "etab-admin", {})[0] == 400  # no reason
    code, _, body = post(world, "/api/v1/imports/{import_mine}/validate", "etab-admin", {})
    assert code == 200, body
    assert (body["import_id"], body["status"]) == (world.import_mine, "applied")
    code, _, body = post(world, "/api/v1/imports/{import_mine}/validate", "etab-admin", {})
    assert code == 409 and body["error"]["code"] != "internal_error"
    code, _, body = post(world, "/api/v1/imports/{import_other}/cancel", "operator", {"reason": "wrong file"})
    assert code == 200 and body["status"] == "cancelled", body
    validated = [e for e in stored(world, world.import_mine) if type(e).__name__ == "Validated"]
    cancelled = [e for e in stored(world, world.import_other) if type(e).__name__ == "Cancelled"]
    assert [e.operator for e in validated] == ["admin-mine"]
    assert [(e.operator, e.reason) for e in cancelled] == [("ops", "wrong file")]


def hold_a_delivery(world, directory: Path) -> tuple[Result, list[dict]]:
    """A delta deleting every person of the other establishment, held by the
    brake; and the active accounts of that establishment before it."""
    ctx = world.ctx
    ctx.projection.catch_up(ctx.log)
    persons = account_queries.accounts(ctx.db, uai=world.other, state="active", limit=100000)
    by_category: dict[str, list[str]] = {}
    for row in persons:
        by_category.setdefault(row["category"], []).append(row["jointure"])
    delta = write_delta(directory / "delta", "ENT2026", "20260829", by_category)
    held = ingest(str(delta), ctx, NOW)
    assert held.status == "held", held.as_dict("status", "reason")
    return held, persons


def test_a_held_delivery_is_the_operators_to_reject_through_the_api(world, tmp_path):
    """A delta deleting every person of the other establishment is held by
    the brake; only an operator decides; rejected, nothing of it applies."""
    ctx = world.ctx
    held, persons = hold_a_delivery(world, tmp_path)
    path = "/api/v1/deliveries/" + held.delivery_id + "/{verb}"
    for caller, status in (("etab-admin", 403), ("reader", 403), (None, 401)):
        assert post(world, path.replace("{verb}", "reject"), caller)[0] == status
    assert post(world, "/api/v1/deliveries/ffffffff/release", "operator")[0] == 404
    code, _, body = post(world, path.replace("{verb}", "reject"), "operator")
    assert code == 200 and (body["delivery_id"], body["status"]) == (held.delivery_id, "rejected"), body
    code, _, body = post(world, path.replace("{verb}", "release"), "operator")
    assert code == 409 and held.delivery_id not in body["error"]["message"]
    ctx.projection.catch_up(ctx.log)
    still = account_queries.accounts(ctx.db, uai=world.other, state="active", limit=100000)
    assert len(still) == len(persons)
    rejected = [e for e in stored(world, held.delivery_id) if "Reject" in type(e).__name__]
    assert rejected and {getattr(e, "operator", None) for e in rejected} == {"ops"}


def test_a_store_taken_between_the_probe_and_the_save_is_503_not_a_wait(world, backend):  # noqa: F811
    """An ingest of another process that takes the store's write lock after
    the writer's probe found it free: the save gives up after the short
    wait of the HTTP contexts (about 12 s on PostgreSQL, whose event store
    tries a save ten times) and the write is answered busy."""
    from daemon import bootstrap
    from daemon.http import writes
    from daemon.http.errors import Busy
    from daemon.http.site import WRITE_LOCK_WAIT_S, Site
    from daemon.observability.metrics import Metrics
    from events.access import Caller, Role
    from events.policy import Policy
    from projections.db import Database

    other = Database(world.ctx.db.url)
    site = Site(
        Metrics(version="test"),
        lambda: bootstrap.build(world.ctx.db.url.url, Policy(), lock_wait=WRITE_LOCK_WAIT_S),
        lambda: True,
    )

    def taken_after_the_probe(ctx, who):
        if backend == "sqlite":
            other.execute("BEGIN IMMEDIATE")
        else:
            other._conn.autocommit = False
            other.execute("LOCK TABLE entsync_events IN EXCLUSIVE MODE")
        return writes.hold_purge(ctx, who, reason="audit")

    try:
        with pytest.raises(Busy):
            site.write(taken_after_the_probe, who=Caller("ops", Role.OPERATOR, frozenset()))
    finally:
        if backend == "sqlite":
            other.execute("ROLLBACK")
        else:
            other._conn.rollback()
        other.close()
        site.close()
    from events.usecases.tick import purge_hold

    world.ctx.projection.catch_up(world.ctx.log)
    assert purge_hold(world.ctx)["held"] is False, "the busy write recorded its hold"
