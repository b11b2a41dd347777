"""The request guard of the HTTP server (daemon/http/guards.py), driven as
an ASGI application without a server: the path it routes, and the body bound
on a chunked body that an endpoint reads (a declared length over the bound
never reaches an endpoint: tests/integration/test_http_slow_clients.py)."""

from __future__ import annotations

import asyncio
import json

import pytest

from daemon.http.app import create_app
from daemon.http.guards import Guard, routed_path
from daemon.http.site import Site
from daemon.observability.metrics import Metrics


@pytest.mark.parametrize(
    "raw, routed",
    [
        (b"/", "/"),
        (b"/api/v1/accounts", "/api/v1/accounts"),
        (b"/api/v1/accounts/", "/api/v1/accounts"),
        (b"//api/v1/accounts//", "/api/v1/accounts"),
        (b"/api/v1/%61ccounts", "/api/v1/%61ccounts"),
        (b"/api/v1/accounts/a%2Fb", "/api/v1/accounts/a%2Fb"),
        (b"///", "/"),
    ],
)
def test_the_path_is_routed_as_sent(raw, routed):
    assert routed_path({"path": "ignored", "raw_path": raw}) == routed


def run(guard: Guard, method: str, chunks: list[bytes], headers: list, path: str = "/healthz") -> tuple[int, bytes]:
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 9464),
        "client": ("127.0.0.1", 50000),
    }
    asyncio.run(guard(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def echo(scope, receive, send) -> None:
    """An endpoint that reads its whole body and answers its length."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def test_a_chunked_body_over_the_bound_is_refused_as_it_passes_it():
    chunked = [(b"transfer-encoding", b"chunked")]
    status, body = run(Guard(echo, max_body=100), "GET", [b"a" * 60, b"b" * 60, b"c"], chunked)
    assert status == 413
    assert json.loads(body)["error"] == {
        "code": "body_too_large",
        "message": "the request body is larger than 100 bytes",
    }
    assert run(Guard(echo, max_body=100), "GET", [b"a" * 60, b"b" * 40], chunked) == (200, b"100")


def test_a_declared_length_is_checked_before_the_method():
    assert run(Guard(echo, max_body=100), "POST", [b""], [(b"content-length", b"101")])[0] == 413
    assert run(Guard(echo, max_body=100), "POST", [b""], [(b"content-length", b"-1")])[0] == 413
    # Within the bound the method is the routes' to judge: an application without routes takes it.
    status, body = run(Guard(echo, max_body=100), "POST", [b"{}"], [(b"content-length", b"2")])
    assert status == 200


def test_an_unexpected_failure_is_a_500_in_the_error_shape_logged_by_its_type(caplog):
    def health() -> dict:
        raise RuntimeError("a message that may quote a row: Dupont")

    site = Site(Metrics(), lambda: None, lambda: True, health=health)
    try:
        with caplog.at_level("DEBUG", logger="entsync.http"):
            status, body = run(create_app(site), "GET", [b""], [])
    finally:
        site.close()
    assert status == 500
    assert json.loads(body) == {"error": {"code": "internal_error", "message": "internal error; see the daemon log"}}
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["HTTP /healthz failed: RuntimeError"]


def test_the_previews_body_has_its_own_bound_also_when_chunked():
    from daemon import bootstrap
    from events.access import Role
    from events.policy import Policy
    from tests.api_tokens import bearer, issue

    ctx = bootstrap.build("memory:", Policy())
    token = issue(ctx, "ops", Role.OPERATOR)
    site = Site(Metrics(), lambda: ctx, lambda: True)
    app = create_app(site, max_body=10, max_upload=100)
    auth = [(k.lower().encode(), v.encode()) for k, v in bearer(token).items()]
    headers = [*auth, (b"content-type", b"text/xml"), (b"transfer-encoding", b"chunked")]

    def upload(chunks: list[bytes]) -> tuple[int, bytes]:
        messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
        sent: list[dict] = []

        async def receive() -> dict:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/api/v1/previews", "raw_path": b"/api/v1/previews", "query_string": b"name=x.xml",
                 "root_path": "", "headers": headers, "server": ("127.0.0.1", 9464), "client": ("127.0.0.1", 1)}  # fmt: skip
        asyncio.run(app(scope, receive, send))
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    try:
        status, body = upload([b"<a>" * 20, b"<b>" * 20])  # 120 bytes: past the preview's bound
        assert (status, json.loads(body)["error"]["code"]) == (413, "body_too_large")
        status, body = upload([b"<a/>" * 10, b"<b/>" * 10])  # 80 bytes: past max_body, within the preview's
        assert (status, json.loads(body)["error"]["code"]) == (400, "not_importable"), body
    finally:
        site.close()
        ctx.close()
