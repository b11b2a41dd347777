"""Ingest benchmark (issue: foundation). Prints, for a generated académie:
complete ingest time (every fact recorded in the log) and the read model's
catch-up after it, the same for a re-delivery of the same content (regenerated
with a new date, another part split and attribute order), parse-only time of the
same files (one lxml iterparse pass that clears elements and reads every
value, no validation), their ratios, events stored and peak RSS.

    python -m bench.ingest_bench --students 100000 [--store sqlite:///PATH] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree

from daemon import bootstrap
from daemon.scan import PartReaders
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from generator.cli import run as generate


def parse_only(directory: Path) -> tuple[float, int]:
    """One iterparse pass over every part, reading every value, clearing as it goes."""
    start = time.perf_counter()
    values = 0
    for path in sorted(directory.glob("*.xml")):
        for _, elem in etree.iterparse(
            str(path),
            events=("end",),
            tag=("addRequest", "modifyRequest", "deleteRequest"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        ):
            for child in elem.iter("value", "id"):
                values += len(child.text or "")
            elem.clear(keep_tail=True)
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    return time.perf_counter() - start, values


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.glob("*.xml")) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", help="default: a SQLite file in the work directory")
    ap.add_argument("--workdir", help="default: a temporary directory, removed at the end")
    ap.add_argument("--workers", type=int, help="processes reading parts (default: the machine's cores, at most 4)")
    ap.add_argument(
        "--format-version",
        choices=["VE1301", "VE1803", "VE2407"],
        default="VE1803",
        help="AAF format version of the generated files (formats §1)",
    )
    ap.add_argument("--names", choices=["conventional", "full-source", "ent-no-uai", "ent2dva"], default="conventional")
    ap.add_argument(
        "--real-shapes",
        action="store_true",
        help="staff and structures as in real files (presence N, no functions, a replacement zone…)",
    )
    args = ap.parse_args()
    shapes = ["--format-version", args.format_version, "--names", args.names] + (
        ["--real-shapes"] if args.real_shapes else []
    )
    work = Path(args.workdir or tempfile.mkdtemp(prefix="entsync-bench-"))
    try:
        t = time.perf_counter()
        generate(
            [
                str(work / "a"),
                "--students",
                str(args.students),
                "--seed",
                str(args.seed),
                "--no-second",
                "--part-size",
                "5000",
                *shapes,
            ]
        )
        generate(
            [
                str(work / "b"),
                "--students",
                str(args.students),
                "--seed",
                str(args.seed),
                "--no-second",
                "--date",
                "20260901",
                "--part-size",
                "3333",
                "--shuffle-attributes",
                *shapes,
            ]
        )
        print(f"generated in {time.perf_counter() - t:.1f} s")
        first, again = work / "a/aaf/20260818-complet", work / "b/aaf/20260901-complet"
        parse_s, _ = parse_only(first)
        parse_again_s, _ = parse_only(again)
        # A simulation store (domain-rules §12): the benchmark runs at dates of its own.
        ctx = bootstrap.build(args.store or f"sqlite:///{work}/bench.db", Policy(), simulation=True)
        if args.workers:
            ctx.part_reader = PartReaders(args.workers)
        t0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
        start = time.perf_counter()
        r1 = ingest(str(first), ctx, t0, project=False)
        ingest_s = time.perf_counter() - start
        ctx.projection.catch_up(ctx.log)
        project_s = time.perf_counter() - start - ingest_s
        events_1 = ctx.log.max_position()
        rss_1 = rss_mb()
        start = time.perf_counter()
        r2 = ingest(str(again), ctx, t0 + timedelta(days=14), project=False)
        again_s = time.perf_counter() - start
        ctx.projection.catch_up(ctx.log)
        again_project_s = time.perf_counter() - start - again_s
        events_2 = ctx.log.max_position() - events_1
        person_events = sum(v for k, v in r2.counts.items() if k.startswith("events_"))
        ctx.close()
        records = sum(v for k, v in r1.counts.items() if k.startswith("events_"))
        print(
            f"students {args.students}, files {size_mb(first):.0f} MB, records {records}, "
            f"workers {ctx.part_reader.workers}, store {'sqlite' if not args.store else args.store.split(':')[0]}"
        )
        print(f"parse-only (complete)        {parse_s:8.1f} s")
        print(
            f"ingest complete              {ingest_s:8.1f} s   ratio {ingest_s / parse_s:.2f} x parse-only   "
            f"events {events_1}   status {r1.status}"
        )
        print(
            f"  + read model catch-up      {project_s:8.1f} s   ingest + read model {ingest_s + project_s:.1f} s, "
            f"ratio {(ingest_s + project_s) / parse_s:.2f} x"
        )
        print(f"parse-only (re-delivery)     {parse_again_s:8.1f} s")
        print(
            f"ingest re-delivery           {again_s:8.1f} s   ratio {again_s / parse_again_s:.2f} x parse-only   "
            f"events {events_2} (record events {person_events})   status {r2.status}"
        )
        print(
            f"  + read model catch-up      {again_project_s:8.1f} s   ingest + read model "
            f"{again_s + again_project_s:.1f} s, ratio {(again_s + again_project_s) / parse_again_s:.2f} x"
        )
        print(
            f"peak RSS (this process) after first ingest {rss_1:.0f} MB, at the end {rss_mb():.0f} MB; "
            f"worker processes peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB"
        )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            f"CPU time: this process {usage.ru_utime + usage.ru_stime:.1f} s, worker processes "
            f"{children.ru_utime + children.ru_stime:.1f} s (generation included)"
        )
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
