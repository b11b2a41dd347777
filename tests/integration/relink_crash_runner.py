"""Records a SIECLE export whose students have no account yet, then ingests
the AAF delivery that brings their accounts and SIGKILLs itself at the
first step after ``Delivery.Applied``: where the SIECLE relink starts
(issue 18, point 4; the commit point "relink.starting", events/faults.py).

    python -m tests.integration.relink_crash_runner STORE ELEVES DELIVERY
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

from daemon import bootstrap
from events.faults import StopAt
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle

T_SIECLE = datetime(2026, 8, 17, 8, tzinfo=timezone.utc)
T_AAF = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


def main(argv: list[str]) -> int:
    store, eleves, delivery = argv
    ctx = bootstrap.build(store, Policy(), faults=StopAt(1, frozenset({"relink.starting"})))
    assert ingest_siecle(eleves, ctx, T_SIECLE).status == "applied"
    ingest(delivery, ctx, T_AAF)
    return 1  # never reached: the process dies where the relink would start


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
