"""The forked readers of a large delivery do not outlive a kill -9 of the
daemon (issue 18, point 9): they used to read on for 10–15 s, holding
memory and the delivery's files, while a restarted daemon began again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_the_readers_die_with_their_parent():
    parent = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.worker_parent"], stdout=subprocess.PIPE, text=True
    )
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(p) for p in workers), "a reader outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
