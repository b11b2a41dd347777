"""A parameter's values as the OpenAPI document says (issue 12): what the
API reads, the document takes, and what it refuses with a 400, the document
refuses. Found with the property tests
(tests/integration/test_http_properties.py): ``members=`` (and ``1``, ``0``)
were answered 200 while the document said a boolean; a NUL character in any
text parameter was a 500 on PostgreSQL while the document took any text."""

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


TEXTS = [
    ("/api/v1/accounts", "uai"),
    ("/api/v1/accounts", "state"),
    ("/api/v1/accounts", "profile"),
    ("/api/v1/accounts/{key}", "key"),
    ("/api/v1/structures/{uai}/classes", "uai"),
    ("/api/v1/deliveries/{id}", "id"),
    ("/api/v1/imports/{id}", "id"),
    ("/api/v1/imports/{id}/sessions", "id"),
    ("/api/v1/imports", "uai"),
    ("/api/v1/siecle/imports", "uai"),
    ("/api/v1/anomalies", "uai"),
    ("/api/v1/accounts/{key}/history", "key"),
    ("/api/v1/accounts/{key}/diff", "key"),
    ("/api/v1/accounts/{key}/explanation", "key"),
    ("/api/v1/explanations", "name"),
    ("/api/v1/persons/{key}/export", "key"),
]


def test_every_text_parameter_is_listed_here():
    listed = {
        (path, p["name"])
        for path, item in document()["paths"].items()
        for p in item.get("get", {}).get("parameters", [])
        if p["name"] not in ("limit", "members", "lang", "now", *TIMES) and (path, p["name"]) not in CHOICES
    }
    assert listed == set(TEXTS)


# Codes of a catalogue, comma-separated: the document lists them (issue 15).
CHOICES = [("/api/v1/anomalies", "kind")]


def test_kind_takes_the_catalogue_codes_only():
    schema = schema_of("/api/v1/anomalies", "kind")
    assert documented(schema, "creation_overdue") and documented(schema, "suspected_overwrite,guardians_swapped")
    assert not any(documented(schema, sent) for sent in ("1", "", "creation_overdue,", "nope"))


# Times (issue 15: an account's history and diff), documented as date-time: what else is a 400.
TIMES = ("since", "from", "to")


@pytest.mark.parametrize("path, name", [("/api/v1/accounts/{key}/history", "since"),
                                        ("/api/v1/accounts/{key}/diff", "from"), ("/api/v1/accounts/{key}/diff", "to")])  # fmt: skip
def test_a_time_parameter_is_a_date_time(path, name):
    schema = schema_of(path, name)
    assert any(s.get("type") == "string" and s.get("format") == "date-time" for s in [schema, *schema.get("anyOf", [])])


@pytest.mark.parametrize("path, name", TEXTS)
def test_a_text_parameter_takes_any_text_but_a_nul_character(path, name):
    # The server's answer to one, on both stores: tests/integration/test_http_api.py.
    schema = schema_of(path, name)
    assert all(documented(schema, sent) for sent in ("0383271Z", "é l/è%ve", "a\nb", ""))
    assert not any(documented(schema, sent) for sent in ("\x00", "a\x00b"))


@pytest.mark.parametrize("sent", ["true", "false", "1", "0", "", "TRUE", "yes", "no", "null", " 1", "2"])
def test_members_takes_in_the_document_the_spellings_the_api_reads(sent):
    assert documented(schema_of("/api/v1/structures/{uai}/classes", "members"), sent) == read(api.Flag, sent)
