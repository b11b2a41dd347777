"""The parts every `entsync admin` action's parser shares: its help page
(daemon/cli/helps.py ADMIN_HELPS) and the account it is about."""

from __future__ import annotations

import argparse

from daemon.cli.helps import ADMIN_HELPS, exits
from daemon.cli.parser import Parser, _wrap


def admin_action(actions: argparse._SubParsersAction[Parser], name: str) -> argparse.ArgumentParser:
    """The parser of the admin action ``name`` with its help page (ADMIN_HELPS)."""
    h = ADMIN_HELPS[name]
    return actions.add_parser(
        name,
        help=h.line,
        description=_wrap(h.what),
        epilog=exits(h.exits),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def account_key(sp: argparse.ArgumentParser, name: str = "key", metavar: str = "KEY") -> None:
    """The account an admin action is about, by any of its keys."""
    sp.add_argument(name, metavar=metavar, help="the account: its jointure, a login (current or alias) or its id")
