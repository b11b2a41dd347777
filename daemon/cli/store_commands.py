"""The store itself: ``entsync store init|info|upgrade`` (what it is, its
clock, this release's rules applied to it, domain-rules §12) and
``entsync verify`` (the read models against a rebuild from the log)."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Callable
from typing import Any

from daemon import bootstrap, config
from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_ERROR, EXIT_OK
from daemon.cli.render import Output
from events.usecases import siecle_relink, upgrade
from projections import imports_schema, siecle_schema
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.imports import ImportsProjection
from projections.schema import drop, dump
from projections.siecle import SiecleProjection


def store(args: Namespace, ui: Output) -> int:
    """`entsync store init [--simulation]` declares a new store (domain-rules
    §12, time guard); `entsync store info` says what it is and its clock."""
    settings = config.load(args.config, args.store)
    ctx = bootstrap.build(
        settings.store, settings.policy, simulation=bool(args.simulation) if args.action == "init" else None
    )
    try:
        if args.action == "upgrade":
            return _store_upgrade(args, ctx, ui)
        info = store_info(ctx)
        if args.action == "init":
            text = f"store declared: {info['kind']}"
        else:
            text = ui.record(
                {
                    "kind": info["kind"],
                    "declared": ui.time(info["declared_at"])
                    if info["declared_at"]
                    else "not declared: a production store",
                    "facts": info["facts"],
                    "last recorded time": info["last_recorded_time"],
                    "wall clock": info["wall_clock"],
                }
            )
            ahead = info["ahead_of_wall_clock_seconds"]
            if ahead > ctx.policy.clock_skew.total_seconds() and info["kind"] != "simulation":
                text += (
                    f"\nAHEAD of the wall clock by {ahead / 3600:.1f} h: commands without --force will be refused "
                    "until the wall clock reaches the last recorded time"
                )
            if info["clock_forced"]:
                text += f"\nclock forced: {info['clock_forced']} time(s), last to {ui.time(info['last_forced'])}"
        ui.show(info, text)
        return EXIT_OK
    finally:
        ctx.close()


def _store_upgrade(args: Namespace, ctx: Context, ui: Output) -> int:
    report = upgrade.upgrade(ctx, bootstrap.release(), dry_run=bool(args.dry_run))
    lines = [report.summary()]
    if report.corrections:
        lines += [
            "",
            "corrected (rules of this release; `entsync history JOINTURE` shows each):",
            ui.table(report.corrections, ("jointure", "field", "before", "after")),
        ]
    if report.reread:
        lines += [
            "",
            "deliveries to ingest again (they hold records an earlier release rejected for a rule that "
            "changed; only those records are applied, nothing departs):",
            ui.table(
                [
                    {
                        "delivery_id": r["delivery_id"],
                        "source": r["source"],
                        "records": ", ".join(f"{k} {v}" for k, v in sorted(r["reasons"].items())),
                    }
                    for r in report.reread
                ],
                ("delivery_id", "source", "records"),
            ),
        ]
    if report.kept:
        lines += [
            "",
            "kept and listed (created by an earlier release; no structure of theirs is served):",
            ui.table(report.kept, ("jointure", "state", "structures")),
        ]
    if report.overwrites:
        lines += [
            "",
            "suspected overwrites found in the log, recorded once (`entsync history JOINTURE` shows each):",
            ui.table(report.overwrites, ("jointure", "delivery_id", "file", "line", "score", "reasons")),
        ]
    if report.siecle_overwrites:
        columns = ("record", "uai", "id", "import_id", "file", "line", "score", "reasons")
        lines += ["", "SIECLE suspected overwrites found in the log, recorded once:"]
        lines += [ui.table(report.siecle_overwrites, columns)]
    if report.siecle_swaps:
        swaps = ("uai", "eleve_id", "personne_ids", "import_id", "file", "line")
        lines += ["", "SIECLE guardians who exchanged identities, one swap each, recorded once:"]
        lines += [ui.table(report.siecle_swaps, swaps)]
    ui.show(report.as_dict(), "\n".join(lines))
    return EXIT_OK


def store_info(ctx: Context) -> dict[str, Any]:
    from events.store import STORE_ID

    store = ctx.log.find(STORE_ID)
    last = ctx.log.last_effective_time()
    wall = ctx.clock.now()
    return {
        "kind": "simulation" if ctx.simulation else "production",
        "declared_at": store.declared_at.isoformat() if store else None,
        "declared_by_release": store.release if store else None,
        "facts": ctx.log.max_position(),
        "last_recorded_time": last.isoformat() if last else None,
        "wall_clock": wall.isoformat(timespec="seconds"),
        "ahead_of_wall_clock_seconds": max(0, int((last - wall).total_seconds())) if last else 0,
        "clock_skew_minutes": ctx.policy.clock_skew_minutes,
        "clock_forced": store.forced if store else 0,
        "last_forced": store.last_forced.isoformat() if store and store.last_forced else None,
    }


def verify(args: Namespace, ctx: Context, ui: Output) -> int:
    """Rebuild the three read models (directory, timetable imports, SIECLE)
    from the log under a prefix and compare them with the live ones, row by
    row, table by table."""
    prefix = "verify_"
    models: dict[str, tuple[Any, Callable[[Database, str], Any], Callable[[Database, str], dict[str, Any]]]] = {
        "directory": (ctx.projection, DirectoryProjection, dump),
        "imports": (ctx.imports, ImportsProjection, imports_schema.dump),
        "siecle": (ctx.siecle, SiecleProjection, lambda db, p: SiecleProjection(db, p).dump()),
    }
    for live, _, _ in models.values():
        live.catch_up(ctx.log)
    _drop_verify(ctx.db, prefix)
    try:
        for _, build, _ in models.values():
            build(ctx.db, prefix).catch_up(ctx.log)
        report = {}
        for name, (_, _, dumper) in models.items():
            live, fresh = dumper(ctx.db, ""), dumper(ctx.db, prefix)
            for t in live:
                a, b = set(live[t]), set(fresh[t])
                report[f"{name}.{t}"] = {
                    "rows": len(live[t]),
                    "live_only": len(a - b),
                    "rebuild_only": len(b - a),
                    "equal": live[t] == fresh[t],
                }
    finally:
        _drop_verify(ctx.db, prefix)
    diffs = {t: r for t, r in report.items() if not r["equal"]}
    rows = [{"table": t, **r, "equal": "yes" if r["equal"] else "NO"} for t, r in report.items()]
    # What the steps that follow a recorded fact derive (issue 18, point 4): a
    # relink that did not run leaves the read model equal to its rebuild, and
    # SIECLE records unlinked that the directory would now link.
    pending = siecle_relink.pending_follow_ups(ctx)
    derivable = siecle_relink.relink(ctx, ctx.judged_now(), "verify", dry_run=True)
    follow = {"deliveries_not_followed": len(pending), "links_derivable": derivable}
    text = (
        ui.table(rows, ("table", "rows", "live_only", "rebuild_only", "equal"))
        + "\n"
        + (
            "read model equals a rebuild from the log"
            if not diffs
            else f"read model differs from a rebuild in {len(diffs)} table(s): {', '.join(diffs)}"
        )
    )
    if derivable:
        text += (
            f"\nfollow-up steps not run: {len(pending)} applied deliveries not followed by their SIECLE "
            f"relink, {derivable} SIECLE records the directory would link now; `entsync tick` (or the "
            "running service's next tick) runs them"
        )
    ui.show(
        {
            "equal": not diffs,
            "tables": report,
            "follow_ups": follow,
            "differences": {
                t: {"live_only": r["live_only"], "rebuild_only": r["rebuild_only"]} for t, r in diffs.items()
            },
        },
        text,
    )
    # A delivery not marked followed is only a difference when its relink
    # would link something (a store from an earlier release has no marks).
    return EXIT_OK if not diffs and not derivable else EXIT_ERROR


def _drop_verify(db: Database, prefix: str) -> None:
    # The imports and SIECLE models delete their tracking rows; the directory's drop removes the shared table.
    imports_schema.drop(db, prefix)
    siecle_schema.drop(db, prefix)
    drop(db, prefix)
