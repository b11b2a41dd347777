"""A delivery flooded with duplicate records (issue 18, point 6). Ingests one
establishment and one student's record N times (every copy after the first
a duplicate_record) into a fresh SQLite store, with the shipped limits
(rejected whole) and with the limits off (applied, the rejections stored a
batch per event) and, for comparison, one rejection per event; prints seconds, events written and store growth.

    python -m bench.rejected_flood [--copies 30000]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from daemon import bootstrap
from events.policy import Policy
from events.usecases.aaf_ingest import ingest

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "aaf" / "duplicate-id"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


def flood(out: Path, copies: int) -> Path:
    out.mkdir()
    etab = next(FIX.glob("*EtabEducNat*"))
    shutil.copy(etab, out / etab.name)
    eleve = next(FIX.glob("*Eleve*"))
    text = eleve.read_text(encoding="utf-8")
    first = re.search(r"<addRequest>.*?</addRequest>", text, re.S).group(0)
    with open(out / eleve.name, "w", encoding="utf-8") as fh:
        fh.write(text[: text.index("<addRequest>")])
        for _ in range(copies):
            fh.write(first + "\n")
        fh.write("</ficAlimMENESR>\n")
    return out


def run(delivery: Path, work: Path, name: str, policy: Policy) -> None:
    db = work / f"{name}.db"
    ctx = bootstrap.build(f"sqlite:///{db}", policy, simulation=True)
    before_events = ctx.log.max_position()
    ctx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.stat().st_size
    started = time.perf_counter()
    result = ingest(str(delivery), ctx, T0)
    seconds = time.perf_counter() - started
    events = ctx.log.max_position() - before_events
    ctx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    grown = db.stat().st_size - before
    ctx.close()
    print(
        f"{name:<22} {result.status:>9} {result.reason or '-':<26} {seconds:>8.2f} s {events:>8} events "
        f"{grown / 1e6:>8.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flood-") as tmp:
        work = Path(tmp)
        delivery = flood(work / "delivery", args.copies)
        size = sum(p.stat().st_size for p in delivery.iterdir())
        print(f"{args.copies} copies of one record, {size / 1e6:.1f} MB of XML")
        run(delivery, work, "shipped limits", Policy())
        run(delivery, work, "limits off", Policy(max_rejected_records=0, max_rejected_share=1.0))
        # For comparison: one rejection per event, as 0.3.0 wrote them.
        from events.usecases import aaf_stage as module

        batch, module.REJECTIONS_PER_EVENT = module.REJECTIONS_PER_EVENT, 1
        try:
            run(delivery, work, "off, 1 per event", Policy(max_rejected_records=0, max_rejected_share=1.0))
        finally:
            module.REJECTIONS_PER_EVENT = batch


if __name__ == "__main__":
    main()
