"""Preview benchmark (issue 15: ``entsync ingest PATH --dry-run``). Brings a
store to where a generated académie's year started (its first complete
delivery applied, the accounts created), then measures what a preview of
the second date's delta costs on top of the import itself: opening the
store's log and copying every event into the in-memory twin and rebuilding
the twin's read models (what a preview does on PostgreSQL), SQLite's backup
of the whole store (what it does on SQLite), the preview end to end; and,
for comparison, the real ingest of the same delta. Prints events, seconds, events/s and peak RSS.

    python -m bench.preview --students 20000 [--store sqlite:///PATH | postgresql://…] [--workdir DIR]
"""

from __future__ import annotations

import resource
import time
from datetime import datetime, timezone

from adapters.sniff import kind_of
from bench import common
from daemon import bootstrap, preview
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from projections.store_copy import copy_sqlite

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 5, 6, tzinfo=timezone.utc)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = common.arguments(20000).parse_args()
    with common.workdir(args, "entsync-preview-bench-") as work:
        acad, manifest = common.academie(work, args)
        dates = manifest["dates"]
        first = acad / manifest["deliveries"][f"{dates['first']}-complet"]["path"]
        delta = acad / manifest["deliveries"][f"{dates['second']}-delta"]["path"]
        store = common.store_url(work, args)
        clock = ManualClock(T1)
        ctx = bootstrap.build(store, Policy(), clock, simulation=True)
        start = time.perf_counter()
        dispatch(Arrival("aaf", str(first)), ctx, T0)
        tick(ctx, T_CREATE)
        ctx.projection.catch_up(ctx.log)
        events = ctx.log.max_position()
        print(f"store: {args.students} students, {events} events, year started in {time.perf_counter() - start:.1f} s")
        ctx.close()

        start = time.perf_counter()
        source = preview.read_log(store)
        assert source is not None
        twin = bootstrap.build("memory:", Policy(), clock)
        copied = preview.copy_log(source, twin.log)
        source.close()
        copy_s = time.perf_counter() - start
        start = time.perf_counter()
        twin.projection.catch_up(twin.log)
        twin.siecle.catch_up(twin.log)
        twin.imports.catch_up(twin.log)
        rebuild_s = time.perf_counter() - start
        twin.close()
        print(f"copy the log into the twin: {copied} events in {copy_s:.2f} s ({copied / copy_s:,.0f} events/s)")
        print(f"rebuild the twin's read models: {rebuild_s:.2f} s ({copied / rebuild_s:,.0f} events/s)")

        if store.startswith("sqlite:///"):  # what the preview does on SQLite instead: one backup, no rebuild
            start = time.perf_counter()
            copy = work / "copy.db"
            copy_sqlite(store[len("sqlite:///") :], copy)
            size = copy.stat().st_size / 1e6
            copy.unlink()
            print(f"SQLite backup of the store ({size:.0f} MB): {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        found = preview.preview(store, delta, kind_of(delta), Policy(), T1, clock=clock)
        preview_s = time.perf_counter() - start
        print(f"preview of the delta, end to end: {preview_s:.2f} s ({found.facts} facts would be recorded)")
        ctx = bootstrap.build(store, Policy(), clock)
        start = time.perf_counter()
        real = dispatch(Arrival("aaf", str(delta)), ctx, T1)
        real_s = time.perf_counter() - start
        ctx.close()
        print(f"real ingest of the delta: {real_s:.2f} s ({getattr(real, 'status', real)})")
        print(f"peak RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
