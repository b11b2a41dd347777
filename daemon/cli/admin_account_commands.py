"""`entsync admin create-account`: a manual account for a population the AAF
does not carry (issue 13, domain-rules §1), through the use case
events/usecases/admin_accounts.py. The local operator acts for the académie:
the guard's refusal names the matching account, and ``--force-match`` with a
``--reason`` overrides it (``--force`` keeps its meaning of every writing
command: a ``--now`` beyond the wall clock)."""

from __future__ import annotations

import argparse

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.parser import Parser, admin_action, recording_options, time_argument
from daemon.cli.render import Output
from events.manual_rules import CATEGORIES, ManualRefused
from events.usecases.admin_accounts import CreateManualAccount, create_manual_account


def add_arguments(actions: argparse._SubParsersAction[Parser]) -> None:
    ca = admin_action(actions, "create-account")
    ca.add_argument("category", metavar="CATEGORY", choices=list(CATEGORIES), help=", ".join(CATEGORIES))
    ca.add_argument("given_name", metavar="FIRST_NAME")
    ca.add_argument("family_name", metavar="LAST_NAME")
    ca.add_argument("birth_date", metavar="BIRTH_DATE", help="YYYY-MM-DD or DD/MM/YYYY")
    ca.add_argument("--uai", required=True, help="the establishment of the account")
    end = ca.add_mutually_exclusive_group(required=True)
    end.add_argument("--until", type=time_argument, help="end date (ISO 8601, in the configured zone): removed then")
    end.add_argument("--perenne", action="store_true", help="a compte pérenne: no end date")
    ca.add_argument("--mail", default="", help="the person's e-mail (also compared with the académie's)")
    ca.add_argument("--force-match", action="store_true", help="create it over a matching account (needs --reason)")
    ca.add_argument("--reason", default="", help="why (required with --force-match, recorded)")
    recording_options(ca, "who creates it")


def create(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    cmd = CreateManualAccount(
        category=args.category,
        given_name=args.given_name,
        family_name=args.family_name,
        birth_date=args.birth_date,
        uai=args.uai,
        author=args.operator,
        end=args.until,  # in the configured zone (parser.localize)
        perenne=args.perenne,
        mail=args.mail,
        force=args.force_match,
        reason=args.reason,
    )
    try:
        made = create_manual_account(cmd, ctx, args.now)
    except ManualRefused as refused:
        raise CommandFailed(f"admin create-account: {refused}", data={"error": refused.code}) from None
    until_text = made.end.isoformat() if made.end else "pérenne"
    ui.show(
        made.as_dict(),
        f"manual account created: {made.login} ({made.category}, {made.profile}, group {made.free_group} [{made.free_group_code}]) "
        f"in {made.uai}, until {until_text}; key {made.jointure}\n"
        + ui.record({"by": made.author, "at": made.at, "reason": made.reason, "overrides": ", ".join(made.overrides)}),
    )
    return EXIT_OK


ACTIONS = {"create-account": create}
