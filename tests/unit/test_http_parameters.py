"""A query parameter's values as the OpenAPI document says (issue 12): what
the API reads, the document takes, and what it refuses with a 400, the
document refuses. Found by the property tests
(tests/integration/test_http_properties.py): ``members=`` (and ``1``, ``0``)
were answered 200 while the document said a boolean."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from daemon.http import api
from daemon.http.app import document


def schema_of(path: str, name: str) -> dict:
    (parameter,) = [p for p in document()["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"]


def documented(schema: dict, sent: str) -> bool:
    """As OpenAPI reads a query value: ``true`` and ``false`` are a boolean's, any value a string."""
    readings: list[object] = [sent, *([sent == "true"] if sent in ("true", "false") else [])]
    return any(Draft202012Validator(schema).is_valid(reading) for reading in readings)


def read(annotated: object, sent: str) -> bool:
    try:
        TypeAdapter(annotated).validate_python(sent)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("sent", ["true", "false", "1", "0", "", "TRUE", "yes", "no", "null", " 1", "2"])
def test_members_takes_in_the_document_the_spellings_the_api_reads(sent):
    assert documented(schema_of("/api/v1/structures/{uai}/classes", "members"), sent) == read(api.Flag, sent)
