"""Who may read what through the API (issue 12), on SQLite and PostgreSQL:
every endpoint asked with no token, wrong ones, a revoked one, and the token
of each role in and out of its establishments — 401, 403, 404 or 200 as
events/access.py decides; refusals counted and audited under the token's
name; repeated wrong tokens from one address answered 429.

The académie has two establishments (``MINE`` is the scoped tokens'), a
timetable import for each and a SIECLE export of ``MINE``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.access import Role, new_secret
from events.anomaly_kinds import KINDS
from events.clock import ManualClock
from events.policy import Policy
from projections import account_queries, anomaly_queries, structure_queries
from tests.api_tokens import bearer, issue, random_part
from tests.integration.conftest import started_establishments

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T_EDT = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)
NOW = T_EDT + timedelta(hours=2)


@dataclass
class World:
    url: str
    ctx: bootstrap.Context
    metrics: Metrics
    server: object
    mine: str
    other: str
    account_mine: str
    account_other: str
    import_mine: str
    import_other: str
    delivery: str
    tokens: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def world(request, backend, two_establishments, tmp_path_factory):
    # This module's own copy of a store where the first delivery was applied, its
    # accounts created and each establishment's timetable received (conftest.py).
    store_url, started = started_establishments(
        request, backend, two_establishments, tmp_path_factory.mktemp("access"), timetables=True
    )
    clock = ManualClock(NOW)
    ctx = bootstrap.build(store_url, Policy(), clock, simulation=True)
    uais = [s["uai"] for s in structure_queries.structures(ctx.db)]
    assert len(uais) == 2 and set(started.imports) == set(uais)
    mine, other = uais
    imports = started.imports

    def an_account(uai: str) -> str:
        return account_queries.accounts(ctx.db, uai=uai, state="active", limit=1)[0]["jointure"]

    tokens = {
        "operator": issue(ctx, "ops", Role.OPERATOR),
        "reader": issue(ctx, "support-mine", Role.READER, (mine,)),
        "etab-admin": issue(ctx, "admin-mine", Role.ETAB_ADMIN, (mine,)),
        "revoked": issue(ctx, "gone", Role.OPERATOR),
    }
    assert ctx.tokens.revoke("gone", NOW)
    metrics = Metrics(version="test")
    # Every test here asks with wrong tokens from 127.0.0.1: the throttle is tested on a server of its own.
    srv = serve(
        "127.0.0.1:0", metrics, lambda: bootstrap.build(store_url, Policy(), clock), lambda: True, failure_limit=10**6
    )
    try:
        yield World(
            srv.url, ctx, metrics, srv, mine, other, an_account(mine), an_account(other),
            imports[mine], imports[other], started.delivery, tokens,
        )  # fmt: skip
    finally:
        srv.close()
        ctx.close()


def ask(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, dict]:
    req = urllib.request.Request(url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


# Every endpoint, as a template filled from the world; ``scope`` says whose
# establishment it asks about: "mine", "other", or None (the académie).
ENDPOINTS = [
    ("/api/v1/accounts", None),
    ("/api/v1/accounts?uai={mine}", "mine"),
    ("/api/v1/accounts?uai={other}", "other"),
    ("/api/v1/accounts/{account_mine}", "mine"),
    ("/api/v1/accounts/{account_other}", "other"),
    ("/api/v1/structures", None),
    ("/api/v1/structures/{mine}/classes", "mine"),
    ("/api/v1/structures/{other}/classes?members=true", "other"),
    ("/api/v1/imports", None),
    ("/api/v1/imports?uai={other}", "other"),
    ("/api/v1/imports/{import_mine}", "mine"),
    ("/api/v1/imports/{import_other}", "other"),
    ("/api/v1/imports/{import_mine}/sessions", "mine"),
    ("/api/v1/imports/{import_other}/sessions", "other"),
    ("/api/v1/siecle/imports", None),
    ("/api/v1/siecle/imports?uai={other}", "other"),
    ("/api/v1/deliveries", "operations"),
    ("/api/v1/deliveries/{delivery}", "operations"),
    ("/api/v1/anomalies", None),
    ("/api/v1/anomalies?uai={other}&kind=not_served,teacher_without_classes", "other"),
]
CALLERS = ["none", "malformed", "unknown", "revoked", "reader", "etab-admin", "operator"]


def expected(caller: str, scope: str | None) -> int:
    if caller in ("none", "malformed", "unknown", "revoked"):
        return 401
    if caller == "operator":
        return 200
    if scope == "operations":
        return 403
    return 404 if scope == "other" else 200


def headers_of(world: World, caller: str) -> dict[str, str]:
    if caller == "none":
        return {}
    if caller == "malformed":
        return {"Authorization": "Bearer not-a-token"}
    if caller == "unknown":
        return bearer(new_secret()[1])
    return bearer(world.tokens[caller])


def fill(world: World, template: str) -> str:
    return template.format(**{k: v for k, v in vars(world).items() if isinstance(v, str)})


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("template, scope", ENDPOINTS)
def test_every_endpoint_answers_each_caller_as_its_role_and_scope_say(world, template, scope, caller):
    status, headers, body = ask(world.url, fill(world, template), headers_of(world, caller))
    assert status == expected(caller, scope), body
    if status != 200:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if status == 401:
        assert headers.get("www-authenticate", headers.get("WWW-Authenticate", "")).startswith("Bearer")
    if status == 404:  # worded as a key that does not exist: no hint of where the person is
        assert body["error"]["message"] in (
            "no account with this key",
            "no structure with this key",
            "no import with this key",
        )


@pytest.mark.parametrize("caller", ["reader", "etab-admin"])
def test_listings_show_a_scoped_caller_its_establishments_only(world, caller):
    h = headers_of(world, caller)
    assert [s["uai"] for s in ask(world.url, "/api/v1/structures", h)[2]["structures"]] == [world.mine]
    listed = ask(world.url, "/api/v1/accounts?limit=100000", h)[2]["accounts"]
    everyone = ask(world.url, "/api/v1/accounts?limit=100000", headers_of(world, "operator"))[2]["accounts"]
    assert 0 < len(listed) < len(everyone)
    assert world.account_mine in {a["jointure"] for a in listed}
    assert world.account_other not in {a["jointure"] for a in listed}
    assert {i["uai"] for i in ask(world.url, "/api/v1/imports", h)[2]["imports"]} == {world.mine}
    # Out of scope and not existing are answered alike.
    outside = ask(world.url, fill(world, "/api/v1/accounts/{account_other}"), h)
    missing = ask(world.url, "/api/v1/accounts/no-such-person", h)
    assert (outside[0], outside[2]) == (missing[0], missing[2]) == (404, missing[2])


def test_refusals_are_counted_and_audited_under_the_token_name(world):
    before = world.metrics.api_refusals.labels("403", "forbidden")._value.get()
    assert ask(world.url, "/api/v1/deliveries", headers_of(world, "reader"))[0] == 403
    assert ask(world.url, fill(world, "/api/v1/accounts/{account_other}"), headers_of(world, "etab-admin"))[0] == 404
    assert world.metrics.api_refusals.labels("403", "forbidden")._value.get() == before + 1
    gate = world.server._server.config.app.app.state.gate  # the running server's (daemon/http/app.py)
    assert gate.drain()
    rows = world.ctx.access_audit.recent(limit=1000)
    assert {
        "token_name": "support-mine",
        "route": "/api/v1/deliveries",
        "status": 403,
        "code": "forbidden",
    }.items() <= (next(r for r in rows if r["token_name"] == "support-mine" and r["status"] == 403).items())
    assert any(r["token_name"] == "admin-mine" and r["route"] == "/api/v1/accounts/{key}" for r in rows)
    dump = json.dumps(rows)
    assert not any(secret in dump for secret in world.tokens.values())
    assert world.account_other not in dump  # the route's template, never the key asked


def test_repeated_wrong_tokens_from_one_address_are_answered_429(tmp_path):
    store = f"sqlite:///{tmp_path / 'entsync.db'}"
    ctx = bootstrap.build(store, simulation=True)
    good = issue(ctx, "ops", Role.OPERATOR)
    ctx.close()
    srv = serve("127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(store), lambda: True)
    try:
        statuses = [ask(srv.url, "/api/v1/structures", bearer(new_secret()[1]))[0] for _ in range(12)]
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
        status, headers, body = ask(srv.url, "/api/v1/structures", bearer(good))
        assert status == 429 and body["error"]["code"] == "too_many_failures"
        assert 1 <= int({k.lower(): v for k, v in headers.items()}["retry-after"]) <= 60
        # A missing token is not a guess: it is refused without counting.
        assert ask(srv.url, "/healthz")[0] == 200
    finally:
        srv.close()


def test_the_openapi_document_declares_the_bearer_scheme_on_every_api_route(world):
    status, _, doc = ask(world.url, "/api/v1/openapi.json")
    assert status == 200
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["token"]["description"],
    }
    for path, item in doc["paths"].items():
        for op in item.values():
            secured = op.get("security") == [{"token": []}]
            assert secured == (path.startswith("/api/v1/") and path != "/api/v1/openapi.json"), path
            if secured:
                assert {"401", "403", "429"} <= set(op["responses"]), path


def test_the_tokens_are_kept_as_digests(world):
    rows = world.ctx.db.query("SELECT * FROM api_tokens")
    assert len(rows) == 4
    dump = repr(rows)
    for secret in world.tokens.values():
        assert secret not in dump and random_part(secret) not in dump


def test_the_anomalies_route_filters_as_the_cli_does_within_the_callers_establishments(world):
    op, reader = headers_of(world, "operator"), headers_of(world, "reader")
    status, _, everything = ask(world.url, "/api/v1/anomalies", op)
    assert status == 200 and everything["count"] == len(everything["anomalies"]) > 0
    expected_rows = anomaly_queries.anomalies(world.ctx.db, NOW, world.ctx.policy.overdue_grace, world.ctx.policy)
    assert [{k: r[k] for k in ("anomaly", "jointure", "detail", "at")} for r in everything["anomalies"]] == [
        {k: r[k] for k in ("anomaly", "jointure", "detail", "at")} for r in expected_rows
    ]
    mine = ask(world.url, "/api/v1/anomalies", reader)[2]["anomalies"]
    assert 0 < len(mine) < len(everything["anomalies"]) and all(r in everything["anomalies"] for r in mine)
    assert mine == ask(world.url, f"/api/v1/anomalies?uai={world.mine}", op)[2]["anomalies"]
    kinds = ask(world.url, "/api/v1/anomalies?kind=teacher_without_classes,couple_in_one_record&lang=en", op)[2]
    assert {r["anomaly"] for r in kinds["anomalies"]} <= {"teacher_without_classes", "couple_in_one_record"}
    assert kinds["anomalies"] and all(r["label"] == KINDS[r["anomaly"]].label_en for r in kinds["anomalies"])
    assert all(r["label"] == KINDS[r["anomaly"]].label_fr for r in everything["anomalies"])
    late = ask(world.url, "/api/v1/anomalies?since=2030-01-01T00:00&now=2030-01-01T00:00", op)[2]["anomalies"]
    assert late and all(r["at"] is None for r in late)  # the states only: no fact after 2030
    status, _, body = ask(world.url, "/api/v1/anomalies?kind=bogus", op)
    assert status == 400 and body["error"]["code"] == "invalid_parameter"
    # The document lists the codes; the message does not echo the value sent.
    assert body["error"]["message"].startswith("unknown anomaly kind: kind takes codes of the catalogue")
