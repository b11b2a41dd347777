"""The HTTP API's captured answers (tests/golden/api.json.gz, issue 12)
against the API as it is now: the capture asks every documented operation
and meets every error code, and every JSON answer in it validates against
the OpenAPI document's schema for its path and status. That the server
still gives these answers on a fresh walkthrough's store is checked with the
golden record (tests/e2e/test_golden.py, ``scripts/golden.py check --api``),
which runs the walkthrough once for both."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from daemon.http.app import document
from tests.e2e import api_capture

CAPTURE = Path(__file__).resolve().parents[1] / "golden" / "api.json.gz"


@pytest.fixture(scope="module")
def captured() -> dict[str, list[dict]]:
    with gzip.open(CAPTURE, "rt", encoding="utf-8") as fh:
        return json.load(fh)["answers"]


def test_the_capture_covers_every_documented_operation_and_error(captured):
    doc = document()
    assert set(captured) == set(api_capture.SITUATIONS)
    served = captured["serving"]
    templates = {template_of(doc, a["path"]) for a in served if a["status"] == 200 and a["method"] == "GET"}
    # Every read; the writes change the store, asked by role in tests/integration/test_http_actions.py.
    assert templates == {path for path, item in doc["paths"].items() if "get" in item}
    statuses = {a["status"] for answers in captured.values() for a in answers}
    assert statuses == {200, 400, 404, 405, 503}
    codes = {
        a["body"]["error"]["code"]
        for answers in captured.values()
        for a in answers
        if a["status"] >= 400 and a["body"] and "error" in a["body"]
    }
    assert codes == {
        "unknown_path",
        "unknown_parameter",
        "invalid_parameter",
        "not_found",
        "method_not_allowed",
        "store_unavailable",
    }


def test_every_json_answer_validates_against_the_document(captured):
    doc = document()
    checked = 0
    for answers in captured.values():
        for a in answers:
            if a["method"] != "GET" or a["path"] == "/api/v1/openapi.json":
                continue
            template = template_of(doc, a["path"])
            if not isinstance(a["body"], (dict, list)):
                assert template == "/metrics", a["path"]
                continue
            if template is None:  # no such route: the error shape
                assert a["status"] == 404 and a["body"]["error"]["code"] == "unknown_path", a["path"]
                schema = {"$ref": "#/components/schemas/Error"}
            else:
                schema = schema_of(doc, template, a["status"])
                assert schema is not None, f"{a['status']} is not documented for {template}"
            Draft202012Validator({**schema, "components": doc["components"]}).validate(a["body"])
            checked += 1
    assert checked > 150


def test_the_document_lists_the_captured_operations(captured):
    (listed,) = [a["body"] for a in captured["serving"] if a["path"] == "/api/v1/openapi.json"]
    assert api_capture.operations(document()) == listed


def template_of(doc: dict, path: str) -> str | None:
    """The documented path a request's path answers to, as the server routes it."""
    path = "/" + path.split("?", 1)[0].lstrip("/")
    path = path.rstrip("/") or "/"
    for template in doc["paths"]:
        if re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)), path):
            return template
    return None


def schema_of(doc: dict, template: str, status: int) -> dict | None:
    answer = doc["paths"][template]["get"]["responses"].get(str(status))
    if answer is None:
        return None
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    return answer["content"].get("application/json", {}).get("schema")
