"""The ``entsync imports`` commands on the STS-web and timetable imports
(domain-rules §7): what daemon/cli/commands.py dispatches to.
Output in English; the report (bilan) in the establishments' French."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from collections.abc import Callable
from datetime import datetime
from typing import Any

from daemon.bootstrap import Context
from daemon.cli import results
from daemon.cli.exits import EXIT_OK
from daemon.cli.render import Output
from events.timetable.labels import bilan_title, report_text
from events.timetable.snapshot import week_runs
from events.usecases.timetable_apply import retry, validate
from events.usecases.timetable_cancel import cancel
from events.usecases.timetable_hand_match import match
from projections import import_queries as q


def add_arguments(sp: ArgumentParser) -> None:
    """The arguments of ``entsync imports`` (daemon/cli/parser.py)."""
    from daemon.cli.parser import LOCAL_OPERATOR

    sp.add_argument(
        "action",
        nargs="?",
        choices=["list", "show", "match", "validate", "cancel", "retry", "sessions"],
        default="list",
    )
    sp.add_argument("id", nargs="?", metavar="ID", help="the import id (or an unambiguous prefix)")
    sp.add_argument("--uai", help="list: only this establishment's imports")
    sp.add_argument(
        "--lift", action="append", default=[], metavar="THRESHOLD", help="retry: lift it for this import (repeatable)"
    )
    sp.add_argument("--ident", help="match: the export's ident of the teacher, student, class or group")
    sp.add_argument("--account", help="match: the account (jointure) a teacher or student is")
    sp.add_argument("--code", help="match: the existing class or group an unknown one is")
    sp.add_argument(
        "--kind", choices=["teacher", "student", "class", "group"], help="match: when one ident names two kinds"
    )
    sp.add_argument(
        "--accept-end-date",
        action="store_true",
        help="validate: apply a first import whose year ends after 15 July up to 15 July only",
    )
    sp.add_argument("--reason", default="", help="cancel: why (recorded)")
    sp.add_argument(
        "--operator",
        default=LOCAL_OPERATOR,
        help="who matches, validates, cancels or retries, recorded as the author (default: the system user)",
    )


def run(args: Namespace, ctx: Context, ui: Output) -> int:
    if args.action == "list":
        ctx.imports.catch_up(ctx.log)
        rows = q.history(ctx.db, args.uai)
        for r in rows:
            # The date the import was received, in the configured zone (its
            # offset kept in --json), as the ENT consoles list it.
            r["date"] = _local_iso(ui, r["received_at"])
            r["auto"] = "Oui" if r["automatic"] else "Non"
        ui.show(rows, ui.table(rows, ("date", "label", "auto", "uai", "file", "import_id")))
        return EXIT_OK
    if not args.id:
        raise ValueError(f"imports {args.action} needs an import id (entsync imports lists them)")
    if args.action == "validate":
        return results.show(validate(args.id, args.operator, ctx, args.now, args.accept_end_date), ui)
    if args.action == "retry":
        return results.show(retry(args.id, args.lift, args.operator, ctx, args.now), ui)
    if args.action == "cancel":
        return results.show(cancel(args.id, args.operator, args.reason, ctx, args.now), ui)
    if args.action == "match":
        if not args.ident or bool(args.account) == bool(args.code):
            raise ValueError(
                "imports match needs --ident and either --account (a teacher or student) or --code (a class or group)"
            )
        return results.show(
            match(args.id, args.ident, args.account or args.code, args.operator, ctx, args.now, args.kind), ui
        )
    if args.action == "sessions":
        return _sessions(args, ctx, ui)
    return _show(args, ctx, ui)


def _local_iso(ui: Output, iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(ui.zone).isoformat()


def _read(ctx: Context, key: str, reader: Callable[..., dict[str, Any] | None]) -> dict[str, Any]:
    ctx.imports.catch_up(ctx.log)
    found = q.by_key(ctx.db, key, reader)
    if found is None:
        raise LookupError(f"no timetable import {key!r}")
    return found


def _sessions(args: Namespace, ctx: Context, ui: Output) -> int:
    """The sessions of an import with their weeks and dates."""
    data = _read(ctx, args.id, q.sessions)
    rows = [
        {
            "day": s["day"],
            "start": s["start"],
            "subject": s["subject"],
            "where": " ".join(s["classes"] + s["groups"]),
            "weeks": _ranges(s["weeks"]),
            "first": s["dates"][0] if s["dates"] else "",
            "last": s["dates"][-1] if s["dates"] else "",
            "cancelled": _ranges(s["cancelled_weeks"]),
        }
        for s in data["sessions"]
    ]
    ui.show(data, ui.table(rows, ("day", "start", "subject", "where", "weeks", "first", "last", "cancelled")))
    return EXIT_OK


def _ranges(weeks: list[int]) -> str:
    """1,2,3,5 → 1-3,5"""
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in week_runs(weeks))


def _show(args: Namespace, ctx: Context, ui: Output) -> int:
    row = _read(ctx, args.id, q.detail)
    lines = [
        f"import {row['import_id']}",
        f"establishment: {row['uai'] or '(unknown)'}   source: {row['source']}   file: {row['file']}",
        f"school year: {row['school_year'] or '?'}   received: {ui.time(row['received_at'])}"
        f"   finished: {ui.time(row['finished_at'])}",
        f"status: {row['status']}"
        + (f" ({row['reason']})" if row["reason"] else "")
        + f" — {row['label']}   automatic: {'yes' if row['automatic'] else 'no'}"
        + (f"   operator: {row['operator']}" if row["operator"] else "")
        + (f"   lifted: {', '.join(row['lifted'])}" if row["lifted"] else ""),
    ]
    if row["message"]:
        lines.append(row["message"])
    if row["report"]:
        lines += ["", report_text(bilan_title(row["status"]), dict(row["report"]))]
    if row["record_rejections"]:
        lines += ["", f"records set aside by the reader: {len(row['record_rejections'])}"]
        lines += [
            f"  {r['file']}:{r['line']} record {r['record_id']} field {r['field']}: {r['reason']}: {r['message']}"
            for r in row["record_rejections"][:50]
        ]
    unmatched = [m for m in row["matches"] if not m["key"]]
    matched = [m for m in row["matches"] if m["key"]]
    if row["matches"]:
        lines += ["", f"matches: {len(matched)} matched, {len(unmatched)} not matched"]
        if unmatched:
            # Names are shown to the local operator only (the API never serves them).
            names = q.people(ctx.db, row["import_id"])
            shown = []
            for m in unmatched:
                p = names.get(f"{m['kind']}:{m['ident']}", {})
                shown.append(
                    {
                        **m,
                        "name": " ".join(x for x in (p.get("family_name"), p.get("given_name")) if x),
                        "born": p.get("birth_date", ""),
                        "candidates": ", ".join(_candidate(ctx, j) for j in m["candidates"]) or "-",
                    }
                )
            lines += [
                "",
                "not matched (listed, never guessed; entsync imports match ID --ident X --account J or --code C):",
                ui.table(shown, ("kind", "ident", "code", "name", "born", "reason", "line", "candidates")),
            ]
        if matched:
            lines += ["", "matched:", ui.table(matched, ("kind", "ident", "code", "key", "by"))]
    ui.show(row, "\n".join(lines))
    return EXIT_OK


def _candidate(ctx: Context, jointure: str) -> str:
    """An account an operator may choose: jointure, name and birth date."""
    person = q.account_person(ctx.db, jointure)
    if person is None:
        return jointure
    born = person["born"]
    return f"{jointure} ({person['name']}{', ' + born if born else ''})"
