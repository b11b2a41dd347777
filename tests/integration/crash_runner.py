"""Runs a short school-year scenario and SIGKILLs itself right after the
N-th write (event commit, read-model batch, staging write), to test that a
restart ends in the same log and read model as an uninterrupted run.

    python -m tests.integration.crash_runner STORE STEPFILE KILL_AT FIRST SECOND

KILL_AT 0 runs to the end and prints the number of writes. Completed steps
are noted in STEPFILE so that a restart resumes at the interrupted step,
as an operator would rerun the command that was killed.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from daemon import bootstrap
from daemon import tick as tick_module
from daemon.tick import tick
from events.application import DirectoryLog
from events.policy import Policy
from events.usecases import aaf_apply
from events.usecases.aaf_ingest import ingest
from projections.directory import DirectoryProjection
from projections.staging import Staging
from tests.integration.conftest import T0, T1, T_CREATE

WRITES = 0


def _counting(cls, name: str, kill_at: int) -> None:
    original = getattr(cls, name)

    def wrapper(*args, **kwargs):
        global WRITES
        result = original(*args, **kwargs)
        WRITES += 1
        if WRITES == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(cls, name, wrapper)


def main(argv: list[str]) -> int:
    store, stepfile, kill_at, first, second = argv[0], Path(argv[1]), int(argv[2]), argv[3], argv[4]
    aaf_apply.BATCH = tick_module.BATCH = 40  # many small batches: many points to be killed at
    # Declared before the writes are counted: the test's store is declared already, the reference's is not.
    ctx = bootstrap.build(store, Policy(), simulation=True)  # runs at dates of its own
    for cls, name in (
        (DirectoryLog, "save"),
        (DirectoryProjection, "_apply"),
        (Staging, "add"),
        (Staging, "set_phase"),
        (Staging, "clear"),
    ):
        _counting(cls, name, kill_at)
    steps = [
        lambda: ingest(first, ctx, T0),
        lambda: tick(ctx, T_CREATE),
        lambda: ingest(second, ctx, T1),
        lambda: tick(ctx, T1 + timedelta(days=50)),
    ]
    done = int(stepfile.read_text()) if stepfile.exists() else 0
    for number, step in enumerate(steps):
        if number < done:
            continue
        step()
        stepfile.write_text(str(number + 1))
    print(WRITES)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
