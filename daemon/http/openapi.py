"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``: what FastAPI
writes from the routes and the pydantic models of their answers
(daemon/http/api.py, models.py, import_models.py), with what it does not
know added: the error answers are the project's shape (FastAPI's 422 and
its ``detail`` schemas are never answered), and the two service paths that
are not FastAPI routes (``/metrics``, this document)."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

DESCRIPTION = (
    "API of the entsync daemon (loopback by default). Every /api/v1 route but this document needs a "
    "bearer token (`entsync tokens create`): a reader or an etab-admin sees the establishments its token covers, "
    "an operator the académie. Reads are GET; the admin actions are POST with a JSON body, recorded with the "
    "token's name as their author: an etab-admin decides within its establishments, an operator everywhere and "
    "alone on the académie's deliveries, SIECLE holds and purge; a reader may not write (403). A write that meets "
    "a busy store (an ingest or another write holds it) is answered 503 store_busy with Retry-After, nothing "
    "recorded; a refused decision 409. An operator's preview of a file (`POST /api/v1/previews`) takes the file's bytes "
    "as its body instead. Times are ISO 8601 in UTC. Every answer other than 200 is an Error."
)
SERVICE_PATHS = {
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus exposition (text or OpenMetrics).",
            "tags": ["service"],
            "responses": {
                "200": {
                    "description": "metrics",
                    "content": {
                        "text/plain": {"schema": {"type": "string"}},
                        "application/openmetrics-text": {"schema": {"type": "string"}},
                    },
                }
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "tags": ["service"],
            "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}
            },
        }
    },
}
JSON = "application/json; charset=utf-8"
VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def describe(app: FastAPI) -> dict[str, Any]:
    """The document of ``app``'s routes (a fresh copy: callers may change it)."""
    doc = copy.deepcopy(app.openapi())
    for item in doc["paths"].values():
        for operation in item.values():
            operation["responses"].pop("422", None)
            for answer in operation["responses"].values():
                content = answer.get("content", {})
                if JSON in content:  # the type without its charset, as clients look it up
                    content["application/json"] = content.pop(JSON)
    schemas = doc.get("components", {}).get("schemas", {})
    for name in VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    doc["paths"].update(copy.deepcopy(SERVICE_PATHS))
    return doc
