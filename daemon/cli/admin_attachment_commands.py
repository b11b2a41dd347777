"""`entsync admin attach` and `detach` (issue 13): an account attached to
another establishment until an end date, and the attachment ended before
then, through the use cases of events/usecases/admin_attachments.py.
Registered by daemon/cli/admin_commands.py."""

from __future__ import annotations

import argparse
from typing import Any

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.parser import account_key, admin_action, recording_options, time_argument
from daemon.cli.render import Output
from events.attachment_rules import AttachmentRefused
from events.usecases.admin_attachments import Attach, Detach, attach, detach


def add_parsers(actions: Any) -> None:
    """The two actions, on the subparsers of `entsync admin`."""
    for name in ("attach", "detach"):
        sp = admin_action(actions, name)
        account_key(sp)
        sp.add_argument("uai", metavar="UAI", help="the other establishment")
        if name == "attach":
            sp.add_argument(
                "--until",
                required=True,
                type=time_argument,
                metavar="DATE",
                help="end date (ISO 8601, in the configured zone): the clock ends the attachment then",
            )
        sp.add_argument("--reason", required=True, help="why (required, recorded with the action)")
        recording_options(sp)


def _refused(action: str, args: argparse.Namespace, refused: AttachmentRefused) -> CommandFailed:
    data = {"error": refused.code, "key": args.key, "uai": args.uai}
    return CommandFailed(f"admin {action}: {refused}", data=data)


def attach_command(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    try:
        done = attach(Attach(args.key, args.uai, args.until, args.reason, args.operator), ctx, args.now)
    except AttachmentRefused as refused:
        raise _refused("attach", args, refused) from None
    ui.show(
        done.as_dict(),
        f"account {done.jointure} attached to {done.uai}: listed there until the end date\n"
        + ui.record({"until": done.until, "by": done.author, "at": done.at, "reason": done.reason}),
    )
    return EXIT_OK


def detach_command(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    try:
        done = detach(Detach(args.key, args.uai, args.reason, args.operator), ctx, args.now)
    except AttachmentRefused as refused:
        raise _refused("detach", args, refused) from None
    ui.show(
        done.as_dict(),
        f"attachment of account {done.jointure} to {done.uai} ended\n"
        + ui.record({"by": done.author, "at": done.at, "reason": done.reason}),
    )
    return EXIT_OK


ACTIONS = {"attach": attach_command, "detach": detach_command}
