"""Parts read by worker processes (daemon/scan.py) give the same log and the
same read model as parts read one after the other, including the decisions
that depend on the order of the whole delivery (a record seen twice)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import daemon.scan
from adapters.aaf.summary import summarise_part
from daemon import bootstrap
from daemon.scan import PartReaders
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from projections.schema import dump
from tests.conftest import TEST_PEPPER
from tests.integration.conftest import T0, T1, make_academie
from tests.stored import stored_facts

PIDS: list[Path] = []


def _spy(part):
    """The worker entry point, noting which process read the part."""
    with open(PIDS[0], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return summarise_part(
        daemon.scan._SHARED["files"], part, daemon.scan._SHARED["index"], daemon.scan._SHARED["digest"]
    )


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("parallel")
    academie = make_academie(root / "gen", "--students", "150", "--seed", "5", "--part-size", "40")
    first = root / "first"
    shutil.copytree(academie.first, first)
    # The first Eleve record of part 0000 again in part 0001 (another worker reads it), and the
    # first record of part 0002 twice in that part.
    eleves = sorted(first.glob("*_Eleve_*.xml"))
    assert len(eleves) >= 3
    record = re.compile(rb"<addRequest>.*?</addRequest>", re.S)  # bytes: the parts may be ISO-8859-1
    again = record.search(eleves[0].read_bytes()).group(0)
    for target, extra in ((eleves[1], again), (eleves[2], record.search(eleves[2].read_bytes()).group(0))):
        target.write_bytes(target.read_bytes().replace(b"</ficAlimMENESR>", extra + b"\n</ficAlimMENESR>"))
    return first, academie.second


def _snapshot(ctx) -> tuple[list, dict]:
    return stored_facts(ctx.log), dump(ctx.db)


def _run(store: str, first: Path, second: Path, workers: int):
    ctx = bootstrap.build(store, Policy(), simulation=True, pepper=TEST_PEPPER)  # as the tests' stores
    ctx.part_reader = PartReaders(workers)
    try:
        results = [ingest(str(first), ctx, T0), ingest(str(second), ctx, T1)]
        return results, _snapshot(ctx)
    finally:
        ctx.close()


def test_parallel_reading_equals_sequential(deliveries, store_url, tmp_path, monkeypatch):
    first, second = deliveries
    seq_results, (seq_events, seq_rows) = _run(f"sqlite:///{tmp_path}/sequential.db", first, second, workers=1)
    monkeypatch.setattr(daemon.scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(daemon.scan, "_work", _spy)
    PIDS[:] = [tmp_path / "pids"]
    par_results, (par_events, par_rows) = _run(store_url, first, second, workers=2)

    readers = set((tmp_path / "pids").read_text().split())
    assert len(readers) >= 2 and str(os.getpid()) not in readers  # really read by worker processes
    # Both duplicates rejected, each at its own line, the first occurrence kept.
    dup = [r for r in par_results[0].rejections if r.reason == "duplicate_record"]
    assert len(dup) == 2 and {r.file for r in dup} == {p.name for p in sorted(first.glob("*_Eleve_*.xml"))[1:3]}
    assert [(r.status, r.counts, r.rejections) for r in par_results] == [
        (r.status, r.counts, r.rejections) for r in seq_results
    ]
    assert par_events == seq_events
    assert par_rows == seq_rows


def test_a_part_a_worker_cannot_read_rejects_the_delivery(deliveries, store_url, tmp_path, monkeypatch):
    first, _ = deliveries
    broken = tmp_path / "broken"
    shutil.copytree(first, broken)
    victim = sorted(broken.glob("*_Eleve_*.xml"))[1]
    victim.write_bytes(victim.read_bytes()[:-40])  # cut short: not well-formed
    monkeypatch.setattr(daemon.scan, "PARALLEL_MIN_BYTES", 0)
    ctx = bootstrap.build(store_url, Policy())
    ctx.part_reader = PartReaders(2)
    try:
        result = ingest(str(broken), ctx, T0)
        assert (result.status, result.reason) == ("rejected", "malformed_xml")
        assert victim.name in result.message
        assert ctx.db.scalar("SELECT COUNT(*) FROM accounts") == 0  # nothing applied
    finally:
        ctx.close()
