"""A parent whose forked readers (daemon/scan.worker_pool) are busy: prints
each worker's pid, then waits to be killed (issue 18, point 9).

    python -m tests.integration.worker_parent
"""

from __future__ import annotations

import os
import sys
import time

from daemon.scan import worker_pool


def busy(_: int) -> int:
    time.sleep(0.3)
    return os.getpid()


def main() -> int:
    pool = worker_pool(2)
    pids = set(pool.map(busy, range(4)))
    for _ in range(1_000):  # keep them busy until the test kills this process
        pool.submit(time.sleep, 0.5)
    print(" ".join(str(p) for p in sorted(pids)), flush=True)
    time.sleep(120)
    return 1


if __name__ == "__main__":
    sys.exit(main())
