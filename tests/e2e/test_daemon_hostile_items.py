"""Items that used to stall or fool the running service (issue 18, points 2
and 3), in a real inbox of the installed `entsync run`: a FIFO is set aside
without being opened and the items after it are processed; a directory
delivery whose part is a link to a valid part elsewhere is refused whole;
/healthz tells a stalled worker, and a metric says when the inbox last
moved."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.daemon_process import (
    Daemon,
    cli,
    drop_with_marker,
    http_status,
    outcome_files,
    wait_until,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_fifo_and_a_linked_part_are_set_aside_and_the_service_goes_on(store_url, tmp_path, daemons):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "export_edt_0571994H.xml")  # opening it would block the worker
    linked = inbox / "linked-delivery"
    linked.mkdir()
    parts = sorted((FIX / "aaf" / "values").glob("*.xml"))
    for p in parts[1:]:
        shutil.copy(p, linked / p.name)
    (linked / parts[0].name).symlink_to(parts[0])  # a valid part, read from outside the item
    daemon = Daemon(tmp_path, store_url, inbox, quiet=0.5).start()
    daemons.append(daemon)
    wait_until(lambda: http_status(daemon.url("/readyz")) == 200, 15, "/readyz")
    # A good delivery after them is processed: nothing stalls.
    drop_with_marker(FIX / "aaf" / "values", inbox, "values", ".done")
    rejected = wait_until(
        lambda: (r := outcome_files(inbox, "rejected")) and len(r) == 2 and r,
        20,
        "the FIFO and the linked delivery in rejected/",
    )
    assert {n: r["reason"] for n, r in rejected.items()} == {
        "export_edt_0571994H.xml": "unsafe_item",
        "linked-delivery": "unsafe_item",
    }
    assert "FIFO" in rejected["export_edt_0571994H.xml"]["message"]
    assert parts[0].name in rejected["linked-delivery"]["message"]
    processed = wait_until(
        lambda: (r := outcome_files(inbox, "processed")) and "values" in r and r, 20, "the good delivery in processed/"
    )
    assert processed["values"]["outcome"] == "applied"
    deliveries = cli(store_url, "deliveries", "--json", cwd=tmp_path).stdout
    assert deliveries.count('"delivery_id"') == 1  # only the good one: the linked part never applied

    assert http_status(daemon.url("/healthz")) == 200
    with urllib.request.urlopen(daemon.url("/metrics"), timeout=5) as resp:
        samples = {
            s.name: s.value for family in text_string_to_metric_families(resp.read().decode()) for s in family.samples
        }
    assert time.time() - samples["entsync_inbox_last_progress_timestamp_seconds"] < 10
    assert samples["entsync_inbox_item_seconds"] == 0
    assert daemon.terminate() == 0
