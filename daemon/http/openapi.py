"""The OpenAPI 3.1 description of the daemon's HTTP API, served at
``/api/v1/openapi.json``. Its paths are the routes of daemon/http/routes.py (a test
checks both ways, and that every answer matches its schema).

A data table, kept in one module past 300 lines (issue 11): the document's
schemas and paths as data, with the few helpers that spell them; it is read
as one document, schema beside the paths that answer it."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
OPT_STR = {"type": ["string", "null"]}
ANY_OBJECT = {"type": "object"}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None, description: str = "") -> dict:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
    }
    if description:
        out["description"] = description
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


ACCOUNT = {
    "account_id": STR,
    "jointure": STR,
    "category": STR,
    "profile": STR,
    "function": STR,
    "state": {
        "type": "string",
        "description": "pending | active | departing | withdrawn | deactivated | no_account | removed",
    },
    "login": STR,
    "first_seen": STR,
    "creation_due": STR,
    "created_at": OPT_STR,
    "departed_at": OPT_STR,
    "removal_due": OPT_STR,
    "removal_provisional": INT,
    "removed_at": OPT_STR,
    "state_reason": STR,
    "couple_flag": INT,
    "anomalies": {
        "type": "array",
        "items": STR,
        "description": "creation_overdue | provisional_removal_date | couple_in_one_record | the reason "
        "codes of fields set aside (domain-rules §12): birth_date_in_future, "
        "birth_date_before_1900, name_blank, name_too_long, name_control_characters, "
        "name_invisible_characters",
    },
}
SCHEMAS: dict[str, dict] = {
    "Error": _obj(
        {"error": _obj({"code": STR, "message": STR})},
        description="Every answer other than 200. The message never repeats a path parameter.",
    ),
    "Health": _obj({"status": {"const": "ok"}}),
    "Ready": _obj({"ready": BOOL}),
    "Account": _obj(ACCOUNT, description="An account of the directory read model."),
    "AccountList": _obj(
        {
            "accounts": _list("Account"),
            "count": INT,
            "limit": INT,
            "truncated": {"type": "boolean", "description": "more accounts match than the limit"},
        }
    ),
    "AccountDetail": _obj(
        {
            **ACCOUNT,
            "attributes": ANY_OBJECT,
            "structures": {"type": "array", "items": _obj({"jointure": STR, "uai": STR})},
            "memberships": {"type": "array", "items": _obj({"structure": STR, "kind": STR, "code": STR})},
            "guardians": {
                "type": "array",
                "items": _obj({"jointure": STR, "resp_legal": STR, "lien": STR, "state": STR, "login": STR}),
            },
            "students": {
                "type": "array",
                "items": _obj({"jointure": STR, "resp_legal": STR, "state": STR, "login": STR}),
            },
            "logins": {"type": "array", "items": STR},
            "set_aside": {
                "type": "array",
                "description": "fields of the account's record set aside for an "
                "implausible value (domain-rules §12); attributes hold them empty",
                "items": _obj({"field": STR, "reason": STR, "delivery_id": STR, "file": STR, "line": INT, "at": STR}),
            },
        }
    ),
    "Structure": _obj(
        {
            "jointure": STR,
            "uai": STR,
            "name": STR,
            "type": STR,
            "contract": STR,
            "present": INT,
            "classes": {"type": "array", "items": STR},
            "groups": {"type": "array", "items": STR},
            "accounts": {"type": "integer", "description": "pending and active accounts"},
        }
    ),
    "StructureList": _obj({"structures": _list("Structure")}),
    "Class": _obj(
        {"kind": {"enum": ["class", "group"]}, "code": STR, "declared": BOOL, "students": INT, "teachers": INT},
        {"members": {"type": "array", "items": _obj({"jointure": STR, "profile": STR, "login": STR, "state": STR})}},
    ),
    "ClassList": _obj({"uai": STR, "classes": _list("Class")}),
    "Delivery": _obj(
        {
            "delivery_id": STR,
            "kind": STR,
            "date": STR,
            "prefix": STR,
            "status": {
                "type": "string",
                "description": "received | applying | applied | held | released | waiting | rejected",
            },
            "received_at": STR,
            "finished_at": OPT_STR,
            "reason": STR,
            "rejected_records": INT,
            "counts": ANY_OBJECT,
            "source": STR,
        }
    ),
    "DeliveryList": _obj({"deliveries": _list("Delivery")}),
    "DeliveryDetail": _obj(
        {
            "delivery_id": STR,
            "fingerprint": STR,
            "kind": STR,
            "status": STR,
            "reason": STR,
            "details": ANY_OBJECT,
            "counts": ANY_OBJECT,
            "rejected_records": INT,
            "rejections": {
                "type": "array",
                "items": _obj(
                    {"reason": STR, "file": STR, "line": INT, "record_id": STR, "field": STR, "message": STR}
                ),
            },
        },
        {
            "brake": {
                "type": "array",
                "description": "a delivery held by a brake: the counts per structure and population (domain-rules §12)",
                "items": _obj(
                    {
                        "structure": STR,
                        "uai": STR,
                        "population": STR,
                        "departing": INT,
                        "expected": INT,
                        "counted": INT,
                        "accounts": INT,
                        "share": {"type": "number"},
                        "minimum": INT,
                        "held": BOOL,
                    }
                ),
            },
            "departures": {
                "type": "array",
                "description": "who the held delivery would make "
                "depart and why; expected leavers are listed, not counted",
                "items": _obj(
                    {
                        "jointure": STR,
                        "login": OPT_STR,
                        "profile": STR,
                        "state": STR,
                        "uais": {"type": "array", "items": STR},
                        "reason": STR,
                        "expected": STR,
                        "counted": BOOL,
                    }
                ),
            },
            "waiting": {"type": "array", "items": STR, "description": "deltas waiting behind this delivery, in order"},
            "set_aside": {
                "type": "array",
                "description": "fields of kept records set aside for an implausible value (domain-rules §12)",
                "items": _obj(
                    {"reason": STR, "file": STR, "line": INT, "record_id": STR, "field": STR, "message": STR}
                ),
            },
        },
    ),
    "Import": _obj(
        {
            "import_id": STR,
            "received_at": STR,
            "finished_at": OPT_STR,
            "status": {
                "type": "string",
                "description": "received | awaiting_validation | validated | "
                "applied | rejected | retried | cancelled | replaced",
            },
            "reason": STR,
            "automatic": BOOL,
            "uai": STR,
            "source": {"type": "string", "description": "edt (timetable) | sts"},
            "file": STR,
            "school_year": INT,
            "operator": STR,
            "lifted": {"type": "array", "items": STR},
            "counts": ANY_OBJECT,
            "label": {"type": "string", "description": "status as in 001 §3.4"},
        }
    ),
    "ImportList": _obj({"imports": _list("Import")}),
    "ImportDetail": {
        "allOf": [
            _ref("Import"),
            _obj(
                {
                    "sha256": STR,
                    "message": STR,
                    "summary": ANY_OBJECT,
                    "report": {"type": "array"},
                    "details": ANY_OBJECT,
                    "record_rejections": {"type": "array"},
                    "exported_at": STR,
                    "not_imported": {
                        "type": "array",
                        "description": "classes, groups and teachers whose courses were not "
                        "imported, and why (domain-rules §12)",
                    },
                    "share": {"type": "object", "description": "kind -> [records not imported, records read]"},
                    "calendar": ANY_OBJECT,
                    "ignored": ANY_OBJECT,
                    "hand_matches": {
                        "type": "array",
                        "items": _obj({"kind": STR, "ident": STR, "key": STR, "operator": STR, "at": STR}),
                    },
                    "matches": {
                        "type": "array",
                        "items": _obj(
                            {
                                "kind": STR,
                                "ident": STR,
                                "code": STR,
                                "key": STR,
                                "by": STR,
                                "reason": STR,
                                "line": INT,
                                "candidates": {"type": "array", "items": STR},
                            }
                        ),
                    },
                }
            ),
        ]
    },
    "ImportSessions": _obj(
        {
            "calendar": ANY_OBJECT,
            "sessions": {
                "type": "array",
                "items": _obj(
                    {
                        "day": INT,
                        "start": INT,
                        "places": INT,
                        "subject": STR,
                        "classes": {"type": "array", "items": STR},
                        "groups": {"type": "array", "items": STR},
                        "teachers": {"type": "array", "items": STR},
                        "weeks": {
                            "type": "array",
                            "items": INT,
                            "description": "school weeks; week n is the value 2^n of the "
                            "export's @Semaines (formats §4)",
                        },
                        "cancelled_weeks": {"type": "array", "items": INT},
                        "dates": {
                            "type": "array",
                            "items": STR,
                            "description": "the days the session takes place, cancelled weeks left out",
                        },
                    }
                ),
            },
        }
    ),
    "SiecleImport": _obj(
        {
            "import_id": STR,
            "received_at": STR,
            "status": STR,
            "reason": STR,
            "uai": STR,
            "kind": {"type": "string", "description": "eleves | responsables (empty if unreadable)"},
            "file": STR,
            "exported_on": STR,
            "rejected_records": INT,
            "counts": ANY_OBJECT,
            "duplicate_of": STR,
            "message": STR,
        }
    ),
    "SiecleImportList": _obj({"imports": _list("SiecleImport")}),
}


def _param(name: str, where: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": where, "required": where == "path", "description": description, "schema": schema or STR}


def _answers(schema: str, description: str, *errors: int) -> dict:
    out = {"200": {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}}
    for code in (*errors, 503):
        out[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    return out


def _get(op: str, summary: str, schema: str, *errors: int, params: list | None = None, tag: str = "read model") -> dict:
    return {
        "get": {
            "operationId": op,
            "summary": summary,
            "tags": [tag],
            "parameters": params or [],
            "responses": _answers(schema, summary, *errors),
        }
    }


UAI = _param("uai", "query", "only this establishment (UAI)")
PATHS = {
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "summary": "The process answers.",
            "tags": ["service"],
            "responses": {"200": {"description": "alive", "content": {"application/json": {"schema": _ref("Health")}}}},
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readyz",
            "summary": "Ready once the projections have caught up.",
            "tags": ["service"],
            "responses": {
                "200": {"description": "ready", "content": {"application/json": {"schema": _ref("Ready")}}},
                "503": {"description": "not ready yet", "content": {"application/json": {"schema": _ref("Ready")}}},
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus exposition (text or OpenMetrics).",
            "tags": ["service"],
            "responses": {
                "200": {
                    "description": "metrics",
                    "content": {"text/plain": {"schema": STR}, "application/openmetrics-text": {"schema": STR}},
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
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": ANY_OBJECT}}}
            },
        }
    },
    "/api/v1/accounts": _get(
        "listAccounts",
        "Accounts, by jointure.",
        "AccountList",
        400,
        params=[
            UAI,
            _param("state", "query", "only accounts in this state"),
            _param("profile", "query", "only this profile (ELEVE, PARENT, ENSEIGNANT, ...)"),
            _param(
                "limit",
                "query",
                "at most this many (default 1000)",
                {"type": "integer", "minimum": 1, "maximum": 100000},
            ),
        ],
    ),
    "/api/v1/accounts/{key}": _get(
        "getAccount",
        "One account with its structures, classes, links and logins.",
        "AccountDetail",
        400,
        404,
        params=[_param("key", "path", "jointure, login (current or reserved) or account id")],
    ),
    "/api/v1/structures": _get("listStructures", "Establishments of the directory.", "StructureList", 400),
    "/api/v1/structures/{uai}/classes": _get(
        "listClasses",
        "Divisions and groups of one establishment with their headcounts.",
        "ClassList",
        400,
        404,
        params=[
            _param("uai", "path", "the establishment's UAI"),
            _param("members", "query", "also list who is in each", BOOL),
        ],
    ),
    "/api/v1/deliveries": _get("listDeliveries", "AAF deliveries, oldest first.", "DeliveryList", 400),
    "/api/v1/deliveries/{id}": _get(
        "getDelivery",
        "One AAF delivery with its rejected records.",
        "DeliveryDetail",
        400,
        404,
        params=[_param("id", "path", "delivery id, fingerprint or unambiguous id prefix")],
    ),
    "/api/v1/imports": _get(
        "listImports", "Timetable and STS-web imports, newest first.", "ImportList", 400, params=[UAI], tag="imports"
    ),
    "/api/v1/imports/{id}": _get(
        "getImport",
        "One timetable or STS-web import with its matches and report.",
        "ImportDetail",
        400,
        404,
        params=[_param("id", "path", "import id or prefix")],
        tag="imports",
    ),
    "/api/v1/imports/{id}/sessions": _get(
        "getImportSessions",
        "The sessions of a timetable import with their weeks and dates.",
        "ImportSessions",
        400,
        404,
        params=[_param("id", "path", "import id or prefix")],
        tag="imports",
    ),
    "/api/v1/siecle/imports": _get(
        "listSiecleImports", "SIECLE imports, newest first.", "SiecleImportList", 400, params=[UAI], tag="imports"
    ),
}
RESPONSES = {
    f"E{code}": {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
    for code, text in (
        (400, "invalid or unknown query parameter"),
        (404, "no such key"),
        (503, "the store cannot be reached"),
    )
}


@lru_cache(maxsize=1)
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "entsync",
            "version": "1",
            "description": "Read-only API of the entsync daemon (loopback by default). Authenticated actions "
            "will come later on the same server. Times are ISO 8601 in UTC.",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "responses": RESPONSES},
    }


def document() -> dict:
    """The OpenAPI 3.1 document (a copy: callers may change it)."""
    return copy.deepcopy(_document())
