"""The HTTP API's answers on the rentrée walkthrough's store (issue 12: the
API moved to another framework, its answers did not). ``scripts/golden.py``
runs the walkthrough once for the golden record and, with ``--api``, asks
the daemon's HTTP server on the store it leaves every request of
``requests_for`` in four situations (serving, not ready, a stalled worker,
the store known to be down): ``write`` keeps them in tests/golden/api.json.gz,
``check`` asks the recorded requests again and compares (``differences``).

    python scripts/golden.py write tests/golden/rentree.json.gz --api tests/golden/api.json.gz

An answer is its status, the headers a client reads (type, caching, Allow)
and its body: JSON as parsed, key order kept; the Prometheus exposition as
text with the ``_created`` samples masked (the wall clock of the process);
the OpenAPI document as the list of its operations (the document is checked
against every answer by tests/e2e/test_api_capture.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

NOW = datetime(2026, 9, 22, 8, 0, tzinfo=timezone.utc)  # after the walkthrough's last --now
HEADERS = ("content-type", "cache-control", "allow")
STALLED = {"item": "export_edt_0740263J.xml", "held_seconds": 61.0, "bound_seconds": 60}
SITUATIONS = ("serving", "not_ready", "stalled", "store_down")
_CREATED = re.compile(r"^(\w+_created(\{[^}]*\})?) \S+$", re.M)


def requests_for(store: Path) -> list[tuple[str, str]]:
    """(method, path) of every request asked: each endpoint with valid,
    invalid and unknown parameters and keys, on the store's own ids."""
    db = sqlite3.connect(store)
    q = lambda sql: [r[0] for r in db.execute(sql)]  # noqa: E731
    uais = q("SELECT uai FROM structures WHERE uai != '' ORDER BY uai")
    deliveries = q("SELECT delivery_id FROM deliveries ORDER BY delivery_id")
    fingerprints = q("SELECT fingerprint FROM deliveries ORDER BY delivery_id")
    imports = q("SELECT import_id FROM imports ORDER BY import_id")
    keys: list[str] = []
    for profile, state in db.execute("SELECT DISTINCT profile, state FROM accounts ORDER BY 1, 2").fetchall():
        rows = db.execute(
            "SELECT login, jointure, account_id FROM accounts WHERE profile = ? AND state = ? ORDER BY jointure LIMIT 2",
            (profile, state),
        ).fetchall()
        for login, jointure, account_id in rows:
            keys += [k for k in (login, jointure, account_id) if k]
    keys += q("SELECT jointure FROM accounts WHERE couple_flag = 1 ORDER BY jointure LIMIT 1")
    login = q("SELECT login FROM accounts WHERE state = 'active' AND login != '' ORDER BY jointure LIMIT 1")[0]
    db.close()
    big = max(uais, key=len)
    get = [
        "/healthz",
        "/healthz/",
        "/healthz?x=1",
        "/readyz",
        "/metrics",
        "/metrics?x=1",
        "/api/v1/openapi.json",
        "/",
        "/api",
        "/api/v1",
        "/api/v1/nowhere",
        "/api/v1/accounts/a/b",
        "/api/v1/%61ccounts",
        "/metrics/x",
        "//api/v1/accounts",
        "/api/v1/structures",
        "/api/v1/structures?x=1",
        "/api/v1/structures/",
        "/api/v1/structures/0000000A/classes",
        "/api/v1/structures//classes",
        "/api/v1/deliveries",
        "/api/v1/deliveries/",
        "/api/v1/deliveries?uai=" + big,
        "/api/v1/deliveries/nope",
        "/api/v1/imports",
        f"/api/v1/imports?uai={big}",
        "/api/v1/imports?uai=",
        "/api/v1/imports?uai=0000000A",
        "/api/v1/imports?limit=1",
        "/api/v1/imports/nope",
        "/api/v1/imports/nope/sessions",
        "/api/v1/imports/0",
        "/api/v1/siecle/imports",
        f"/api/v1/siecle/imports?uai={big}",
        "/api/v1/siecle/imports?uai=0000000A",
        "/api/v1/siecle/imports?kind=eleves",
        "/api/v1/siecle/imports/x",
    ]
    for value in ("", "1", "5", "05", "100000", "0", "-1", "abc", "100001", " 5", "+5", "5.0", "1e3", "٥", "1_0"):
        get.append("/api/v1/accounts?limit=" + urllib.parse.quote(value))
    get += [
        "/api/v1/accounts",
        "/api/v1/accounts/",
        "/api/v1/accounts?limit=5&limit=7",
        "/api/v1/accounts?limit=abc&limit=3",
        "/api/v1/accounts?limit",
        "/api/v1/accounts?state=active&limit=3",
        "/api/v1/accounts?state=pending",
        "/api/v1/accounts?state=no_account",
        "/api/v1/accounts?state=nonsense",
        "/api/v1/accounts?profile=ENSEIGNANT",
        "/api/v1/accounts?profile=NON_ENSEIGNANT&state=active",
        "/api/v1/accounts?profile=eleve&limit=2",
        f"/api/v1/accounts?uai={big}&limit=4",
        "/api/v1/accounts?uai=&state=&profile=&limit=2",
        "/api/v1/accounts?uai=0000000A",
        "/api/v1/accounts?foo=1",
        "/api/v1/accounts?Limit=1",
        "/api/v1/accounts?foo%20bar=1",
        "/api/v1/accounts?limit=abc&foo=1",
        "/api/v1/accounts?zz=1&aa=2",
        "/api/v1/accounts?" + "x" * 40 + "=1",
        f"/api/v1/accounts/{login}?x=1",
        f"/api/v1/accounts/{login}/",
        f"/api/v1/accounts/{login.upper()}",
        f"/api/v1/accounts/{login}x",
        f"/api/v1/accounts/{login[:4]}",
        "/api/v1/accounts/%C3%A9l%C3%A8ve",
        "/api/v1/accounts/a%2Fb",
        "/api/v1/accounts/a%20b",
        "/api/v1/accounts/%",
        "/api/v1/accounts/0",
    ]
    get += [f"/api/v1/accounts/{urllib.parse.quote(k)}" for k in keys]
    # An account's history and diff (issue 15).
    get += [
        f"/api/v1/accounts/{login}/history",
        f"/api/v1/accounts/{login}/history?since=2026-09-01T00:00:00Z",
        f"/api/v1/accounts/{login}/history?since=yesterday",
        "/api/v1/accounts/nobody/history",
        f"/api/v1/accounts/{login}/diff?from=2026-08-19T00:00:00Z&to=2026-09-22T00:00:00Z",
        f"/api/v1/accounts/{login}/diff?from=2026-09-22T00:00:00Z&to=2026-08-19T00:00:00Z",
        f"/api/v1/accounts/{login}/diff?from=yesterday&to=2026-08-19T00:00:00Z",
        f"/api/v1/accounts/{login}/diff",
        # An account explained, and the accounts of a name (issue 15).
        f"/api/v1/accounts/{login}/explanation",
        f"/api/v1/accounts/{login}/explanation?lang=en&now=2026-09-22T00:00:00Z",
        f"/api/v1/accounts/{login}/explanation?now=yesterday",
        "/api/v1/accounts/nobody/explanation",
        "/api/v1/explanations?name=Nobody",
        "/api/v1/explanations",
        # Everything held on one person, the right of access (issue 17).
        f"/api/v1/persons/{login}/export",
        f"/api/v1/persons/{login}/export?lang=en",
        "/api/v1/persons/nobody/export",
    ]
    for uai in uais:
        get += [f"/api/v1/structures/{uai}/classes"]
    get += [f"/api/v1/structures/{big}/classes?members={v}" for v in ("true", "1", "false", "0", "", "yes", "TRUE")]
    get += [f"/api/v1/structures/{big}/classes?members=true&x=1", f"/api/v1/structures/{big.lower()}/classes"]
    for d, fp in zip(deliveries, fingerprints):
        get += [f"/api/v1/deliveries/{d}", f"/api/v1/deliveries/{d[:8]}", f"/api/v1/deliveries/{fp}"]
        get += [f"/api/v1/deliveries/{d}?x=1", f"/api/v1/deliveries/{d.upper()}"]
    for i in imports:
        get += [f"/api/v1/imports/{i}", f"/api/v1/imports/{i[:8]}", f"/api/v1/imports/{i}/sessions"]
    get += [f"/api/v1/imports/{imports[0][:8]}/sessions?x=1", f"/api/v1/imports/{imports[0]}?x=1"]
    get += ["/api/v1/anomalies", f"/api/v1/anomalies?uai={big}&lang=en", "/api/v1/anomalies?kind=bogus"]
    get += ["/api/v1/anomalies?kind=creation_overdue,not_served&since=2026-08-01T00:00&now=2026-12-01T00:00"]
    asked = [("GET", p) for p in get]
    for method in ("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
        asked += [(method, "/api/v1/accounts"), (method, "/api/v1/nowhere")]
    asked += [("POST", "/healthz"), ("HEAD", "/metrics"), ("HEAD", "/healthz"), ("DELETE", f"/api/v1/accounts/{login}")]
    return asked


def ask(url: str, method: str, path: str, token: str | None = None) -> dict[str, Any]:
    """One answer; asked with an operator's token since the API knows its
    callers (issue 12): the answers captured before are an operator's."""
    req = urllib.request.Request(
        url + path, method=method, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, headers, data = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, headers, data = exc.code, exc.headers, exc.read()
    answer: dict[str, Any] = {"method": method, "path": path, "status": status}
    answer["headers"] = {h: headers.get(h) for h in HEADERS if headers.get(h) is not None}
    kind = (headers.get("content-type") or "").split(";")[0]
    if not data:
        answer["body"] = None
    elif kind == "application/json":
        body = json.loads(data)
        answer["body"] = operations(body) if path == "/api/v1/openapi.json" and status == 200 else body
    else:
        answer["body"] = _CREATED.sub(r"\1 <created>", data.decode())
    return answer


def operations(document: dict) -> list[list[str]]:
    """What the OpenAPI document lists: path, method, operation id and the
    parameters' names and places."""
    out = []
    for path, item in sorted(document["paths"].items()):
        for method, op in sorted(item.items()):
            params = sorted(f"{p['in']}:{p['name']}" for p in op.get("parameters", []))
            out.append([path, method, op.get("operationId", ""), *params])
    return out


def answers(store: Path, asked: list[tuple[str, str]]) -> dict[str, list[dict]]:
    """Every request asked of the daemon's server on ``store``, in each
    situation (the other situations ask the service paths and one API route
    again)."""
    out = {}
    for situation in SITUATIONS:
        subset = asked if situation == "serving" else [r for r in asked if _service(r[1])]
        out[situation] = _ask_in(situation, store, subset)
    return out


def _ask_in(situation: str, store: Path, asked: list[tuple[str, str]]) -> list[dict]:
    from prometheus_client import CollectorRegistry

    from daemon import bootstrap
    from daemon.http.server import serve
    from daemon.observability.metrics import Metrics
    from daemon.service.storehealth import StoreHealth
    from events.clock import ManualClock

    clock = ManualClock(NOW)
    metrics = Metrics(CollectorRegistry(), version="capture", clock=clock)
    health = StoreHealth(clock)
    metrics.watch_store(health)
    if situation == "store_down":
        health.failed("capture: the store is down")
        clock.advance(12.5)
    server = serve(
        "127.0.0.1:0",
        metrics,
        lambda: bootstrap.build(f"sqlite:///{store}", clock=clock),
        lambda: situation != "not_ready" and health.up,
        health=lambda: STALLED if situation == "stalled" else None,
        store=health,
    )
    token = _operator_token(store, clock)
    try:
        return [ask(server.url, method, path, token) for method, path in asked]
    finally:
        server.close()


def _operator_token(store: Path, clock: Any) -> str:
    from daemon import bootstrap
    from events.access import Role
    from events.usecases import tokens

    ctx = bootstrap.build(f"sqlite:///{store}", clock=clock)
    try:
        ctx.tokens.revoke("capture", clock.now())  # the one of an earlier situation
        command = tokens.CreateToken("capture", Role.OPERATOR, frozenset(), "capture")
        return tokens.create(command, ctx.tokens, ctx.access_audit, clock).secret
    finally:
        ctx.close()


def _service(path: str) -> bool:
    return path in ("/healthz", "/readyz", "/metrics", "/api/v1/structures", "/api/v1/accounts?limit=1")


def mask(value: Any, work: Path) -> Any:
    """What differs between runs: the work directory's path and the times of
    the days the capture ran (a generated file's modification time; the
    walkthrough's own times are in 2026), as the golden record masks them."""
    days = {date.today() + timedelta(days=d) for d in (-1, 0, 1)}
    wall = re.compile("(" + "|".join(d.isoformat() for d in days) + r")T[\d:.]+([+-]\d\d:\d\d|Z)?")
    text = wall.sub("<wall clock>", json.dumps(value, ensure_ascii=False).replace(str(work), "$WORK"))
    return json.loads(text)


def differences(old: dict[str, list[dict]], new: dict[str, list[dict]], limit: int = 30) -> list[str]:
    """What changed from the answers ``old`` to ``new``, one line each."""
    found = []
    for situation in sorted(set(old) | set(new)):
        before, after = old.get(situation, []), new.get(situation, [])
        if len(before) != len(after):
            found.append(f"API {situation}: {len(before)} answers recorded, {len(after)} now")
        for a, b in zip(before, after):
            for part in ("status", "headers", "body"):
                # Dumped unsorted: the order of an object's keys is part of the answer.
                if json.dumps(a[part], ensure_ascii=False) != json.dumps(b[part], ensure_ascii=False):
                    found.append(
                        f"API {situation} {a['method']} {a['path']}: {part} {a[part]!r:.150} → {b[part]!r:.150}"
                    )
        if len(found) >= limit:
            break
    return found[:limit]
