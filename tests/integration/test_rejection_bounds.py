"""Unbounded input is bounded (issue 18, point 6): a delivery flooded with
bad records is rejected whole — on a count as soon as it is passed, on a
share once the delivery is read — and what is kept of rejections under the
limits is written a few hundred per event, not one event per record."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import pytest

from daemon import bootstrap
from events.delivery import Delivery
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.aaf_stage import REJECTIONS_PER_EVENT
from projections.schema import dump
from tests.integration.conftest import rebuilt

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf" / "duplicate-id"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


def flooded(tmp_path: Path, copies: int) -> Path:
    """The fixture's establishment, and one student's record ``copies`` times:
    every copy after the first is a duplicate_record."""
    out = tmp_path / f"flood-{copies}"
    out.mkdir()
    etab = next(FIX.glob("*EtabEducNat*"))
    shutil.copy(etab, out / etab.name)
    eleve = next(FIX.glob("*Eleve*"))
    text = eleve.read_text(encoding="utf-8")
    head = text[: text.index("<addRequest>")]
    first = re.search(r"<addRequest>.*?</addRequest>", text, re.S).group(0)
    (out / eleve.name).write_text(head + ("  " + first + "\n") * copies + "</ficAlimMENESR>\n", encoding="utf-8")
    return out


def events_of(ctx, delivery_id: str) -> list[str]:
    return [type(e).__qualname__ for e in ctx.log.events.get(UUID(delivery_id))]


@pytest.fixture
def open_ctx(store_url):
    made = []

    def build(policy: Policy):
        ctx = bootstrap.build(store_url, policy)
        made.append(ctx)
        return ctx

    yield build
    for ctx in made:
        ctx.close()


def test_a_flood_of_bad_records_is_rejected_whole_once_past_the_count(open_ctx, tmp_path):
    ctx = open_ctx(Policy(max_rejected_records=1_000))
    result = ingest(str(flooded(tmp_path, 1_500)), ctx, T0)
    assert (result.status, result.reason) == ("rejected", "too_many_rejected_records")
    assert "1499 records rejected of 1501 records read (duplicate_record 1499)" in result.message
    assert "max_rejected_records (1000)" in result.message and "record 1000001" in result.message
    assert events_of(ctx, result.delivery_id) == ["Delivery.Received", "Delivery.Rejected"]
    assert ctx.db.scalar("SELECT COUNT(*) FROM accounts") == 0  # nothing half-applied
    assert ctx.db.scalar("SELECT COUNT(*) FROM staging") == 0
    row = ctx.db.query_dicts("SELECT status, reason, rejected_records FROM deliveries")
    assert row == [{"status": "rejected", "reason": "too_many_rejected_records", "rejected_records": 0}]


def test_the_parts_after_the_count_is_passed_are_not_read(open_ctx, tmp_path):
    ctx = open_ctx(Policy(max_rejected_records=1_000))
    delivery = flooded(tmp_path, 1_500)
    part = next(delivery.glob("*Eleve_0000.xml"))
    shutil.copy(part, part.with_name(part.name.replace("_0000", "_0001")))
    result = ingest(str(delivery), ctx, T0)
    assert result.reason == "too_many_rejected_records"
    assert "1499 records rejected of 1501 records read so far" in result.message


def test_a_delivery_mostly_rejected_is_rejected_whole_on_its_share(open_ctx, tmp_path):
    ctx = open_ctx(Policy())
    result = ingest(str(flooded(tmp_path, 150)), ctx, T0)
    assert (result.status, result.reason) == ("rejected", "too_many_rejected_records")
    assert "149 records rejected of 151 records read (duplicate_record 149)" in result.message
    assert "max_rejected_share (25%)" in result.message
    assert ctx.db.scalar("SELECT COUNT(*) FROM accounts") == 0


def test_a_few_rejections_do_not_reject_the_delivery(open_ctx, tmp_path):
    ctx = open_ctx(Policy())
    result = ingest(str(flooded(tmp_path, 100)), ctx, T0)  # 99 rejected: under rejected_share_minimum
    assert result.status == "applied" and len(result.rejections) == 99


def test_rejections_under_the_limits_are_written_a_batch_per_event(open_ctx, tmp_path):
    ctx = open_ctx(Policy(max_rejected_share=1.0))
    result = ingest(str(flooded(tmp_path, 1_201)), ctx, T0)
    assert result.status == "applied" and len(result.rejections) == 1_200
    kinds = events_of(ctx, result.delivery_id)
    assert kinds.count("Delivery.RecordsRejected") == -(-1_200 // REJECTIONS_PER_EVENT) == 3
    assert "Delivery.RecordRejected" not in kinds
    delivery = ctx.log.find(UUID(result.delivery_id))
    assert isinstance(delivery, Delivery) and delivery.rejected_records == 1_200
    rows = ctx.db.query("SELECT seq, reason, line FROM rejections ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 1_201)) and {r[1] for r in rows} == {"duplicate_record"}
    assert rows[0][2] < rows[-1][2]  # in file order, each with its own line
    assert rebuilt(ctx) == dump(ctx.db)
