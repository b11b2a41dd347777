"""A worker that holds one item too long is reported (issue 18, point 2):
the inbox says how long it has held its item, and the real HTTP server's
/healthz answers 503 with it while /readyz keeps telling readiness."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone

from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from daemon.service.inbox import Inbox
from events.clock import ManualClock


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_an_item_held_longer_than_the_bound_is_a_stalled_worker(tmp_path):
    clock = ManualClock(datetime(2026, 9, 1, 8, tzinfo=timezone.utc), monotonic_start=100.0)
    inbox = Inbox(tmp_path / "inbox", None, threading.Lock(), quiet_seconds=0, clock=clock)
    assert inbox.stalled(60) is None  # idle
    inbox.busy, inbox.busy_since = "export.xml", clock.monotonic()  # what handle() sets when it takes an item
    clock.advance(30)
    assert inbox.stalled(60) is None and inbox.stalled(0) == 30

    def health():
        held = inbox.stalled(60)
        return None if held is None else {"item": inbox.busy, "held_seconds": held, "bound_seconds": 60}

    metrics = Metrics()
    metrics.watch_inbox(inbox)
    server = serve("127.0.0.1:0", metrics, lambda: None, lambda: True, workers=2, health=health)
    try:
        assert get(f"{server.url}/healthz") == (200, {"status": "ok"})
        clock.advance(31)
        assert get(f"{server.url}/healthz") == (
            503,
            {"status": "stalled", "item": "export.xml", "held_seconds": 61.0, "bound_seconds": 60},
        )
        assert get(f"{server.url}/readyz") == (200, {"ready": True})
        text = urllib.request.urlopen(f"{server.url}/metrics", timeout=5).read().decode()
        assert "entsync_inbox_item_seconds 61.0" in text
    finally:
        server.close()
