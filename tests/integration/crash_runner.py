"""Runs a short school-year scenario and SIGKILLs itself at the N-th commit
point (events/faults.py: events saved, a read-model batch committed, a
staging write…), to test that a restart ends in the same log and read model
as an uninterrupted run.

    python -m tests.integration.crash_runner STORE STEPFILE KILL_AT FIRST SECOND

KILL_AT is N (the N-th point reached, whatever its name) or POINT:N (the
N-th time that point is reached). 0 runs to the end and prints, as JSON,
how many times each point was reached. Completed steps are noted in STEPFILE so that a restart resumes at
the interrupted step, as an operator would rerun the command that was killed.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from daemon import bootstrap
from events.faults import CountingFaults, StopAt
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from tests.integration.conftest import T0, T1, T_CREATE

# Events saved per transaction: many small batches, many points to be killed at.
BATCH = 40


def stop_at(kill_at: str) -> CountingFaults:
    point, _, nth = kill_at.rpartition(":")
    if int(nth) == 0:
        return CountingFaults()
    return StopAt(int(nth), frozenset({point}) if point else None)


def main(argv: list[str]) -> int:
    store, stepfile, kill_at, first, second = argv[0], Path(argv[1]), argv[2], argv[3], argv[4]
    # Declared before the points are counted: the test's store is declared
    # already, the reference's is not, and both must count the same points.
    bootstrap.build(store, Policy(), simulation=True).close()  # runs at dates of its own
    faults = stop_at(kill_at)
    ctx = bootstrap.build(store, Policy(), faults=faults, simulation=True, batch=BATCH)
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
    ctx.close()
    print(json.dumps(dict(sorted(faults.counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
