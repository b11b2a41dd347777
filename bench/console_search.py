"""The support console's search (issue 16) on a generated académie's
directory: how long one search takes by a common family name, a full name
typed without accents, a login and a jointure, for an operator (every
establishment) and for an establishment's administrator (one UAI), each the
median of ``--runs`` runs; first the accounts' search alone
(projections/search_queries.py), then the console's whole search
(daemon/http/console/finding.py: also the former names of ``--overwrites``
accounts retyped for other persons, read from the log, the SIECLE students
and guardians of the first date's exports, the rejected records by key).

    python -m bench.console_search [--students 20000] [--store sqlite:///PATH | postgresql://…] [--runs 7]
        [--overwrites 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from adapters.sniff import kind_of
from daemon import bootstrap
from daemon.http.console import finding
from events.account import account_id
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from generator.cli import run as generate
from projections import search_queries, structure_queries

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_CREATE = datetime(2026, 8, 20, 7, tzinfo=timezone.utc)


def timed(search, text: str, scope, runs: int) -> tuple[float, int]:
    seconds, found = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        answer = search(text, scope)
        found = len(answer["accounts"]) + len(answer.get("siecle", [])) + len(answer.get("rejected", []))
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), found


def retype(ctx, jointures: list[str]) -> None:
    """Each account's record retyped for another person (a suspected overwrite)."""
    at = T_CREATE + timedelta(hours=2)  # after the SIECLE exports
    for n, jointure in enumerate(jointures):
        account = ctx.log.get(account_id(jointure))
        other = {"sn": [f"Nouvelnom{n}"], "givenName": ["Octavien"], "ENTPersonNomPatro": [f"Nouvelnom{n}"],
                 "ENTPersonDateNaissance": ["01/01/1970"]}  # fmt: skip
        account.record({**account.attrs, **other}, "retyped", "D-bench", "bench.xml", n + 1, at, timedelta(hours=48))
        ctx.log.save(account)
    ctx.projection.catch_up(ctx.log)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=20000)
    ap.add_argument("--store", help="default: a new SQLite file in a temporary directory")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--overwrites", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="entsync-search-bench-"))
    acad = work / "academie"
    assert generate([str(acad), "--students", str(args.students), "--seed", "1", "--sources", "aaf,siecle"]) == 0
    manifest = json.loads((acad / "manifest.json").read_text())
    first = acad / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]
    ctx = bootstrap.build(args.store or f"sqlite:///{work / 'entsync.db'}", Policy(), ManualClock(T_CREATE))
    dispatch(Arrival("aaf", str(first)), ctx, T0)
    tick(ctx, T_CREATE)
    for exports in manifest["sources"]["siecle"][manifest["dates"]["first"]].values():
        for export in (exports["eleves"], exports["responsables"]):
            dispatch(Arrival(kind_of(acad / export), str(acad / export)), ctx, T_CREATE + timedelta(hours=1))
    ctx.projection.catch_up(ctx.log)
    ctx.siecle.catch_up(ctx.log)
    db = ctx.db
    retyped = [r[0] for r in db.query(f"SELECT jointure FROM accounts WHERE state = 'active' AND category = 'Eleve' "
                                      f"ORDER BY jointure LIMIT {args.overwrites}")]  # fmt: skip
    formerly = json.loads(db.query("SELECT attrs FROM accounts WHERE jointure = ?", (retyped[0],))[0][0])
    retype(ctx, retyped)
    (siecle,) = db.query("SELECT COUNT(*) FROM siecle_guardians")[0]
    (accounts,) = db.query("SELECT COUNT(*) FROM accounts")[0]
    rows = db.query_dicts("SELECT jointure, login, attrs FROM accounts WHERE login <> '' ORDER BY jointure")
    names = [json.loads(r["attrs"]) for r in rows]
    common, _ = Counter(n["sn"][0] for n in names).most_common(1)[0]
    sample = next(n for n in names if any(not c.isascii() for c in n["sn"][0] + n["givenName"][0]))
    typed = search_queries.words(f"{sample['givenName'][0]} {sample['sn'][0]}")
    uais = [s["uai"] for s in structure_queries.structures(db)]
    print(f"{dialect(db)}: {accounts} accounts, {siecle} SIECLE guardians, {len(uais)} establishments, "
          f"{len(retyped)} overwrites; median of {args.runs} runs")  # fmt: skip
    queries = {
        "common family name": common,
        "full name, no accents": " ".join(typed),
        "login": rows[len(rows) // 2]["login"],
        "jointure": rows[len(rows) // 3]["jointure"],
        "former name": f"{formerly['givenName'][0]} {formerly['sn'][0]}",
    }
    searches = {
        "accounts": lambda text, scope: search_queries.search(db, text, scope),
        "console": lambda text, scope: finding.find(ctx, scope=scope, text=text),
    }
    for name, search in searches.items():
        print(f" {name} search")
        for who, scope in (("operator", None), ("etab-admin", frozenset(uais[:1]))):
            for what, text in queries.items():
                seconds, found = timed(search, text, scope, args.runs)
                print(f"  {who:10} {what:22} {seconds * 1000:8.1f} ms  {found:3} found")
    ctx.close()


def dialect(db) -> str:
    return getattr(db, "dialect", "?")


if __name__ == "__main__":
    main()
