"""The world of the console's page tests (tests/integration/test_console*.py):
two establishments' first delivery applied and their accounts created, a
token of each role (the scoped ones for the first establishment, ``mine``),
and the daemon's HTTP server on 127.0.0.1 over a module's own copy of the
store, on both backends. A module imports ``backend`` and ``world`` and
gets its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.access import Role
from events.clock import ManualClock
from events.policy import Policy
from projections import structure_queries
from tests.api_tokens import issue
from tests.integration.conftest import T_EDT, started_establishments

NOW = T_EDT + timedelta(hours=2)  # the servers' clock: after the rentrée's facts


@dataclass
class World:
    url: str
    ctx: bootstrap.Context
    mine: str
    other: str
    tokens: dict[str, str]
    person_mine: dict  # an active account of ``mine``: account_id, family and given names
    person_other: dict


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


def _person(ctx, uai: str) -> dict:
    rows = ctx.db.query_dicts(
        "SELECT a.account_id, a.attrs FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
        "JOIN structures t ON t.jointure = s.structure WHERE t.uai = ? AND a.category = 'Eleve' "
        "AND a.state = 'active' ORDER BY a.jointure",
        (uai,),
    )
    # A name (family and given) no other account of the académie carries, so that a search finds one person.
    taken: dict[tuple[str, str], int] = {}
    for (attrs,) in ctx.db.query("SELECT attrs FROM accounts"):
        names = json.loads(attrs)
        pair = (names.get("sn", [""])[0], names.get("givenName", [""])[0])
        taken[pair] = taken.get(pair, 0) + 1
    for row in rows:
        attrs = json.loads(row["attrs"])
        family, given = attrs["sn"][0], attrs["givenName"][0]
        if taken[(family, given)] == 1:
            return {"account_id": row["account_id"], "family": family, "given": given}
    raise AssertionError(f"no account with a family name of its own in {uai}")


@pytest.fixture(scope="module")
def world(request, backend, two_establishments, tmp_path_factory):
    store_url, _ = started_establishments(
        request, backend, two_establishments, tmp_path_factory.mktemp("console"), timetables=False
    )
    ctx = bootstrap.build(store_url, Policy(), ManualClock(NOW), simulation=True)
    mine, other = [s["uai"] for s in structure_queries.structures(ctx.db)]
    tokens = {
        "operator": issue(ctx, "console-ops", Role.OPERATOR),
        "reader": issue(ctx, "console-support", Role.READER, (mine,)),
        "etab-admin": issue(ctx, "console-admin", Role.ETAB_ADMIN, (mine,)),
    }
    srv = serve("127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(store_url, Policy(), ManualClock(NOW)),
                lambda: True, failure_limit=10**6)  # fmt: skip
    try:
        yield World(srv.url, ctx, mine, other, tokens, _person(ctx, mine), _person(ctx, other))
    finally:
        srv.close()
        ctx.close()
