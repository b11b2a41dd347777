"""`entsync admin mark-duplicate` and `unmark-duplicate` (issue 13,
domain-rules §5): an operator's duplicate mark and its undoing, through the
use cases of events/usecases/admin_duplicates.py. Registered by
daemon/cli/admin_commands.py."""

from __future__ import annotations

import argparse
from typing import Any

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.parser import account_key, admin_action, recording_options
from daemon.cli.render import Output
from events.duplicate_rules import MarkRefused
from events.usecases.admin_duplicates import MarkDuplicate, UnmarkDuplicate, mark_duplicate, unmark_duplicate


def add_parsers(actions: Any) -> None:
    """The two actions, on the subparsers of `entsync admin`."""
    for name in ("mark-duplicate", "unmark-duplicate"):
        sp = admin_action(actions, name)
        account_key(sp)
        if name == "mark-duplicate":
            sp.add_argument("--of", required=True, metavar="OTHER", help="the account kept (same keys as KEY)")
        sp.add_argument("--reason", required=True, help="why (required, recorded with the action)")
        recording_options(sp)


def mark(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    try:
        done = mark_duplicate(MarkDuplicate(args.key, args.of, args.reason, args.operator), ctx, args.now)
    except MarkRefused as refused:
        data = {"error": refused.code, "key": args.key, "of": args.of}
        raise CommandFailed(f"admin mark-duplicate: {refused}", data=data) from None
    ui.show(
        done.as_dict(),
        f"account {done.jointure} marked a duplicate of {done.duplicate_of}: deactivated, "
        "deleted when due unless the mark is undone\n"
        + ui.record({"deletion due": done.deletion_due, "by": done.author, "at": done.at, "reason": done.reason}),
    )
    return EXIT_OK


def unmark(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    try:
        done = unmark_duplicate(UnmarkDuplicate(args.key, args.reason, args.operator), ctx, args.now)
    except MarkRefused as refused:
        raise CommandFailed(
            f"admin unmark-duplicate: {refused}", data={"error": refused.code, "key": args.key}
        ) from None
    ui.show(
        done.as_dict(),
        f"duplicate mark of account {done.jointure} (of {done.duplicate_of}) undone: {done.state} again\n"
        + ui.record({"by": done.author, "at": done.at, "reason": done.reason}),
    )
    return EXIT_OK


ACTIONS = {"mark-duplicate": mark, "unmark-duplicate": unmark}
