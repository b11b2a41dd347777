"""A kill -9 between ``Delivery.Applied`` and the SIECLE relink (issue 18,
point 4): the links are not lost. The fault is injected at that very point
in a child process; `verify` then reports the step that did not run, and
the next tick, or the same delivery ingested again, makes it good."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.siecle import read_eleves
from daemon import bootstrap
from events.faults import CountingFaults
from events.policy import Policy
from events.usecases import siecle_relink
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from tests.integration.conftest import make_academie

ENTSYNC = str(Path(sys.executable).with_name("entsync"))
T_AFTER = datetime(2026, 8, 18, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    return make_academie(
        tmp_path_factory.mktemp("relink-academie"),
        "--students",
        "40",
        "--seed",
        "5",
        "--sources",
        "aaf,siecle",
        "--no-second",
    )


def links(ctx) -> dict[str, int]:
    return dict(
        ctx.db.query("SELECT status, COUNT(*) FROM siecle_account_links WHERE kind = 'student' GROUP BY status")
    )


def verify(store: str) -> tuple[int, dict]:
    proc = subprocess.run([ENTSYNC, "--store", store, "verify", "--json"], capture_output=True, text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("heal", ["tick", "same_delivery_again"])
def test_a_relink_killed_after_its_delivery_is_run_by_what_comes_next(heal, store_url, gen):
    ((uai, files),) = gen.manifest["sources"]["siecle"][gen.manifest["dates"]["first"]].items()
    eleves = gen.root / files["eleves"]
    child = subprocess.run(
        [sys.executable, "-m", "tests.integration.relink_crash_runner", store_url, str(eleves), str(gen.first)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]

    faults = CountingFaults()
    ctx = bootstrap.build(store_url, Policy(), faults=faults)
    try:
        ctx.projection.catch_up(ctx.log)
        ctx.siecle.catch_up(ctx.log)
        (delivery,) = ctx.db.query("SELECT delivery_id, status FROM deliveries")
        assert delivery[1] == "applied"  # the fact was recorded…
        unlinked = links(ctx)
        assert unlinked == {"unresolved": len(read_eleves(eleves).students)}  # …its relink was not
        assert siecle_relink.pending_follow_ups(ctx) == [delivery[0]]

        code, report = verify(store_url)
        assert code == 1 and report["equal"] is True  # the read model equals its rebuild…
        assert report["follow_ups"]["deliveries_not_followed"] == 1
        assert report["follow_ups"]["links_derivable"] == unlinked["unresolved"]  # …yet links are missing

        if heal == "tick":
            tick(ctx, T_AFTER)
        else:
            assert ingest(str(gen.first), ctx, T_AFTER).status == "already-applied"
        healed = links(ctx)
        assert healed.get("unresolved", 0) == 0 and healed["linked"] == unlinked["unresolved"]
        assert siecle_relink.pending_follow_ups(ctx) == [] and faults.counts["relink.starting"] == 1
        tick(ctx, T_AFTER)  # nothing more to link: the mark holds
        assert links(ctx) == healed and faults.counts["relink.starting"] == 1
    finally:
        ctx.close()
    code, report = verify(store_url)
    assert code == 0 and report["follow_ups"] == {"deliveries_not_followed": 0, "links_derivable": 0}
