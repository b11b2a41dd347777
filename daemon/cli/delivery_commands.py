"""``entsync ingest`` (any export, handed to the use case of its kind by
events/usecases/intake.py), ``entsync deliveries`` (list, show, release or reject a
held one) and what deliveries set in motion: ``entsync tick`` records the
transitions they made due, ``entsync purge`` holds the removals."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import Any

from adapters.sniff import kind_of
from daemon.bootstrap import Context
from daemon.cli import results
from daemon.cli.exits import EXIT_OK, EXIT_REJECTED
from daemon.cli.render import Output
from events.usecases.aaf_operator import reject, release
from events.usecases.formats import NotImportable
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import hold_removals, lift_hold, purge_hold, tick
from projections import delivery_queries


def ingest_command(args: Namespace, ctx: Context, ui: Output) -> int:
    """``entsync ingest PATH``: any export, to the use case of its kind."""
    if args.progress or sys.stderr.isatty():
        ctx.progress = ui.progress  # the AAF ingest tells how far it read
    answer = dispatch(Arrival(kind_of(args.path), args.path), ctx, args.now)
    if isinstance(answer, NotImportable):
        # Not an export this service imports (a missing path, the encrypted
        # timetable envelope, SIECLE's nomenclatures, anything else): the
        # inbox's answer, nothing recorded, the store's clock untouched.
        ui.show(answer.as_dict(), answer.line())
        return EXIT_REJECTED
    return results.show(answer, ui)


def deliveries(args: Namespace, ctx: Context, ui: Output) -> int:
    ctx.projection.catch_up(ctx.log)
    if args.action == "list":
        rows = delivery_queries.deliveries(ctx.db)
        ui.show(
            rows, ui.table(rows, ("delivery_id", "kind", "date", "status", "reason", "rejected_records", "received_at"))
        )
        return EXIT_OK
    if not args.id:
        raise ValueError(f"deliveries {args.action} needs a delivery id")
    row = delivery_queries.delivery(ctx.db, args.id)
    if row is None:
        raise LookupError(f"no delivery {args.id!r}")
    if args.action == "show":
        ui.show(row, _shown(row, ui))
        return EXIT_OK
    delivery = ctx.log.delivery(row["delivery_id"])
    if delivery is None:  # in the read model, not in the log: a store being rebuilt
        raise LookupError(f"no delivery {row['delivery_id']!r} in the event log")
    if args.action == "release":
        result = release(delivery, args.operator, ctx, args.now)
        followed = result.followed
        data: dict[str, Any] = result.as_dict("delivery_id", "status", "counts")
        text = f"delivery {result.delivery_id}: released and {result.status}"
        code = result.exit_code
    else:
        followed = reject(delivery, args.operator, ctx, args.now)
        data = {"delivery_id": row["delivery_id"], "status": "rejected"}
        text = f"delivery {row['delivery_id']}: rejected"
        code = EXIT_OK
    data["followed"] = [r.as_dict("delivery_id", "status", "reason") for r in followed]
    text += "".join(
        f"\nwaiting delivery {r.delivery_id}: {r.status}" + (f" ({r.reason})" if r.reason else "") for r in followed
    )
    ui.show(data, text)
    return code


def _shown(row: dict[str, Any], ui: Output) -> str:
    """``entsync deliveries show``: the delivery, its brakes and who would
    depart, the deliveries waiting behind it, its rejected records."""
    text = ui.record(row, skip=("rejections", "brake", "departures", "waiting"))
    if row["waiting"]:
        text += "\nwaiting behind it, applied in this order once it is released or rejected: " + ", ".join(
            row["waiting"]
        )
    if "brake" in row:
        text += "\n\nbrakes (per structure and population; expected leavers are not counted):\n" + ui.table(
            row["brake"],
            ("uai", "population", "departing", "expected", "counted", "accounts", "share", "minimum", "held"),
        )
        text += "\n\nwho would depart and why:\n" + ui.table(
            [{**d, "counted": "yes" if d["counted"] else "no"} for d in row["departures"]],
            ("jointure", "login", "profile", "state", "uais", "reason", "counted", "expected"),
        )
    text += "\n\nrecords rejected:\n" + ui.table(
        row["rejections"], ("reason", "file", "line", "record_id", "field", "message")
    )
    return text


def tick_command(args: Namespace, ctx: Context, ui: Output) -> int:
    at, transitions = tick(ctx, args.now, dry_run=args.dry_run)
    rows = [t.as_dict() for t in transitions]
    verb = "would record" if args.dry_run else "recorded"
    ui.show(
        {"at": at.isoformat(), "dry_run": args.dry_run, "transitions": rows},
        f"tick at {ui.time(at)}: {verb} {len(rows)} transition(s)\n"
        + ui.table(rows, ("kind", "jointure", "profile", "reason", "login", "removal_due")),
    )
    return EXIT_OK


def purge(args: Namespace, ctx: Context, ui: Output) -> int:
    if args.action == "hold":
        hold_removals(ctx, args.operator, args.reason, args.now)
    elif args.action == "release":
        lift_hold(ctx, args.operator, args.now)
    ctx.projection.catch_up(ctx.log)
    state = purge_hold(ctx)
    ui.show(
        state,
        "removals are held"
        + (f" since {ui.time(state['at'])} by {state['operator']}: {state['reason']}" if state.get("at") else "")
        if state["held"]
        else "removals are not held",
    )
    return EXIT_OK
