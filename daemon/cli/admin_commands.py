"""`entsync admin ACTION`: the administrators' actions (issue 13), each an
audited fact of the log recorded through its use case in events/usecases/,
the service layer the HTTP API shares."""

from __future__ import annotations

import argparse

from daemon.bootstrap import Context
from daemon.cli import (
    admin_account_commands,
    admin_attachment_commands,
    admin_duplicate_commands,
    admin_group_commands,
    admin_merge_commands,
)
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.parser import Parser, account_key, admin_action, recording_options
from daemon.cli.render import Output
from events.login_rules import RenameRefused
from events.usecases.admin_login import RenameLogin, rename_login


def add_arguments(sp: argparse.ArgumentParser) -> None:
    """The actions, each with its own help page."""
    actions = sp.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=Parser)
    rn = admin_action(actions, "rename-login")
    account_key(rn)
    rn.add_argument("new_login", metavar="NEW_LOGIN")
    rn.add_argument("--reason", required=True, help="why (required, recorded with the rename)")
    recording_options(rn, "who renames")
    admin_account_commands.add_arguments(actions)
    admin_group_commands.add_parser(actions)
    admin_duplicate_commands.add_parsers(actions)
    admin_attachment_commands.add_parsers(actions)
    admin_merge_commands.add_parsers(actions)


def run(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    return ACTIONS[args.action](args, ctx, ui)


def rename(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    cmd = RenameLogin(args.key, args.new_login, args.reason, args.operator)
    try:
        renamed = rename_login(cmd, ctx, args.now)
    except RenameRefused as refused:
        data = {"error": refused.code, "key": args.key, "new_login": args.new_login}
        raise CommandFailed(f"admin rename-login: {refused}", data=data) from None
    ui.show(
        renamed.as_dict(),
        f"login renamed: {renamed.old_login} -> {renamed.new_login} (account {renamed.jointure}); "
        f"{renamed.old_login} stays an alias\n"
        + ui.record({"by": renamed.author, "at": renamed.at, "reason": renamed.reason}),
    )
    return EXIT_OK


ACTIONS = {
    "rename-login": rename,
    "group": admin_group_commands.run,
    **admin_account_commands.ACTIONS,
    **admin_duplicate_commands.ACTIONS,
    **admin_attachment_commands.ACTIONS,
    **admin_merge_commands.ACTIONS,
}
