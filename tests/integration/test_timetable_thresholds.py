"""Each change threshold of the timetable pipeline (domain-rules §7, §11), on
both stores: the generator's ``threshold-<name>`` variant, received after
the base export of its establishment was validated, is rejected naming
exactly the thresholds its manifest announces, with the counts the
generator expects; retried with them lifted it is applied, except the
structure protection, whose lift is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.timetable.decision import DEFAULT_THRESHOLDS, LockedThreshold
from events.usecases.aaf_ingest import ingest
from events.usecases.timetable_apply import retry, validate
from events.usecases.timetable_receive import receive
from projections import import_queries as q
from tests.integration.conftest import Academie, make_academie

T0 = datetime(2026, 8, 18, 6, 0, tzinfo=timezone.utc)  # AAF complete delivery
T_EDT = datetime(2026, 8, 28, 8, 0, tzinfo=timezone.utc)  # the first timetable import of the year


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("threshold-academie"),
        "--students",
        "200",
        "--seed",
        "3",
        "--sources",
        "aaf,timetable",
        "--no-second",
    )


def at(hours: int) -> datetime:
    return T_EDT + timedelta(hours=hours)


def test_the_academie_has_a_variant_per_threshold(acad):
    variants = {v["name"]: v for v in acad.manifest["sources"]["variants"]}
    assert {f"threshold-{name}" for name in DEFAULT_THRESHOLDS} <= set(variants)
    assert "variants_skipped" not in acad.manifest["sources"]


@pytest.mark.parametrize("threshold", sorted(DEFAULT_THRESHOLDS))
def test_the_variant_goes_over_its_threshold_only(ctx, acad, threshold):
    v = next(v for v in acad.manifest["sources"]["variants"] if v["name"] == f"threshold-{threshold}")
    assert (v["thresholds"], v["needs"], v["liftable"]) == ([threshold], "base", DEFAULT_THRESHOLDS[threshold].liftable)
    assert ingest(str(acad.first), ctx, T0).status == "applied"
    first = receive(acad.root / v["base"], ctx, at(0))
    assert first.status == "awaiting_validation"
    assert validate(first.import_id, "alice", ctx, at(1)).status == "applied"
    before = q.current_timetable(ctx.db, v["uai"], "edt")

    got = receive(acad.root / v["path"], ctx, at(2))
    assert (got.status, got.reason) == ("rejected", "threshold_exceeded")
    assert sorted(got.details["thresholds"]) == v["thresholds"]
    assert {name: got.counts[name] for name in v["expected"]} == v["expected"]
    over = got.details["thresholds"][threshold]
    assert (over["count"], over["total"]) == (v["expected"][threshold], v["totals"][threshold])
    assert q.current_timetable(ctx.db, v["uai"], "edt") == before  # nothing applied

    if v["liftable"]:
        lifted = retry(got.import_id, v["thresholds"], "bob", ctx, at(3))
        assert lifted.status == "applied"
        row = q.detail(ctx.db, got.import_id)
        assert (row["status"], row["lifted"], row["operator"]) == ("applied", v["thresholds"], "bob")
        assert q.current_timetable(ctx.db, v["uai"], "edt") != before
    else:
        with pytest.raises(LockedThreshold, match="can never be lifted"):
            retry(got.import_id, v["thresholds"], "bob", ctx, at(3))
        assert q.detail(ctx.db, got.import_id)["status"] == "rejected"
        assert q.current_timetable(ctx.db, v["uai"], "edt") == before
