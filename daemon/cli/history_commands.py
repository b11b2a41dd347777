"""``entsync history``, ``entsync state --as-of`` and ``entsync diff``: an
account's facts from every source (daemon/history/), the directory as of an
effective time, an account at two times. The text is one line a fact in
aligned columns — time, source, state transition, what — with the changed
fields under it; coloured by source on a terminal, plain in a pipe (the
tests and grep read the same text); ``--json`` gives the complete records."""

from __future__ import annotations

import argparse
from argparse import Namespace
from typing import Any

from daemon.cli.directory_commands import needs_key, read_db, shown_values
from daemon.cli.exits import EXIT_OK
from daemon.cli.render import Output
from daemon.history.build import account_history, caught_up
from daemon.history.diff import account_diff
from projections import history_queries

# A source's colour on a terminal; a flag is always red.
COLOURS = {
    "aaf": "cyan",
    "siecle": "green",
    "timetable": "magenta",
    "admin": "yellow",
    "clock": "blue",
    "upgrade": "white",
}
_WHERE = ("delivery_id", "import_id", "file", "line")
# What the text shows of an entry besides its event; "author" and the admin
# actions' fields exist only on admin facts, so an import's lines are as before.
_EXTRA = (
    "reason",
    "login",
    "old_login",
    "new_login",
    "duplicate_of",
    "free_group",
    "author",
    "state",
    "creation_due",
    "removal_due",
    "deletion_due",
    "generation",
    "successor_id",
    "anomaly_id",
    "left_on",
    "status",
    "guardian",
    "kind",
    "ident",
    "matched_by",
    "class",
    "groups",
    "teaches",
)


def add_arguments(history: argparse.ArgumentParser, state: argparse.ArgumentParser, diff: Any) -> None:
    from daemon.cli.parser import time_argument

    history.add_argument("key", metavar="ID|LOGIN")
    history.add_argument("--since", type=time_argument, help="only the facts from this effective time on")
    state.add_argument("--uai", help="only this establishment")
    diff.add_argument("key", metavar="ID|LOGIN")
    diff.add_argument("--from", dest="start", required=True, type=time_argument, help="the first effective time")
    diff.add_argument("--to", dest="end", required=True, type=time_argument, help="the second effective time")


def history(args: Namespace, ctx: Any, ui: Output) -> int:
    needs_key(args.key)
    caught_up(ctx)
    entries = account_history(ctx, args.key, since=args.since)
    if entries is None:
        raise LookupError(f"no account with id or login {args.key!r}")
    ui.show(entries, render(entries, ui))
    return EXIT_OK


def _what(e: dict[str, Any], ui: Output) -> str:
    """The fact in one line, as ``history`` always wrote it after its time."""
    where = " ".join(f"{k}={e[k]}" for k in _WHERE if k in e)
    if e.get("stream") == "groups":
        group = f"{e['uai']} {e['kind']} {e['code']}" + (f" ({e['name']})" if "name" in e else "")
        why = f" reason={ui.value(e['reason'])}" if "reason" in e else ""
        return f"groups {e['event']} {group} by={e['author']}{why}"
    if e.get("stream") == "erasure":
        return (
            f"personal data erased on {e['at'][:10]} (removed {e['removed_at'][:10]}, "
            f"retention {e['retention_days']} days, {e['keys']} keys destroyed)"
        )
    if e.get("stream") == "merge":
        alias = f" alias={e['alias']}" if "alias" in e else ""
        pair = f"{e.get('absorbed_jointure', e['absorbed_id'])} into {e.get('survivor_jointure', e['survivor_id'])}"
        return f"merge {e['event']} {pair}{alias} by={e['author']} reason={ui.value(e['reason'])}"
    extra = " ".join(f"{k}={ui.value(e[k])}" for k in _EXTRA if k in e)
    if "merged_side" in e:  # an event of an account this one absorbed
        where = f"{where} [absorbed {e['jointure']}]".strip()
    head = f"v{e['version']} {e['event']}" if "version" in e else f"{e['event']} {e.get('uai', '')} {e.get('key', '')}"
    if "cause" in e:
        c = e["cause"]
        because = [f"because {c['event']} left_on={c['left_on']} import_id={c['import_id']}"]
        where = " ".join([where, *because, *(f"{k}={c[k]}" for k in ("file", "line") if k in c)]).strip()
    return " ".join(p for p in (head.strip(), extra, where) if p)


def render(entries: list[dict[str, Any]], ui: Output) -> str:
    rows = []
    for e in entries:
        t = e.get("transition")
        moved = f"{t['before'] or '(new)'} -> {t['after']}" if t else ""
        flags = " ".join(f"!{f}" for f in e.get("flags", []))
        rows.append((ui.time(e["at"]), e.get("source", ""), moved, _what(e, ui), flags, e.get("changes", {})))
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(3)]
    lines: list[Any] = []
    for at, source, moved, what, flags, changes in rows:
        cells = [(at.ljust(widths[0]), ""), (source.ljust(widths[1]), COLOURS.get(source, ""))]
        cells += [(moved.ljust(widths[2]), "bold"), (what, ""), (flags, "red")]
        lines.append(cells)
        for name, change in changes.items():
            before, after = shown_values(ui, change["before"]), shown_values(ui, change["after"])
            lines.append([(f"    {name}: {before} -> {after}", "dim")])
    return _text(lines, ui)


def _text(lines: list[list[tuple[str, str]]], ui: Output) -> str:
    """The cells of each line joined by two spaces; with rich's colours on a terminal."""
    plain = ["  ".join(c for c, _ in cells if c).rstrip() for cells in lines]
    if not ui.rich:
        return "\n".join(plain)
    from rich.console import Console
    from rich.text import Text

    # A terminal, as Output.rich decided: colours even when rich would not guess it.
    console = Console(file=ui.out, force_terminal=True, width=max([80, *(len(p) for p in plain)]))
    with console.capture() as captured:
        for cells in lines:
            text = Text()
            for value, style in (c for c in cells if c[0]):
                if text:
                    text.append("  ")
                text.append(value, style=style or None)
            console.print(text, no_wrap=True, overflow="ignore", crop=False, highlight=False)
    return captured.get().rstrip("\n")


def state(args: Namespace, ctx: Any, ui: Output) -> int:
    """The directory as of ``--as-of`` (default: now), per establishment."""
    with read_db(ctx, args.as_of) as db:
        places = history_queries.directory_state(db, args.uai)
    for p in places:
        counts: dict[tuple[str, str], int] = {}
        for a in p["accounts"]:
            counts[(a["state"], a["profile"])] = counts.get((a["state"], a["profile"]), 0) + 1
        p["counts"] = [{"state": s, "profile": pr, "accounts": n} for (s, pr), n in sorted(counts.items())]
    data = {"as_of": args.as_of or ctx.judged_now(), "establishments": places}
    text = [f"as of {ui.time(data['as_of'])}"]
    for p in places:
        text.append(f"\n{p['uai'] or '(no establishment)'}")
        text.append(ui.table(p["counts"], ("state", "profile", "accounts"), indent=2))
        text.append("")
        text.append(ui.table(p["accounts"], ("jointure", "profile", "state", "login", "classes"), indent=2))
    if not places:
        text.append("(no account)")
    ui.show(data, "\n".join(text))
    return EXIT_OK


def diff(args: Namespace, ctx: Any, ui: Output) -> int:
    needs_key(args.key)
    caught_up(ctx)
    found = account_diff(ctx, args.key, args.start, args.end)
    if found is None:
        raise LookupError(f"no account with id or login {args.key!r}")
    lines = [f"{found['jointure']}: {ui.time(found['from'])} -> {ui.time(found['to'])}"]
    if found["before"] is None:
        lines.append("  (no account yet at the first time)")
    for name, change in found["changes"].items():
        lines.append(f"  {name}: {shown_values(ui, change['before'])} -> {shown_values(ui, change['after'])}")
    if not found["changes"]:
        lines.append("  (no change)")
    if found["events"]:
        lines.append("facts between:")
        lines += [
            f"  {ui.time(e['at'])}  {e['source']}  {e['event']}"
            + "".join(f" {k}={e[k]}" for k in ("delivery_id", "import_id", "file", "line") if k in e)
            for e in found["events"]
        ]
    ui.show(found, "\n".join(lines))
    return EXIT_OK
