"""The API against its own OpenAPI document, by property (issue 12).

schemathesis reads ``/api/v1/openapi.json`` from a real server on 127.0.0.1
over a generated académie (two establishments, a timetable import each, a
SIECLE export, a second delivery with leavers) on SQLite and PostgreSQL, and
asks every operation, once with an operator's token and once with an
etab-admin's of one of the two establishments:

- the coverage cases (schemathesis' deterministic boundary values, other
  methods, missing parameters and token), then
- generated requests, valid and invalid, some of them with keys that exist.

Every answer must be one the document describes (status code, content type,
body schema: schemathesis' checks), never a 5xx, and every answer other than
2xx in the project's shape ``{"error": {"code", "message"}}``. A run where
every answer is a 401 or a 404 proves nothing: the keys of the académie are
written into the document as its parameters' ``examples`` (which the coverage
cases use) and drawn by the generated ones, and the 2xx answers are counted
per operation and printed, each operation must get some, and the etab-admin
must get only 403 from the operators' deliveries.

One test per role and store asks every operation, rather than
``@schema.parametrize()``'s test per operation: the 2xx answers are counted
and asserted by the test that got them (xdist may run another test in
another process). Bounded and deterministic: a fixed number of examples,
derandomized, no example database, Hypothesis's caches under pytest's tmp
dir (nothing written under ``.hypothesis/``).
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.access import Role
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from projections import account_queries, structure_queries
from tests.api_tokens import bearer, issue
from tests.integration.conftest import started_establishments

T_SIECLE = datetime(2026, 9, 2, 8, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 5, 6, tzinfo=timezone.utc)
NOW = T1 + timedelta(hours=2)
FIX = Path(__file__).resolve().parents[1] / "fixtures"

ROLES = ("operator", "etab-admin")
# Generated requests per operation, role and store; with the coverage cases, about 500
# requests checked per role and store (measured: the file in 45 s on 2 cores, both stores).
MAX_EXAMPLES = 30
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same requests on every run: CI is deterministic
    database=None,  # no example database: nothing written under .hypothesis/
    deadline=None,  # a request's time is the server's, not the property's
    suppress_health_check=list(HealthCheck),  # slow or filtered generation is not the API's fault
)
OPERATIONS = ("/api/v1/deliveries", "/api/v1/persons")  # the operators' group (daemon/http/api.py)


@dataclass
class World:
    url: str
    tokens: dict[str, str]
    # Values that exist, by (path template, parameter name): the examples written into the document.
    keys: dict[tuple[str, str], list[str]]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def world(request, backend, two_establishments, tmp_path_factory):
    acad = two_establishments
    root = tmp_path_factory.mktemp(f"properties-{backend}")
    # Hypothesis caches what it learns of the sources (constants, Unicode tables) under
    # .hypothesis/ in the working directory: here, under the test's own directory.
    set_hypothesis_home_dir(root / "hypothesis")
    # This module's own copy of a store where the first delivery was applied, its
    # accounts created and each establishment's timetable received (conftest.py).
    store_url, started = started_establishments(request, backend, acad, root, timetables=True)
    clock = ManualClock(NOW)
    ctx = bootstrap.build(store_url, Policy(), clock, simulation=True)
    mine, other = [s["uai"] for s in structure_queries.structures(ctx.db)]
    imports = started.imports
    ingest_siecle(FIX / "siecle" / "ElevesSansAdresses.xml", ctx, T_SIECLE)
    second = ingest(str(acad.second), ctx, T1)  # leavers: accounts in other states
    assert second.status == "applied", second.message
    ctx.siecle.catch_up(ctx.log)
    ctx.imports.catch_up(ctx.log)
    people = {uai: account_queries.accounts(ctx.db, uai=uai, state="active", limit=1)[0] for uai in (mine, other)}
    tokens = {
        "operator": issue(ctx, "ops", Role.OPERATOR),
        "etab-admin": issue(ctx, "admin-mine", Role.ETAB_ADMIN, (mine,)),
    }
    # Keys of both establishments (the etab-admin's own answer 200, the other's 404), in
    # each form a key takes (a jointure or a login, an id or its prefix).
    keys = {
        ("/api/v1/accounts/{key}", "key"): [
            *(p["jointure"] for p in people.values()),
            people[mine]["login"],
        ],
        # An account's history and diff (issue 15): the same keys.
        **{
            (path, "key"): [*(p["jointure"] for p in people.values()), people[mine]["login"]]
            for path in (
                "/api/v1/accounts/{key}/history",
                "/api/v1/accounts/{key}/diff",
                "/api/v1/accounts/{key}/explanation",
                "/api/v1/persons/{key}/export",  # issue 17: an operator's only
            )
        },
        ("/api/v1/structures/{uai}/classes", "uai"): [mine, other],
        ("/api/v1/imports/{id}", "id"): [imports[mine], imports[other][:8]],
        ("/api/v1/imports/{id}/sessions", "id"): [imports[mine], imports[other]],
        ("/api/v1/deliveries/{id}", "id"): [started.delivery, second.delivery_id[:8]],
        **{(path, "uai"): [mine, other] for path in ("/api/v1/accounts", "/api/v1/imports", "/api/v1/siecle/imports")},
        ("/api/v1/accounts", "state"): ["active", "departing", "no_account"],
        ("/api/v1/accounts", "profile"): ["ELEVE", "PARENT", "ENSEIGNANT"],
    }
    # Every request below carries a valid token, but schemathesis also sends
    # wrong ones (ignored_auth): the throttle would answer 429 to the rest of
    # the run. It is tested on a server of its own (test_http_access.py).
    srv = serve(
        "127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(store_url, Policy(), clock), lambda: True,
        failure_limit=10**6,
    )  # fmt: skip
    try:
        yield World(srv.url, tokens, keys)
    finally:
        srv.close()
        ctx.close()
        set_hypothesis_home_dir(None)


def keyed_schema(world: World) -> Any:
    """The server's own document, its parameters given the académie's keys as examples."""
    with urllib.request.urlopen(world.url + "/api/v1/openapi.json", timeout=30) as resp:
        doc = json.loads(resp.read())
    # The reads only: a generated write would change the data the keys name (purge held,
    # logins renamed); the writes are asked by role in tests/integration/test_http_actions.py.
    doc["paths"] = {p: {"get": item["get"]} for p, item in doc["paths"].items() if "get" in item}
    for path, item in doc["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                values = world.keys.get((path, parameter["name"]))
                if values:
                    parameter["examples"] = {f"k{i}": {"value": v} for i, v in enumerate(values)}
    return schemathesis.openapi.from_dict(doc)


def requests_for(operation: Any, keys: dict[tuple[str, str], list[str]]) -> st.SearchStrategy:
    """Valid requests, valid ones with existing keys, invalid ones (a
    parameter of the wrong shape, or no token)."""
    known = {
        (parameter.location, parameter.name): keys[(operation.path, parameter.name)]
        for parameter in operation.iter_parameters()
        if (operation.path, parameter.name) in keys
    }
    strategies = [operation.as_strategy()]
    if known:
        path = {n: st.sampled_from(v) for (where, n), v in known.items() if where == "path"}
        query = {n: st.sampled_from(v) for (where, n), v in known.items() if where == "query"}
        keyed = st.fixed_dictionaries(path, optional=query).flatmap(
            lambda drawn: operation.as_strategy(
                path_parameters={n: drawn[n] for n in path} or None,
                query={n: drawn[n] for n in query if n in drawn} or None,
            )
        )
        strategies.append(keyed)
    strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def coverage_cases(schema: Any, operation: Any) -> list:
    """schemathesis' coverage phase, as its CLI and pytest runner make it
    (no strategy gives it): boundary and wrong values of each parameter,
    the document's examples, other methods, no token."""
    return list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        )
    )


class Exchanges:
    """Each request's answer, checked, and counted as the role's (its token
    sent, GET) or not (schemathesis asking with no token or a wrong one, or
    with another method)."""

    def __init__(self, world: World, role: str):
        self.url, self.token = world.url, world.tokens[role]
        self.statuses: Counter[tuple[str, bool, int]] = Counter()

    def ask(self, case: Any) -> None:
        # The role's token, unless the case is schemathesis asking without one (or with a wrong one).
        negated = case.operation.schema.is_security_param_negated(case)
        response = case.call_and_validate(
            base_url=self.url, headers=None if negated else bearer(self.token), timeout=30
        )
        sent = response.request
        as_role = sent.method == "GET" and sent.headers.get("Authorization") == f"Bearer {self.token}"
        self.statuses[(case.operation.path, as_role, response.status_code)] += 1
        assert response.status_code < 500, (case.operation.label, response.status_code, response.text[:300])
        if not 200 <= response.status_code < 300:  # documented or not (a 405), the project's error
            assert response.headers.get("content-type") == ["application/json; charset=utf-8"], response.headers
            body = response.json()
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
            assert all(isinstance(v, str) and v for v in body["error"].values()), body

    def as_role(self, path: str) -> Counter[int]:
        return Counter({s: n for (p, mine, s), n in self.statuses.items() if p == path and mine})

    def asked(self, path: str) -> int:
        return sum(n for (p, _, _), n in self.statuses.items() if p == path)


def successes(statuses: Counter[int]) -> int:
    return sum(n for status, n in statuses.items() if 200 <= status < 300)


def table(title: str, paths: list[str], exchanges: Exchanges) -> str:
    lines = [title, f"  {'GET':<40} {'2xx':>5} {'asked':>6}  statuses with the role's token"]
    for path in paths:
        got = exchanges.as_role(path)
        statuses = " ".join(f"{status}x{n}" for status, n in sorted(got.items()))
        lines.append(f"  {path:<40} {successes(got):>5} {exchanges.asked(path):>6}  {statuses}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def document(world) -> list[tuple[Any, list]]:
    """Each operation of the keyed document with its coverage cases, made
    once per store: the two roles' tests ask the same cases, each with its
    own token (Exchanges.ask), so neither reads the document nor generates
    the cases again (about 2.5 s of the two tests on each store)."""
    schema = keyed_schema(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [(operation, coverage_cases(schema, operation)) for operation in operations]


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_is_one_the_document_describes(world, document, backend, role, record_property):
    exchanges = Exchanges(world, role)
    paths = []
    for operation, cases in document:
        paths.append(operation.path)
        for case in cases:
            exchanges.ask(case)

        @SETTINGS
        @given(case=requests_for(operation, world.keys))
        def generated(case):
            exchanges.ask(case)

        generated()
    # Printed at the end of the run, with xdist too (tests/conftest.py).
    record_property("report", table(f"API answers by property, {role} on {backend}", paths, exchanges))
    for path in paths:
        got = exchanges.as_role(path)
        if role == "operator" or not path.startswith(OPERATIONS):
            assert successes(got), (path, got)
        else:  # refused whatever was asked: never a 404 that would tell which keys exist
            assert set(got) == {403}, (path, got)
