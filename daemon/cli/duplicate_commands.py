"""`entsync duplicates [--uai] [--min-score S]` (issue 15, domain-rules §5):
the scored pairs of accounts that may be one person, best first, with the
decision taken on each (projections/duplicate_candidates.py). Deciding is
`entsync anomalies confirm|dismiss ID`; marking another pair by hand,
`entsync admin mark-duplicate` (issue 13)."""

from __future__ import annotations

from argparse import Namespace

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.render import Output
from projections import duplicate_candidates


def duplicates(args: Namespace, ctx: Context, ui: Output) -> int:
    if not 0.0 <= args.min_score <= 1.0:
        raise CommandFailed(f"duplicates: --min-score {args.min_score} is not between 0 and 1")
    ctx.projection.catch_up(ctx.log)
    found = duplicate_candidates.pairs(ctx.db, args.min_score, args.uai)
    rows = [
        {
            "id": p.as_dict()["id"],
            "score": f"{p.score:.2f}",
            "profile": p.profile,
            "first": f"{p.jointures[0]} {p.logins[0] or '-'} {','.join(p.uais[0]) or '-'} {p.states[0]}",
            "second": f"{p.jointures[1]} {p.logins[1] or '-'} {','.join(p.uais[1]) or '-'} {p.states[1]}",
            "decision": p.decision,
            "reasons": ", ".join(p.reasons),
        }
        for p in found
    ]
    ui.show(
        [p.as_dict() for p in found],
        ui.table(rows, ("id", "score", "profile", "first", "second", "decision", "reasons")),
    )
    return EXIT_OK
