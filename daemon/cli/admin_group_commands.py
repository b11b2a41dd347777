"""`entsync admin group ACTION`: free groups and members assigned by hand
(domain-rules §2 option 3, issue 13), each action recorded through
events/usecases/admin_groups.py with its author (--operator) and --now."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.helps import Help, exits
from daemon.cli.parser import Parser, _wrap, recording_options
from daemon.cli.render import Output
from events.group_rules import GroupRefused
from events.usecases import admin_groups as usecase

_EXITS = (
    (0, "recorded"),
    (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
)
_KIND = (
    "--kind free (default) names a free group; --kind class or group one of the establishment's classes or "
    "groups, which take members by hand only when its group source is manual (entsync group-source UAI manual)."
)
GROUP_HELP = Help(
    "free groups and members assigned by hand",
    "Create, rename and delete an establishment's free groups, and add or remove members by hand, to a free "
    "group or (group source manual) to a class or group. What is recorded here survives every later AAF, "
    "SIECLE and timetable import.",
    _EXITS,
)
GROUP_HELPS: dict[str, Help] = {
    "create": Help(
        "create a free group",
        "Create the free group CODE named NAME in the establishment UAI. CODE follows the class and group "
        "codes (domain-rules §2): at most 8 characters, letters, digits, space, '-' and '_'; it may not be "
        "a class, a group or a free group of the establishment already. NAME: 1 to 64 printable characters.",
        _EXITS,
    ),
    "rename": Help("rename a free group", "Give the free group CODE of the establishment UAI the name NAME.", _EXITS),
    "delete": Help(
        "delete a free group and its members",
        "Delete the free group CODE of the establishment UAI with the members assigned to it; --reason is required.",
        _EXITS,
    ),
    "add": Help(
        "assign accounts by hand",
        "Add the accounts KEY… (jointure, login or id) to CODE. Each must belong to the establishment, "
        "not be removed, and not be a member by hand already. " + _KIND,
        _EXITS,
    ),
    "remove": Help(
        "take back accounts assigned by hand",
        "Remove the accounts KEY… assigned by hand to CODE; --reason is required. Members an import "
        "brought stay the import's. " + _KIND,
        _EXITS,
    ),
}


def add_parser(actions: argparse._SubParsersAction[Parser]) -> None:
    """``admin group`` and its actions, each with its own help page."""
    group = actions.add_parser(
        "group",
        help=GROUP_HELP.line,
        description=_wrap(GROUP_HELP.what),
        epilog=exits(GROUP_HELP.exits),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs = group.add_subparsers(dest="group_action", required=True, metavar="ACTION", parser_class=Parser)
    for name, h in GROUP_HELPS.items():
        p = subs.add_parser(
            name,
            help=h.line,
            description=_wrap(h.what),
            epilog=exits(h.exits),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("uai", metavar="UAI")
        p.add_argument("code", metavar="CODE")
        if name in ("create", "rename"):
            p.add_argument("name", metavar="NAME")
        if name in ("add", "remove"):
            p.add_argument("keys", metavar="KEY", nargs="+", help="an account: its jointure, a login or its id")
            p.add_argument("--kind", choices=("free", "class", "group"), default="free")
        if name in ("delete", "remove"):
            p.add_argument("--reason", required=True, help="why (required, recorded with the action)")
        recording_options(p)


def run(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    act: Callable[[], usecase.GroupAction] = {
        "create": lambda: usecase.create_group(ctx, args.uai, args.code, args.name, args.operator, args.now),
        "rename": lambda: usecase.rename_group(ctx, args.uai, args.code, args.name, args.operator, args.now),
        "delete": lambda: usecase.delete_group(ctx, args.uai, args.code, args.operator, args.reason, args.now),
        "add": lambda: usecase.add_members(ctx, args.uai, args.kind, args.code, args.keys, args.operator, args.now),
        "remove": lambda: usecase.remove_members(
            ctx, args.uai, args.kind, args.code, args.keys, args.operator, args.reason, args.now
        ),
    }[args.group_action]
    try:
        done = act()
    except GroupRefused as refused:
        data = {"error": refused.code, "uai": args.uai, "code": args.code}
        raise CommandFailed(f"admin group {args.group_action}: {refused}", data=data) from None
    what = {
        "create": f"free group {done.code} created: {done.name}",
        "rename": f"free group {done.code} renamed: {done.name}",
        "delete": f"free group {done.code} ({done.name}) deleted with {len(done.members)} member(s)",
        "add": f"{done.kind} {done.code}: {len(done.members)} member(s) added by hand",
        "remove": f"{done.kind} {done.code}: {len(done.members)} member(s) removed",
    }[done.action]
    shown = {"by": done.author, "at": done.at, **({"reason": done.reason} if done.reason else {})}
    ui.show(done.as_dict(), f"{done.uai}: {what}\n" + ui.record(shown))
    return EXIT_OK
