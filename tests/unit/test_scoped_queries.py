"""The listings an API caller sees are restricted to the UAIs it covers
(issue 12): the queries' ``scope``, on the in-memory store."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from daemon import bootstrap
from events.usecases.aaf_ingest import ingest
from generator.cli import run as generate
from projections import account_queries, structure_queries
from projections.clauses import scoped

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "uai, scope, where, params",
    [
        (None, None, "", []),
        ("0750001A", None, " WHERE uai = ?", ["0750001A"]),
        (None, frozenset({"0750002B", "0750001A"}), " WHERE uai IN (?,?)", ["0750001A", "0750002B"]),
        ("0750001A", frozenset({"0750002B"}), " WHERE uai = ? AND uai IN (?)", ["0750001A", "0750002B"]),
        (None, frozenset(), " WHERE uai IN (?)", [""]),
    ],
)
def test_the_where_clause_of_a_scoped_listing(uai, scope, where, params):
    assert scoped(uai, scope) == (where, params)


@pytest.fixture(scope="module")
def uow(tmp_path_factory):
    root = tmp_path_factory.mktemp("academie")  # 1000 students: two establishments (generator: about 600 each)
    assert generate([str(root), "--students", "1000", "--seed", "5", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    first = manifest["deliveries"][f"{manifest['dates']['first']}-complet"]
    ctx = bootstrap.build("memory:", simulation=True)
    assert ingest(str(root / first["path"]), ctx, now=T0).status == "applied"
    yield ctx
    ctx.close()


def test_a_scoped_caller_lists_the_accounts_and_establishments_of_its_uais_only(uow):
    every = account_queries.accounts(uow.db)
    uais = [s["uai"] for s in structure_queries.structures(uow.db)]
    assert len(uais) >= 2, "the test needs two establishments"
    mine = frozenset(uais[:1])
    listed = account_queries.accounts(uow.db, scope=mine)
    assert 0 < len(listed) < len(every)
    for row in listed:
        assert account_queries.within(account_queries.account_detail(uow.db, row["account_id"]), mine)
    outside = [a for a in every if a["account_id"] not in {r["account_id"] for r in listed}]
    assert outside and not any(
        account_queries.within(account_queries.account_detail(uow.db, a["account_id"]), mine) for a in outside
    )
    assert [s["uai"] for s in structure_queries.structures(uow.db, scope=mine)] == list(mine)
    assert account_queries.accounts(uow.db, scope=frozenset()) == []
    assert len(account_queries.accounts(uow.db, scope=None)) == len(every)
