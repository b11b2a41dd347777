"""The ``entsync siecle`` commands (imports history, links not resolved to
an account, a held import shown, released or rejected): what
daemon/cli/commands.py dispatches to. Output names SIECLE keys, never names
or birth dates."""

from __future__ import annotations

from argparse import Namespace

from daemon.bootstrap import Context
from daemon.cli import results
from daemon.cli.exits import EXIT_OK
from daemon.cli.render import Output
from events.usecases.siecle_hold import held_import, reject_siecle, release_siecle
from projections import siecle_listings


def run(args: Namespace, ctx: Context, ui: Output) -> int:
    """``entsync siecle imports|unresolved [--uai UAI]``, ``entsync siecle
    show|release|reject ID``."""
    ctx.siecle.catch_up(ctx.log)
    if args.action in ("show", "release", "reject"):
        if not args.id:
            raise ValueError(f"entsync siecle {args.action} needs an import id")
        if args.action == "release":
            return results.show(release_siecle(ctx, args.id, args.operator, args.now), ui)
        if args.action == "reject":
            return results.show(reject_siecle(ctx, args.id, args.operator, args.now), ui)
        return _show(ctx, args, ui)
    if args.action == "imports":
        rows = siecle_listings.imports(ctx.db, args.uai)
        ui.show(
            rows,
            ui.table(
                rows,
                (
                    "received_at",
                    "status",
                    "reason",
                    "uai",
                    "kind",
                    "file",
                    "exported_on",
                    "rejected_records",
                    "import_id",
                ),
            ),
        )
    else:
        rows = siecle_listings.unresolved(ctx.db, args.uai)
        ui.show(rows, ui.table(rows, ("uai", "kind", "key", "reason", "rule", "at")))
    return EXIT_OK


def _show(ctx: Context, args: Namespace, ui: Output) -> int:
    """One import; for a held one, the brake's counts and who would depart
    (jointures and logins, never names)."""
    imp = held_import(ctx, args.id)
    row = next(r for r in siecle_listings.imports(ctx.db) if r["import_id"] == str(imp.id))
    brake = imp.brake or {}
    jointures = [d["jointure"] for d in brake.get("departures", [])]
    login = ctx.siecle_queries.logins(jointures)
    departures = [
        {**d, "login": login.get(d["jointure"], ""), "counted": not d["expected"]} for d in brake.get("departures", [])
    ]
    data = {**row, "brake": brake.get("counts", []), "departures": departures}
    lines = [
        f"SIECLE import {imp.id}: {row['status']}"
        + (f" ({row['reason']})" if row["reason"] else "")
        + f" — {row['uai']} {row['kind']} {row['file']} exported {row['exported_on']}"
    ]
    if row["message"]:
        lines.append(row["message"])
    if brake:
        lines += [
            "",
            "brake per structure and population:",
            ui.table(
                brake.get("counts", []),
                ("uai", "population", "departing", "expected", "counted", "accounts", "share", "minimum", "held"),
            ),
            "",
            "who would depart:",
            ui.table(
                [{**d, "counted": "yes" if d["counted"] else "no"} for d in departures],
                ("jointure", "login", "profile", "state", "reason", "counted", "expected"),
            ),
        ]
    ui.show(data, "\n".join(lines))
    return EXIT_OK
