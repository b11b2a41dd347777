"""Records a SIECLE export whose students have no account yet, then ingests
the AAF delivery that brings their accounts and SIGKILLs itself at the
first step after ``Delivery.Applied``: the SIECLE relink (issue 18, point 4).

    python -m tests.integration.relink_crash_runner STORE ELEVES DELIVERY
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime, timezone

from daemon import bootstrap, precedence
from daemon.siecle import ingest_siecle
from events.policy import Policy
from events.usecases.aaf_ingest import ingest

T_SIECLE = datetime(2026, 8, 17, 8, tzinfo=timezone.utc)
T_AAF = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


def main(argv: list[str]) -> int:
    store, eleves, delivery = argv
    ctx = bootstrap.build(store, Policy())
    assert ingest_siecle(eleves, ctx, T_SIECLE).status == "applied"

    def killed(*args, **kwargs):  # the fault: the process dies where the relink would start
        os.kill(os.getpid(), signal.SIGKILL)

    precedence.relink = killed
    ingest(delivery, ctx, T_AAF)
    return 1  # never reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
