"""`entsync admin merge` and `unmerge` (issue 14, domain-rules §1): two
accounts of one person merged by an operator, previewed first with
--dry-run, and the merge taken back, through the use cases of
events/usecases/admin_merge.py. Registered by daemon/cli/admin_commands.py."""

from __future__ import annotations

import argparse
from typing import Any

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.parser import admin_action, recording_options
from daemon.cli.render import Output
from events.merge_rules import MergePreview, MergeRefused
from events.usecases.admin_merge import MergeAccounts, UnmergeAccounts, Unmerged, merge_accounts, unmerge_accounts


def _prefer(value: str) -> tuple[str, str]:
    name, sep, choice = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"not FIELD=absorbed: {value!r}")
    return name.strip(), choice.strip()


def add_parsers(actions: Any) -> None:
    """The two actions, on the subparsers of `entsync admin`."""
    for name in ("merge", "unmerge"):
        sp = admin_action(actions, name)
        if name == "merge":
            sp.add_argument("survivor", metavar="SURVIVOR", help="the account kept: its jointure, a login or its id")
            sp.add_argument("absorbed", metavar="ABSORBED", help="the account merged into it (same keys)")
            sp.add_argument(
                "--prefer",
                action="append",
                type=_prefer,
                default=[],
                metavar="FIELD=absorbed",
                help="where the two disagree, show the absorbed account's value "
                "(given_name, family_name, birth_date, mail); repeatable",
            )
        else:
            sp.add_argument("key", metavar="KEY", help="either account of the merge: its jointure, a login or its id")
        sp.add_argument("--reason", required=True, help="why (required, recorded with the action)")
        sp.add_argument("--dry-run", action="store_true", help="show what it would do; record nothing")
        recording_options(sp)


def _lines(ui: Output, title: str, values: tuple[str, ...]) -> str:
    return f"  {title}: " + (ui.times_in(", ".join(values)) if values else "-")


def _preview_text(ui: Output, p: MergePreview) -> str:
    lines = [
        f"  login kept: {p.survivor_login or '-'}; alias: {p.alias or '-'}",
        _lines(ui, "logins", p.logins),
        _lines(ui, "sources", p.sources),
        _lines(ui, "establishments", p.uais),
        _lines(ui, "structures", p.structures),
        _lines(ui, "memberships", p.memberships),
        _lines(ui, "assigned by hand", p.manual_memberships),
        _lines(ui, "attachments", p.attachments),
        _lines(ui, "guardians", p.guardians),
        _lines(ui, "students", p.students),
    ]
    if not p.disagreements:
        return "\n".join([*lines, "  disagreements: none"])
    lines.append("  disagreements (shown value; --prefer FIELD=absorbed to show the absorbed one):")
    for d in p.disagreements:
        lines.append(f"    {d.field}: survivor {d.survivor!r}, absorbed {d.absorbed!r} -> {d.chosen} {d.shown!r}")
    return "\n".join(lines)


def merge(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    prefer = dict(args.prefer)
    cmd = MergeAccounts(args.survivor, args.absorbed, args.operator, args.reason, prefer=prefer, dry_run=args.dry_run)
    try:
        done = merge_accounts(cmd, ctx, args.now)
    except MergeRefused as refused:
        data = {"error": refused.code, "survivor": args.survivor, "absorbed": args.absorbed}
        raise CommandFailed(f"admin merge: {refused}", data=data) from None
    p = done.preview
    head = (
        f"would merge account {p.absorbed_jointure} into {p.survivor_jointure} (dry run: nothing recorded)"
        if done.status == "preview"
        else f"account {p.absorbed_jointure} merged into {p.survivor_jointure}"
    )
    ui.show(
        done.as_dict(),
        f"{head}\n{_preview_text(ui, p)}\n" + ui.record({"by": done.author, "at": done.at, "reason": done.reason}),
    )
    return EXIT_OK


def _actions_text(ui: Output, done: Unmerged) -> str:
    if not done.actions:
        return "  actions while merged: none"
    lines = [f"  actions while merged (they stay with {done.survivor.jointure}):"]
    for a in done.actions:
        lines.append(f"    {ui.time(a.at)}  {a.event}{' ' + a.detail if a.detail else ''} by {a.author}")
    return "\n".join(lines)


def unmerge(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    cmd = UnmergeAccounts(args.key, args.operator, args.reason, dry_run=args.dry_run)
    try:
        done = unmerge_accounts(cmd, ctx, args.now)
    except MergeRefused as refused:
        raise CommandFailed(f"admin unmerge: {refused}", data={"error": refused.code, "key": args.key}) from None
    pair = f"account {done.absorbed.jointure} from {done.survivor.jointure}"
    head = f"would unmerge {pair} (dry run: nothing recorded)" if done.status == "preview" else f"unmerged {pair}"
    alias = f"  login {done.merge.alias} back to {done.absorbed.jointure}" if done.merge.alias else "  no alias"
    ui.show(
        done.as_dict(),
        f"{head}\n{alias}\n{_actions_text(ui, done)}\n"
        + ui.record({"by": done.author, "at": done.at, "reason": done.reason}),
    )
    return EXIT_OK


ACTIONS = {"merge": merge, "unmerge": unmerge}
