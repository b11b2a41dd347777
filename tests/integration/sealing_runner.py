"""Opens a store of an earlier release, as a command does, and seals it
(events/usecases/upgrade_sealing.py), SIGKILLing itself at the N-th batch
committed (events/faults.py ``upgrade.sealed``).

    python -m tests.integration.sealing_runner STORE STOP_AT BATCH

STOP_AT 0 runs to the end and prints, as JSON, how many batches this run
committed and the position it resumed from."""

from __future__ import annotations

import json
import sys

from daemon import bootstrap
from events.faults import CountingFaults, StopAt
from events.policy import Policy
from events.usecases.upgrade_sealing import seal_stored


def main(argv: list[str]) -> int:
    store, stop_at, batch = argv[0], int(argv[1]), int(argv[2])
    faults = StopAt(stop_at, frozenset({"upgrade.sealed"})) if stop_at else CountingFaults()
    ctx = bootstrap.build(store, Policy(), faults=faults, batch=batch)
    try:
        report = seal_stored(ctx, "test")
    finally:
        ctx.close()
    assert report is not None
    print(json.dumps({"batches": faults.counts["upgrade.sealed"], "resumed_from": report.resumed_from}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
