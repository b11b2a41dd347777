"""`entsync anomalies confirm|dismiss ID --reason R` (issue 15): an operator's
decision on an anomaly, through events/usecases/anomaly_review.py; without
an action, `entsync anomalies` lists (daemon/cli/directory_commands.py)."""

from __future__ import annotations

import argparse

from daemon.bootstrap import Context
from daemon.cli import anomaly_commands
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.render import Output
from events.anomaly import AnomalyDecided, short
from events.usecases.anomaly_review import (
    AnomalyNotFound,
    ConfirmAnomaly,
    Decided,
    DismissAnomaly,
    ReviewRefused,
    confirm,
    dismiss,
)


def anomalies(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    if args.action == "list":
        return anomaly_commands.anomalies(args, ctx, ui)
    if not args.id:
        raise CommandFailed(f"anomalies {args.action}: give the anomaly's ID (see entsync anomalies)")
    try:
        if args.action == "confirm":
            done = confirm(ConfirmAnomaly(args.id, args.operator, args.reason), ctx, args.now)
        else:
            done = dismiss(DismissAnomaly(args.id, args.operator, args.reason), ctx, args.now)
    except (AnomalyNotFound, ReviewRefused) as refused:
        data = {"error": refused.code, "id": args.id}
        raise CommandFailed(f"anomalies {args.action}: {refused}", data=data) from None
    except AnomalyDecided as decided:
        raise CommandFailed(f"anomalies {args.action}: {decided}", data={"error": "decided", "id": args.id}) from None
    ui.show(done.as_dict(), _text(ui, done))
    return EXIT_OK


def _text(ui: Output, done: Decided) -> str:
    e = done.effects
    lines = [f"anomaly {short(done.anomaly_id)} ({done.kind}) {done.decision}"]
    if "successor_id" in e:
        lines.append(f"  account {e['account_id']}: {e['state']}, removal due {ui.value(e['removal_due'])}")
        lines.append(
            f"  new account {e['successor_id']} (generation {e['successor_generation']}): "
            f"{e['successor_state']}, creation due {ui.value(e['successor_creation_due'])}"
        )
    elif "marked" in e:
        lines.append(
            f"  account {e['marked']} marked a duplicate of {e['duplicate_of']}: {e['state']}, "
            f"deleted at {ui.value(e['deletion_due'])}"
        )
    elif "account_id" in e:
        lines.append(f"  account {e['account_id']}: {e['state']}")
    return "\n".join([*lines, ui.record({"by": done.author, "at": done.at, "reason": done.reason})])
