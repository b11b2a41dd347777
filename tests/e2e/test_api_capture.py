"""The HTTP API answers as captured before it moved to FastAPI (issue 12):
every request of tests/golden/api.json.gz (tests/e2e/api_capture.py) asked
again of the daemon's server on a fresh walkthrough's store, in each
situation, gets the same status, headers and body (JSON key order included);
and every JSON answer validates against the OpenAPI document's schema for its
path and status. A change meant to alter an answer rewrites the capture
(``python -m tests.e2e.api_capture write tests/golden/api.json.gz``) in the
same commit, which says why."""

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
def asked_again(tmp_path_factory):
    with gzip.open(CAPTURE, "rt", encoding="utf-8") as fh:
        record = json.load(fh)
    assert record["students"] == api_capture.STUDENTS
    work = tmp_path_factory.mktemp("api-capture") / "rentree"
    store = api_capture.walkthrough(work)
    requests = [tuple(r) for r in record["requests"]]
    return record["answers"], api_capture.mask(api_capture.answers(store, requests), work)


def test_every_answer_is_the_captured_one(asked_again):
    captured, now = asked_again
    assert set(now) == set(captured) == set(api_capture.SITUATIONS)
    differences = []
    for situation, answers in captured.items():
        assert len(now[situation]) == len(answers)
        for old, new in zip(answers, now[situation]):
            assert (old["method"], old["path"]) == (new["method"], new["path"])
            for part in ("status", "headers", "body"):
                # Dumped unsorted: the order of an object's keys is part of the answer.
                if json.dumps(old[part], ensure_ascii=False) != json.dumps(new[part], ensure_ascii=False):
                    differences.append(
                        f"{situation} {old['method']} {old['path']}: {part} {old[part]!r:.200} → {new[part]!r:.200}"
                    )
    assert not differences, f"{len(differences)} answers changed:\n" + "\n".join(differences[:30])


def test_the_capture_covers_every_documented_operation_and_error(asked_again):
    captured, _ = asked_again
    doc = document()
    served = captured["serving"]
    templates = {template_of(doc, a["path"]) for a in served if a["status"] == 200 and a["method"] == "GET"}
    assert templates == set(doc["paths"])
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


def test_every_json_answer_validates_against_the_document(asked_again):
    _, now = asked_again
    doc = document()
    checked = 0
    for answers in now.values():
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
