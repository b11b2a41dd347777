"""The support console's search (issue 16, projections/search_queries.py) on
a generated académie's directory: how long one search takes by a common
family name, a full name typed without accents, a login and a jointure, for
an operator (every establishment) and for an establishment's administrator
(one UAI), each the median of ``--runs`` runs; and how many candidate rows
the SQL narrowing leaves to compare in Python.

    python -m bench.console_search [--students 20000] [--store sqlite:///PATH | postgresql://…] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from daemon import bootstrap
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from generator.cli import run as generate
from projections import search_queries, structure_queries

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)


def timed(db, text: str, scope, runs: int) -> tuple[float, int]:
    seconds, found = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        found = len(search_queries.search(db, text, scope)["accounts"])
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=20000)
    ap.add_argument("--store", help="default: a new SQLite file in a temporary directory")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="entsync-search-bench-"))
    acad = work / "academie"
    assert generate([str(acad), "--students", str(args.students), "--seed", "1", "--sources", "aaf"]) == 0
    manifest = json.loads((acad / "manifest.json").read_text())
    first = acad / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]
    ctx = bootstrap.build(args.store or f"sqlite:///{work / 'entsync.db'}", Policy(), ManualClock(T_CREATE))
    dispatch(Arrival("aaf", str(first)), ctx, T0)
    tick(ctx, T_CREATE)
    ctx.projection.catch_up(ctx.log)
    db = ctx.db
    (accounts,) = db.query("SELECT COUNT(*) FROM accounts")[0]
    rows = db.query_dicts("SELECT jointure, login, attrs FROM accounts WHERE login <> '' ORDER BY jointure")
    names = [json.loads(r["attrs"]) for r in rows]
    common, _ = Counter(n["sn"][0] for n in names).most_common(1)[0]
    sample = next(n for n in names if any(not c.isascii() for c in n["sn"][0] + n["givenName"][0]))
    typed = search_queries.words(f"{sample['givenName'][0]} {sample['sn'][0]}")
    uais = [s["uai"] for s in structure_queries.structures(db)]
    print(f"{dialect(db)}: {accounts} accounts, {len(uais)} establishments; median of {args.runs} runs")
    queries = {
        "common family name": common,
        "full name, no accents": " ".join(typed),
        "login": rows[len(rows) // 2]["login"],
        "jointure": rows[len(rows) // 3]["jointure"],
    }
    for who, scope in (("operator", None), ("etab-admin", frozenset(uais[:1]))):
        for what, text in queries.items():
            seconds, found = timed(db, text, scope, args.runs)
            print(f"  {who:10} {what:22} {seconds * 1000:8.1f} ms  {found:3} found")
    ctx.close()


def dialect(db) -> str:
    return getattr(db, "dialect", "?")


if __name__ == "__main__":
    main()
