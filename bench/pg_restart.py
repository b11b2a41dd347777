"""Recovery after a PostgreSQL restart (issue 18, point 1). For each outage
length: a real server of its own is stopped under a running `entsync run`
(catch-up every 10 s, as deployed), a delivery is dropped in the inbox while
it is down, the server is started again; prints how long after the server's
return `/readyz` answered 200 and the waiting delivery was applied, and how
long the outage took to show in `/readyz`.

    python -m bench.pg_restart [--outages 5,30,90] [--connect-timeout 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.conftest import RestartablePg, _PgCluster, find_pg_bindir
from tests.e2e.daemon_process import Daemon, drop_with_marker, http_status, outcome_files

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "aaf"


def wait(predicate, timeout: float, step: float = 0.05) -> float | None:
    """Seconds until ``predicate()`` held, or None after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


def one(pg: RestartablePg, outage: float, connect_timeout: int, work: Path) -> dict:
    store = pg.new_store(query=f"?connect_timeout={connect_timeout}")
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    daemon = Daemon(work, store, inbox, quiet=0.3, ENTSYNC_CATCH_UP_SECONDS="10").start()
    try:
        if wait(lambda: http_status(daemon.url("/readyz")) == 200, 30) is None:
            raise SystemExit("the daemon never became ready")
        drop_with_marker(FIX / "values", inbox, "values", ".done")
        wait(lambda: "values" in outcome_files(inbox, "processed"), 30)
        pg.halt()
        halted = time.monotonic()
        drop_with_marker(FIX / "delta", inbox, "delta", ".done")
        shown = wait(lambda: http_status(daemon.url("/readyz")) == 503, outage + 120)
        rest = outage - (time.monotonic() - halted)
        if rest > 0:
            time.sleep(rest)
        pg.resume()
        back = time.monotonic()
        ready = applied = None
        while (ready is None or applied is None) and time.monotonic() - back < 600:
            if ready is None and http_status(daemon.url("/readyz")) == 200:
                ready = time.monotonic() - back
            if applied is None and "delta" in outcome_files(inbox, "processed"):
                applied = time.monotonic() - back
            time.sleep(0.05)
        return {"shown_in_readyz_s": shown, "ready_after_return_s": ready, "applied_after_return_s": applied}
    finally:
        daemon.stop_if_running()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", default="5,30,90", help="outage lengths in seconds, comma-separated")
    parser.add_argument("--connect-timeout", type=int, default=10, help="the store URL's connect_timeout")
    args = parser.parse_args()
    bindir = find_pg_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = _PgCluster(bindir)
    cluster.start()
    try:
        pg = RestartablePg(cluster)
        print(f"connect_timeout={args.connect_timeout}s, catch-up every 10 s")
        print(
            f"{'outage (s)':>10} {'shown in /readyz (s)':>21} {'ready after return (s)':>23} "
            f"{'applied after return (s)':>25}"
        )
        for n, outage in enumerate(float(x) for x in args.outages.split(",")):
            with tempfile.TemporaryDirectory(prefix=f"pg-restart-{n}-") as work:
                r = one(pg, outage, args.connect_timeout, Path(work))

            def fmt(v: float | None) -> str:
                return "never" if v is None else f"{v:.1f}"

            print(
                f"{outage:>10.0f} {fmt(r['shown_in_readyz_s']):>21} {fmt(r['ready_after_return_s']):>23} "
                f"{fmt(r['applied_after_return_s']):>25}"
            )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
