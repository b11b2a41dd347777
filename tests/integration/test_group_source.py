"""Group population per establishment (domain-rules §2): SIECLE through the
AAF by default, the applied timetable (option 2) or manual (option 3), an
operator's choice recorded in the log, on both stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.policy import Policy
from events.structure import GroupSource
from events.usecases.aaf_ingest import ingest
from events.usecases.timetable_apply import validate
from events.usecases.timetable_receive import receive
from projections import structure_queries
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.import_queries import timetable_groups
from projections.schema import dump
from tests.integration.conftest import make_academie

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_EDT = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    return make_academie(
        tmp_path_factory.mktemp("group-source"),
        "--students",
        "120",
        "--seed",
        "4",
        "--sources",
        "aaf,timetable",
        "--no-second",
    )


def _groups(db, uai, members=False):
    return {e["code"]: e for e in structure_queries.classes(db, uai, members) if e["kind"] == "group"}


def test_groups_follow_the_chosen_source(acad, store_url):
    ctx = bootstrap.build(store_url, Policy())
    try:
        assert ingest(str(acad.first), ctx, T0).status == "applied"
        date = acad.manifest["dates"]["first"]
        uai, rel = next(iter(acad.manifest["sources"]["timetable"][date].items()))
        imported = receive(acad.root / rel, ctx, T_EDT)
        assert validate(imported.import_id, "alice", ctx, T_EDT + timedelta(hours=1)).status == "applied"

        by_siecle = _groups(ctx.db, uai, members=True)
        assert structure_queries.group_source(ctx.db, uai) == "siecle"
        assert sum(g["students"] for g in by_siecle.values()) > 0
        assert all(g["population"] == "siecle" for g in by_siecle.values())

        ctx.log.save(GroupSource(uai=uai, source="timetable", operator="alice", at=T_EDT + timedelta(hours=2)))
        ctx.projection.catch_up(ctx.log)
        by_timetable = _groups(ctx.db, uai, members=True)
        timetable = {g["code"]: g for g in timetable_groups(ctx.db, uai)}
        assert timetable and set(timetable) <= set(by_timetable)
        for code, group in timetable.items():
            entry = by_timetable[code]
            assert entry["population"] == "timetable"
            matched = {m["jointure"] for m in entry["members"]}
            assert matched <= set(group["students"]) | set(group["teachers"])
            assert entry["students"] + entry["teachers"] + entry["unmatched"] == len(group["students"]) + len(
                group["teachers"]
            )
        assert any(g["students"] for g in by_timetable.values())

        # Classes do not change with the group source.
        def classes() -> list[dict]:
            return [e for e in structure_queries.classes(ctx.db, uai) if e["kind"] == "class"]

        before = classes()

        stream = ctx.log.get(GroupSource.create_id(uai))
        stream.choose("manual", "bob", T_EDT + timedelta(hours=3))
        ctx.log.save(stream)
        ctx.projection.catch_up(ctx.log)
        manual = _groups(ctx.db, uai, members=True)
        assert manual and all(g["students"] == g["teachers"] == 0 and g["members"] == [] for g in manual.values())
        assert classes() == before
        assert [r["group_source"] for r in structure_queries.structures(ctx.db) if r["uai"] == uai] == ["manual"]

        mem = Database("sqlite:///:memory:")
        DirectoryProjection(mem).catch_up(ctx.log)
        assert dump(mem) == dump(ctx.db)
        mem.close()
        with pytest.raises(ValueError):
            stream.choose("pronote", "bob", T_EDT + timedelta(hours=4))
    finally:
        ctx.close()
