"""``entsync explain ID|LOGIN|"NOM Prénom"``: one account's state and why
(the rule, the fact with its delivery or import, file and line, the due
dates), the anomalies that name it and what to do, in plain sentences in
French (support staff's language, the default) or English
(daemon/history/explain.py, events/explanation.py). A key that names no
account is looked up as a person's name: one match is explained, several
are listed for the caller to choose a key."""

from __future__ import annotations

import argparse
from argparse import Namespace
from typing import Any

from daemon.cli.directory_commands import needs_key
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.render import Output
from daemon.history.build import caught_up
from daemon.history.explain import explain as explained
from events.anomaly_kinds import LANGS
from projections import account_queries, explain_queries

CANDIDATE_COLUMNS = ("key", "login", "profile", "establishments", "state")
_HEADINGS = {
    "fr": ("Qui", "Pourquoi", "Anomalies", "Que faire"),
    "en": ("Who", "Why", "Anomalies", "What to do"),
}


def add_arguments(sp: argparse.ArgumentParser) -> None:
    from daemon.cli.parser import time_argument

    sp.add_argument("key", metavar='ID|LOGIN|"NOM Prénom"')
    sp.add_argument("--lang", choices=LANGS, default="fr", help="language of the explanation (default fr)")
    sp.add_argument("--now", type=time_argument, help="judge the due dates at this time (default: the clock)")


def resolve(ctx: Any, key: str, ui: Output) -> str:
    """The key of the account ``key`` names: itself when it is a jointure,
    login or id; else the one account of that name. None: an error; several:
    the candidates shown, then an error asking for a key."""
    if account_queries.find_account(ctx.db, key) is not None:
        return key
    found = explain_queries.by_name(ctx.db, key)
    if len(found) == 1:
        return str(found[0]["key"])
    if not found:
        raise LookupError(f"no account with id, login or name {key!r}")
    rows = [{k: r[k] for k in CANDIDATE_COLUMNS} for r in found]
    ui.show({"error": "several_accounts", "candidates": rows}, ui.table(rows, CANDIDATE_COLUMNS))
    raise CommandFailed(f"{len(found)} accounts have this name: explain one by its key")


def render(facts: dict[str, Any]) -> str:
    parts = facts["sentences"]
    lines = [f"{facts['jointure']} ({facts['account_id']})"]
    for heading, part in zip(_HEADINGS[facts["lang"]], ("who", "why", "anomalies", "actions")):
        lines.append(f"\n{heading}:")
        lines += [f"  - {s}" for s in parts[part]]
    return "\n".join(lines)


def explain(args: Namespace, ctx: Any, ui: Output) -> int:
    needs_key(args.key)
    caught_up(ctx)
    key = resolve(ctx, args.key, ui)
    facts = explained(ctx, key, args.now or ctx.judged_now(), args.lang)
    if facts is None:
        raise LookupError(f"no account with id, login or name {args.key!r}")
    ui.show(facts, render(facts))
    return EXIT_OK
