"""``entsync anomalies``: what an operator must look at, filtered by
establishment, kind and time, each row with its label and the action to take
from the catalogue (events/anomaly_kinds.py), in French or English.

Overdue creations are judged at ``--now`` (default: the wall clock, on a
simulation store its last recorded time; with ``--as-of`` alone, that
time), so that a store replayed with ``--now`` does not list every pending
account as overdue (domain-rules §12)."""

from __future__ import annotations

import argparse
from argparse import Namespace
from typing import Any

from daemon.bootstrap import Context
from daemon.cli.directory_commands import read_db
from daemon.cli.exits import EXIT_OK
from daemon.cli.render import Output
from events.anomaly_kinds import LANGS, kind_of, parse_kinds
from projections import anomaly_queries

COLUMNS = ("anomaly", "jointure", "profile", "state", "label", "detail")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    """The filters sit on the command itself: `anomalies confirm|dismiss ID`
    (the review of issue 15) can come as a positional subcommand."""
    from daemon.cli.parser import time_argument

    sp.add_argument("--uai", help="only what concerns this establishment")
    sp.add_argument(
        "--kind",
        action="append",
        default=[],
        type=_kinds,
        metavar="KIND",
        help="only these kinds (repeatable, or comma-separated; an unknown one lists those known)",
    )
    sp.add_argument(
        "--since", type=time_argument, help="only anomalies whose fact is at or after this time (states are kept)"
    )
    sp.add_argument("--lang", choices=LANGS, default="fr", help="language of the label and action (default fr)")


def _kinds(value: str) -> frozenset[str]:
    try:
        return parse_kinds([value])
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def labelled(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Each row with its kind's label and action in ``lang``."""
    out = []
    for row in rows:
        kind = kind_of(row["anomaly"])
        out.append({**row, "label": kind.label(lang), "action": kind.action(lang)})
    return out


def actions(rows: list[dict[str, Any]]) -> str:
    """What to do, once per kind listed (the table keeps one line per row)."""
    seen = {r["anomaly"]: r["action"] for r in rows if r["action"]}
    return "".join(f"\n  {code}: {action}" for code, action in sorted(seen.items()))


def anomalies(args: Namespace, ctx: Context, ui: Output) -> int:
    kinds = frozenset().union(*args.kind) if args.kind else None
    now = args.now or args.as_of or ctx.judged_now()
    with read_db(ctx, args.as_of) as db:
        rows = anomaly_queries.anomalies(
            db, now, ctx.policy.overdue_grace, ctx.policy, uai=args.uai, kinds=kinds, since=args.since
        )
    rows = labelled(rows, args.lang)
    text = ui.table(rows, COLUMNS)
    if rows:
        text += "\n\nwhat to do:" + actions(rows)
    ui.show(rows, text)
    return EXIT_OK
