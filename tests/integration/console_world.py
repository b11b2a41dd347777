"""The console tests' world (issue 16): the two establishments' first
delivery applied and their accounts created, tokens of each role (the
scoped ones on the first establishment) and a daemon serving it on
127.0.0.1, shared by tests/integration/test_console*.py. A module may bring
its own facts (``prepare``) into its copy of the store before the daemon
serves it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.access import Role
from events.clock import ManualClock
from events.policy import Policy
from projections import structure_queries
from tests.api_tokens import issue
from tests.integration.conftest import T_EDT, Academie, started_establishments

NOW = T_EDT + timedelta(hours=2)  # the timetables' day, as the API's worlds judge it


@dataclass
class World:
    url: str
    ctx: bootstrap.Context
    mine: str
    other: str
    tokens: dict[str, str]
    person_mine: dict  # an active account of ``mine``: account_id, family and given names
    person_other: dict


def person(ctx: bootstrap.Context, uai: str) -> dict:
    """An active pupil of ``uai`` whose name (family and given) no other
    account of the académie carries, so that a search finds one person."""
    rows = ctx.db.query_dicts(
        "SELECT a.account_id, a.attrs FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
        "JOIN structures t ON t.jointure = s.structure WHERE t.uai = ? AND a.category = 'Eleve' "
        "AND a.state = 'active' ORDER BY a.jointure",
        (uai,),
    )
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


@contextmanager
def console_world(
    request, backend: str, acad: Academie, directory: Path, prepare: Callable[[str], None] | None = None
) -> Iterator[World]:
    store_url, _ = started_establishments(request, backend, acad, directory, timetables=False)
    if prepare is not None:
        prepare(store_url)
    ctx = bootstrap.build(store_url, Policy(), ManualClock(NOW), simulation=True)
    mine, other = [s["uai"] for s in structure_queries.structures(ctx.db)]
    tokens = {
        "operator": issue(ctx, "console-ops", Role.OPERATOR),
        "reader": issue(ctx, "console-support", Role.READER, (mine,)),
        "etab-admin": issue(ctx, "console-admin", Role.ETAB_ADMIN, (mine,)),
    }
    try:
        with serving(store_url) as url:
            yield World(url, ctx, mine, other, tokens, person(ctx, mine), person(ctx, other))
    finally:
        ctx.close()


@contextmanager
def serving(store_url: str) -> Iterator[str]:
    """The daemon's HTTP app on 127.0.0.1 serving ``store_url``: its base URL."""
    srv = serve("127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(store_url, Policy(), ManualClock(NOW)),
                lambda: True, failure_limit=10**6)  # fmt: skip
    try:
        yield srv.url
    finally:
        srv.close()


def both_backends() -> Any:
    """A module's ``backend`` fixture: SQLite, then PostgreSQL."""

    @pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
    def backend(request) -> str:
        return request.param

    return backend


def world_fixture(name: str) -> Any:
    """A module's ``world`` fixture: its own copy of the console's world on
    the module's ``backend``, in a directory named ``name``."""

    @pytest.fixture(scope="module")
    def world(request, backend, two_establishments, tmp_path_factory):
        with console_world(request, backend, two_establishments, tmp_path_factory.mktemp(name)) as built:
            yield built

    return world
