"""The daemon's HTTP server over a generated académie, on SQLite and
PostgreSQL: a rentrée (AAF, creations, a timetable awaiting validation and
its duplicate, a SIECLE export, the November delivery with leavers), then
every documented endpoint asked, its answer checked against the OpenAPI
schema; the gauges checked against the read model; the exposition checked
by promtool and scanned for personal data."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from daemon import bootstrap
from daemon.http.app import document
from daemon.http.errors import PARAMETER_RULES
from daemon.http.server import serve
from daemon.observability.metric_defs import SOURCES
from daemon.observability.metrics import Metrics
from events.access import new_secret
from events.clock import ManualClock, SystemClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from events.usecases.timetable_receive import receive
from projections import account_queries, anomaly_queries
from tests.api_tokens import bearer, issue
from tests.integration.conftest import Academie, make_academie, new_store

T0 = datetime(2026, 8, 18, 6, 0, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, 0, tzinfo=timezone.utc)
T_EDT = datetime(2026, 8, 28, 8, 0, tzinfo=timezone.utc)
T_SIECLE = datetime(2026, 9, 2, 8, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 5, 6, 0, tzinfo=timezone.utc)
NOW = T1 + timedelta(hours=2)
# The API's surface: an endpoint lost or added shows here.
PATHS = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/openapi.json",
    "/api/v1/accounts",
    "/api/v1/accounts/{key}",
    "/api/v1/accounts/{key}/history",
    "/api/v1/accounts/{key}/diff",
    "/api/v1/accounts/{key}/explanation",
    "/api/v1/explanations",
    "/api/v1/structures",
    "/api/v1/structures/{uai}/classes",
    "/api/v1/deliveries",
    "/api/v1/deliveries/{id}",
    "/api/v1/imports",
    "/api/v1/imports/{id}",
    "/api/v1/imports/{id}/sessions",
    "/api/v1/siecle/imports",
    "/api/v1/anomalies",
    # The admin actions (issue 13, POST; tests/integration/test_http_actions.py asks them).
    "/api/v1/deliveries/{id}/release",
    "/api/v1/deliveries/{id}/reject",
    "/api/v1/siecle/imports/{id}/release",
    "/api/v1/siecle/imports/{id}/reject",
    "/api/v1/purge/hold",
    "/api/v1/purge/release",
    "/api/v1/imports/{id}/validate",
    "/api/v1/imports/{id}/retry",
    "/api/v1/imports/{id}/match",
    "/api/v1/imports/{id}/cancel",
    "/api/v1/structures/{uai}/group-source",
    "/api/v1/accounts/{key}/rename-login",
    # Manual accounts, free groups, duplicate marks (tests/integration/test_http_admin_writes.py).
    "/api/v1/structures/{uai}/accounts",
    "/api/v1/structures/{uai}/groups",
    "/api/v1/structures/{uai}/groups/{code}/rename",
    "/api/v1/structures/{uai}/groups/{code}/delete",
    "/api/v1/structures/{uai}/groups/{code}/members/add",
    "/api/v1/structures/{uai}/groups/{code}/members/remove",
    "/api/v1/accounts/{key}/duplicate-mark",
    "/api/v1/accounts/{key}/duplicate-unmark",
    "/api/v1/accounts/{key}/attachments",
    "/api/v1/accounts/{key}/attachments/{uai}/end",
    # A merge of two accounts of one person, and its undoing (tests/integration/test_http_merge.py).
    "/api/v1/accounts/{key}/merge",
    "/api/v1/accounts/{key}/unmerge",
    # An operator's decision on an anomaly (issue 15, tests/integration/test_anomaly_review.py).
    "/api/v1/anomalies/{id}/confirm",
    "/api/v1/anomalies/{id}/dismiss",
    # The preview of an uploaded file (issue 15, tests/integration/test_http_preview.py).
    "/api/v1/previews",
    # A person's data on request (issue 17, tests/integration/test_person_export.py).
    "/api/v1/persons/{key}/export",
}
FIX = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("http-academie"), "--students", "150", "--seed", "11", "--sources", "aaf,timetable"
    )


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@dataclass
class Site:
    url: str
    ctx: bootstrap.Context
    metrics: Metrics
    uai: str
    import_id: str
    delivery_id: str
    ready: list[bool]
    token: str  # an operator's: these tests ask what the API answers (tests/integration/test_http_access.py: who may)


@pytest.fixture(scope="module")
def site(request, backend, acad, tmp_path_factory):
    store_url, drop = new_store(request, backend, tmp_path_factory.mktemp("http-store"))
    clock = ManualClock(NOW)
    ctx = bootstrap.build(store_url, Policy(), clock)
    assert ingest(str(acad.first), ctx, T0).status == "applied"
    tick(ctx, T_CREATE)
    date = acad.manifest["dates"]["first"]
    uai, rel = next(iter(acad.manifest["sources"]["timetable"][date].items()))
    first = receive(acad.root / rel, ctx, T_EDT)
    assert first.status == "awaiting_validation"
    assert receive(acad.root / rel, ctx, T_EDT + timedelta(hours=1)).reason == "duplicate_file"
    ingest_siecle(FIX / "siecle" / "ElevesSansAdresses.xml", ctx, T_SIECLE)
    second = ingest(str(acad.second), ctx, T1)
    assert second.status == "applied", second.message
    ctx.siecle.catch_up(ctx.log)  # what the daemon's catch-up job does
    ctx.imports.catch_up(ctx.log)
    metrics = Metrics(CollectorRegistry(), version="test")
    ready = [False]
    server = serve("127.0.0.1:0", metrics, lambda: bootstrap.build(store_url, Policy(), clock), lambda: ready[0])
    try:
        token = issue(ctx, "operator")
        yield Site(server.url, ctx, metrics, uai, first.import_id, second.delivery_id, ready, token)
    finally:
        server.close()
        ctx.close()
        drop()


def get(site: Site, path: str, method: str = "GET") -> tuple[int, Message, bytes]:
    """Status, headers (looked up by name in any case, as HTTP says) and body."""
    req = urllib.request.Request(site.url + path, method=method, headers=bearer(site.token))
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def schema_of(doc: dict, path: str, status: int = 200) -> dict | None:
    answer = doc["paths"][path]["get"]["responses"][str(status)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    content = answer["content"]
    return content["application/json"]["schema"] if "application/json" in content else None


def check(doc: dict, path: str, status: int, body: Any) -> None:
    schema = schema_of(doc, path, status)
    assert schema is not None
    Draft202012Validator({**schema, "components": doc["components"]}).validate(body)


def personal_values(ctx) -> set[str]:
    """Every name, birth date, INE, jointure and login of the dataset."""
    out: set[str] = set()
    for row in ctx.db.query_dicts("SELECT jointure, login, attrs FROM accounts"):
        out.update(v for v in (row["jointure"], row["login"]) if v)
        for name, value in json.loads(row["attrs"]).items():
            values = value if isinstance(value, list) else [value]
            if any(
                k in name.lower()
                for k in ("sn", "givenname", "nom", "prenom", "datenaissance", "ine", "personalTitle".lower(), "mail")
            ):
                out.update(str(v) for v in values if v and len(str(v)) >= 3)
    return out


# ---- the API -----------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_lists_every_endpoint(site):
    status, headers, body = get(site, "/api/v1/openapi.json")
    served = json.loads(body)
    assert status == 200 and served == document()
    validate_openapi(served)
    assert served["openapi"].startswith("3.1")
    assert set(served["paths"]) == PATHS
    assert {op["operationId"] for item in served["paths"].values() for op in item.values()} >= {
        "listAccounts",
        "getAccount",
        "getImportSessions",
    }
    # The project's error shape only: FastAPI's validation answer is never given.
    assert "HTTPValidationError" not in json.dumps(served) and '"422"' not in json.dumps(served)


def test_every_documented_path_answers_as_documented(site):
    doc = document()
    account = account_queries.accounts(site.ctx.db, state="active", limit=1)[0]
    concrete = {
        "/api/v1/accounts/{key}": f"/api/v1/accounts/{account['login']}",
        "/api/v1/accounts/{key}/history": f"/api/v1/accounts/{account['login']}/history",
        "/api/v1/accounts/{key}/diff": f"/api/v1/accounts/{account['login']}/diff?from={T0:%Y-%m-%dT%H:%MZ}&to={NOW:%Y-%m-%dT%H:%MZ}",
        "/api/v1/accounts/{key}/explanation": f"/api/v1/accounts/{account['login']}/explanation?lang=en",
        "/api/v1/explanations": f"/api/v1/explanations?name={account['login']}",
        "/api/v1/persons/{key}/export": f"/api/v1/persons/{account['login']}/export",
        "/api/v1/structures/{uai}/classes": f"/api/v1/structures/{site.uai}/classes",
        "/api/v1/deliveries/{id}": f"/api/v1/deliveries/{site.delivery_id}",
        "/api/v1/imports/{id}": f"/api/v1/imports/{site.import_id[:8]}",
        "/api/v1/imports/{id}/sessions": f"/api/v1/imports/{site.import_id[:8]}/sessions",
    }
    site.ready[0] = True
    answered = set()
    readable = {path for path, item in doc["paths"].items() if "get" in item}  # the writes: test_http_actions.py
    for path in readable:
        assert "{" not in concrete.get(path, path), f"no value for the parameters of {path}"
        status, headers, body = get(site, concrete.get(path, path))
        assert status == 200, (path, body[:300])
        if path == "/metrics":
            assert headers["Content-Type"].startswith("text/plain") and b"entsync_accounts" in body
        else:
            assert headers["Content-Type"].startswith("application/json")
            check(doc, path, 200, json.loads(body))
        answered.add(path)
    assert answered == readable


def test_lists_hold_the_story(site):
    _, _, body = get(site, "/api/v1/imports")
    imports = json.loads(body)["imports"]
    assert [i["reason"] for i in imports] == ["duplicate_file", ""]
    assert {i["status"] for i in imports} == {"rejected", "awaiting_validation"}
    _, _, body = get(site, "/api/v1/siecle/imports")
    assert len(json.loads(body)["imports"]) == 1
    _, _, body = get(site, "/api/v1/deliveries")
    assert [d["status"] for d in json.loads(body)["deliveries"]] == ["applied", "applied"]
    _, _, body = get(site, f"/api/v1/structures/{site.uai}/classes?members=true")
    classes = json.loads(body)["classes"]
    assert classes and all("members" in c for c in classes)
    assert sum(c["students"] for c in classes if c["kind"] == "class") > 0


def test_account_filters(site):
    _, _, body = get(site, "/api/v1/accounts?profile=ELEVE&state=active&limit=100000")
    listed = json.loads(body)
    assert listed["count"] > 0 and not listed["truncated"]
    assert {(a["profile"], a["state"]) for a in listed["accounts"]} == {("ELEVE", "active")}
    assert listed["count"] == len(account_queries.accounts(site.ctx.db, profile="ELEVE", state="active"))
    _, _, body = get(site, f"/api/v1/accounts?uai={site.uai}&limit=5")
    page = json.loads(body)
    assert page["count"] == 5 and page["truncated"] is True
    _, _, body = get(site, "/api/v1/accounts?uai=0000000A")
    assert json.loads(body)["accounts"] == []
    # By login, by jointure and by account id: the same account.
    account = account_queries.accounts(site.ctx.db, state="active", limit=1)[0]
    for key in (account["login"], account["jointure"], account["account_id"]):
        status, _, body = get(site, f"/api/v1/accounts/{key}")
        assert status == 200 and json.loads(body)["account_id"] == account["account_id"]


@pytest.mark.parametrize(
    "path, status, code",
    [
        ("/api/v1/accounts/{name}", 404, "not_found"),
        ("/api/v1/deliveries/{name}", 404, "not_found"),
        ("/api/v1/imports/{name}", 404, "not_found"),
        ("/api/v1/structures/{name}/classes", 404, "not_found"),
        ("/api/v1/accounts?limit={name}", 400, "invalid_parameter"),
        ("/api/v1/accounts?{name}=1", 400, "unknown_parameter"),
        ("/api/v1/nowhere/{name}", 404, "unknown_path"),
    ],
)
def test_errors_are_json_and_repeat_no_key(site, path, status, code):
    # A real person's name and login: what an operator might type, never echoed back.
    row = site.ctx.db.query_dicts("SELECT login, attrs FROM accounts WHERE state = 'active' LIMIT 1")[0]
    family = json.loads(row["attrs"]).get("sn", ["Dupont"])
    name = f"{(family[0] if isinstance(family, list) else family)}.x{row['login']}"
    got, headers, body = get(site, path.replace("{name}", urllib.request.quote(name)))
    assert got == status and headers["Content-Type"].startswith("application/json")
    error = json.loads(body)
    assert error["error"]["code"] == code
    assert row["login"] not in body.decode() and name not in body.decode()


@pytest.mark.parametrize(
    "path, name",
    [
        ("/api/v1/accounts/a%00b", "key"),
        ("/api/v1/accounts?uai=%00", "uai"),
        ("/api/v1/accounts?state=active%00", "state"),
        ("/api/v1/accounts?profile=%00ELEVE", "profile"),
        ("/api/v1/structures/%00/classes", "uai"),
        ("/api/v1/deliveries/%00", "id"),
        ("/api/v1/imports/%00", "id"),
        ("/api/v1/imports/%00/sessions", "id"),
        ("/api/v1/imports?uai=%00", "uai"),
        ("/api/v1/siecle/imports?uai=%00", "uai"),
        ("/api/v1/anomalies?uai=%00", "uai"),
        ("/api/v1/anomalies?kind=not_served%00", "kind"),
    ],
)
def test_a_nul_character_in_a_parameter_is_refused_as_the_document_says(site, path, name):
    # PostgreSQL refuses to be asked about one: it was a 500 there, and a 404 or 200 on SQLite.
    status, _, body = get(site, path)
    assert (status, json.loads(body)) == (
        400,
        {"error": {"code": "invalid_parameter", "message": PARAMETER_RULES[name]}},
    )
    # kind takes the catalogue's codes only (issue 15): its message says that, the others name the NUL.
    assert PARAMETER_RULES[name] == f"{name} must not hold a NUL character" or name == "kind"


def test_writes_are_refused(site):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, body = get(site, "/api/v1/accounts", method)
        assert status == 405 and headers["Allow"] == "GET"
        assert json.loads(body)["error"]["code"] == "method_not_allowed"


def test_readyz_answers_503_until_ready(site):
    site.ready[0] = False
    status, _, body = get(site, "/readyz")
    assert (status, json.loads(body)) == (503, {"ready": False})
    assert get(site, "/healthz")[0] == 200
    site.ready[0] = True
    status, _, body = get(site, "/readyz")
    assert (status, json.loads(body)) == (200, {"ready": True})


def test_concurrent_requests_each_on_its_worker_context(site):
    paths = [
        "/metrics",
        "/api/v1/accounts?limit=50",
        "/api/v1/structures",
        "/api/v1/deliveries",
        "/api/v1/imports",
        f"/api/v1/structures/{site.uai}/classes",
    ] * 6
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda p: get(site, p)[0], paths))
    assert statuses == [200] * len(paths)


# ---- the metrics ---------------------------------------------------------------------


def families(site: Site) -> dict[str, Any]:
    _, _, body = get(site, "/metrics")
    return {f.name: f for f in text_string_to_metric_families(body.decode())}


def value(fams: dict, name: str, **labels: str) -> float | None:
    for fam in fams.values():
        for s in fam.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def test_gauges_agree_with_the_read_model(site):
    ctx = site.ctx
    fams = families(site)
    rows = account_queries.accounts(ctx.db)
    by = {}
    for r in rows:
        by[(r["profile"], r["state"])] = by.get((r["profile"], r["state"]), 0) + 1
    exposed = {(s.labels["profile"], s.labels["state"]): s.value for s in fams["entsync_accounts"].samples}
    assert exposed == by and {"active", "departing"} <= {s for _, s in by}
    overdue = [
        a
        for a in anomaly_queries.anomalies(ctx.db, NOW, ctx.policy.overdue_grace)
        if a["anomaly"] == "creation_overdue"
    ]
    assert value(fams, "entsync_account_creations_overdue") == len(overdue)
    assert value(fams, "entsync_account_creations_pending") == sum(n for (p, s), n in by.items() if s == "pending")
    # Left in November 2026: removed at the Toussaint holidays of 2027, the next ones after NOW.
    departing = sum(n for (p, s), n in by.items() if s == "departing")
    assert departing > 0 and value(fams, "entsync_departures_due_before_next_toussaint") == departing
    assert datetime.fromtimestamp(value(fams, "entsync_next_toussaint_timestamp_seconds"), timezone.utc).year == 2027
    assert value(fams, "entsync_deliveries_held") == 0
    assert value(fams, "entsync_imports_awaiting_validation", source="timetable") == 1
    assert value(fams, "entsync_event_log_events") == ctx.log.max_position()
    for projection in ("directory", "imports", "siecle"):
        assert value(fams, "entsync_projection_lag_events", projection=projection) == 0
        assert value(fams, "entsync_projection_lag_seconds", projection=projection) == 0
    assert value(fams, "entsync_last_successful_import_timestamp_seconds", source="aaf") == T1.timestamp()
    assert value(fams, "entsync_last_successful_import_timestamp_seconds", source="timetable") is None
    assert value(fams, "entsync_purge_hold") == 0


def test_labels_never_carry_personal_data(site):
    site.metrics.observe_import("timetable", "rejected", "duplicate_file", site.uai, 0.3, ctx=site.ctx)
    site.metrics.observe_import("sts", "rejected", "unknown_uai", "0999999Z", 0.3, ctx=site.ctx)
    fams = families(site)
    personal = personal_values(site.ctx)
    assert len(personal) > 100
    labels = {(k, v) for fam in fams.values() for s in fam.samples for k, v in s.labels.items()}
    assert not {v for _, v in labels} & personal
    assert {v for k, v in labels if k == "uai"} == {site.uai, "unknown"}
    assert {v for k, v in labels if k == "source"} <= set(SOURCES)


def test_promtool_accepts_the_real_exposition(site, promtool):
    site.metrics.observe_import("aaf", "applied", "", None, 12.0, ctx=site.ctx)
    site.metrics.observe_import("timetable", "rejected", "duplicate_file", site.uai, 0.3, ctx=site.ctx)
    site.metrics.observe_records_rejected("aaf", "invalid_date", 3)
    status, _, body = get(site, "/metrics")
    assert status == 200 and b"entsync_imports_rejected_total{" in body
    res = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=60)
    assert res.returncode == 0, (res.stdout + res.stderr).decode()


class AheadClock(SystemClock):
    """The machine's clock, 30 s ahead: the events just stored look 30 s old."""

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=30)


def test_lag_shows_events_not_yet_projected(store_url, acad):
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert ingest(str(acad.first), ctx, T0, project=False).status == "applied"
        metrics = Metrics(CollectorRegistry(), version="test", clock=AheadClock())
        metrics.refresh(ctx)
        lag = metrics.registry.get_sample_value("entsync_projection_lag_events", {"projection": "directory"})
        assert lag == ctx.log.max_position() - ctx.projection.position() > 0
        assert metrics.registry.get_sample_value("entsync_projection_lag_seconds", {"projection": "directory"}) >= 30
        ctx.projection.catch_up(ctx.log)
        metrics.refresh(ctx)
        assert metrics.registry.get_sample_value("entsync_projection_lag_events", {"projection": "directory"}) == 0
        assert metrics.registry.get_sample_value("entsync_projection_lag_seconds", {"projection": "directory"}) == 0
    finally:
        ctx.close()


def test_an_unreachable_store_answers_503_and_keeps_the_counters():
    def factory():
        raise OSError("connection refused to postgresql://entsync:secret@db")

    metrics = Metrics(CollectorRegistry(), version="test")
    metrics.observe_import("aaf", "rejected", "malformed_xml", None, 1.0)
    server = serve("127.0.0.1:0", metrics, factory, lambda: False)
    try:
        site = Site(server.url, None, metrics, "", "", "", [False], new_secret()[1])  # looked up: the store is asked
        status, _, body = get(site, "/api/v1/structures")
        assert status == 503 and json.loads(body)["error"]["code"] == "store_unavailable"
        assert b"secret" not in body
        status, _, body = get(site, "/metrics")
        assert status == 200
        fams = {f.name: f for f in text_string_to_metric_families(body.decode())}
        assert value(fams, "entsync_imports_rejected_total", source="aaf", reason="malformed_xml", uai="none") == 1
        assert value(fams, "entsync_metrics_refresh_failures_total") == 1
        assert "entsync_accounts" not in fams
        assert get(site, "/healthz")[0] == 200 and get(site, "/readyz")[0] == 503
    finally:
        server.close()


def test_request_logs_name_the_route_not_the_key(site, caplog):
    account = account_queries.accounts(site.ctx.db, state="active", limit=1)[0]
    with caplog.at_level("DEBUG", logger="entsync.http"):
        assert get(site, f"/api/v1/accounts/{account['login']}")[0] == 200
        assert get(site, f"/api/v1/accounts/{account['login']}x")[0] == 404
        time.sleep(0.2)  # the worker logs after answering
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/api/v1/accounts/{key}" in text
    assert account["login"] not in text and account["jointure"] not in text
