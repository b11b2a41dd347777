"""The cost of sealing personal fields (issue 17, design-17 §6). Builds a
store as an earlier release did (a log without a key ring writes states in
clear: a generated académie's first complete delivery applied and its
accounts created), then measures:

- encoding its ``Account.Appeared`` events with the plain mapper and with the
  sealing mapper (events/application.py SealingMapper; first with each
  person's key made, then again with the keys known), and decoding the stored
  states each wrote: µs per event and the ratio sealed / plain;
- the upgrade that seals that store in place (events/usecases/upgrade_sealing.py):
  stored events sealed per second, batches, and the whole walk's time.

    python -m bench.sealing [--students 5000] [--store sqlite:///PATH | postgresql://…] [--workdir DIR]
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from bench import common
from daemon import bootstrap
from events.account import Account
from events.application import DirectoryLog
from events.policy import Policy
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from events.usecases.upgrade_sealing import seal_stored
from projections.db import Database
from projections.store_url import StoreURL

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)


def plaintext_store(store: str, first: Path) -> int:
    """The store an earlier release would have written; answers how many events."""
    ctx = bootstrap.build(store, Policy(), simulation=True)
    ctx.log.close()
    ctx.log = DirectoryLog(env=StoreURL(store).eventsourcing_env())
    dispatch(Arrival("aaf", str(first)), ctx, T0)
    tick(ctx, T_CREATE)
    ctx.projection.catch_up(ctx.log)
    events = ctx.log.max_position()
    ctx.close()
    db = Database(store)
    with db.transaction():  # what an earlier release's store lacks
        db.execute("DROP TABLE sealing")
        db.execute("DROP TABLE keyring")
    db.close()
    return events


def per_event(seconds: float, n: int) -> float:
    return seconds / n * 1e6


def timed(fn, items) -> tuple[float, list]:
    start = time.perf_counter()
    out = [fn(i) for i in items]
    return time.perf_counter() - start, out


def main() -> None:
    args = common.arguments(5000).parse_args()
    with common.workdir(args, "entsync-sealing-bench-") as work:
        acad, manifest = common.academie(work, args)
        first = acad / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]
        store = common.store_url(work, args)
        total = plaintext_store(store, first)
        print(f"store ({StoreURL(store).dialect}): {args.students} students, {total} stored events in clear")

        plain = DirectoryLog(env=StoreURL(store).eventsourcing_env())
        appeared = [e for _, e in plain.iter_events() if type(e) is Account.Appeared]
        n = len(appeared)
        # A store's key ring, on a scratch store: the bench's keys never reach the store upgraded below.
        scratch = bootstrap.build(f"sqlite:///{work / 'keys.db'}", Policy())
        sealing = scratch.log.mapper
        plain_enc, plain_stored = timed(plain.mapper.to_stored_event, appeared)
        first_enc, sealed_stored = timed(sealing.to_stored_event, appeared)
        warm_enc, _ = timed(sealing.to_stored_event, appeared)
        plain_dec, _ = timed(plain.mapper.to_domain_event, plain_stored)
        sealed_dec, _ = timed(sealing.to_domain_event, sealed_stored)
        size = sum(len(s.state) for s in sealed_stored) / sum(len(s.state) for s in plain_stored)
        print(f"\n{n} Account.Appeared events, µs per event:")
        print(f"  encode plain            {per_event(plain_enc, n):8.1f}")
        print(f"  encode sealed, new keys {per_event(first_enc, n):8.1f}  ×{first_enc / plain_enc:.2f}")
        print(f"  encode sealed, known    {per_event(warm_enc, n):8.1f}  ×{warm_enc / plain_enc:.2f}")
        print(f"  decode plain            {per_event(plain_dec, n):8.1f}")
        print(f"  decode sealed           {per_event(sealed_dec, n):8.1f}  ×{sealed_dec / plain_dec:.2f}")
        print(f"  stored state size: ×{size:.2f}")
        scratch.close()
        plain.close()

        ctx = bootstrap.build(store, Policy())
        start = time.perf_counter()
        report = seal_stored(ctx, "bench")
        seconds = time.perf_counter() - start
        ctx.close()
        assert report is not None
        print(
            f"\nupgrade: {report.events} of {total} stored events sealed in {report.batches} batches "
            f"in {seconds:.2f} s: {report.events / seconds:.0f} events sealed/s"
        )


if __name__ == "__main__":
    main()
