"""What each CLI command does, on a context built by the composition root."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from adapters.errors import describe_all
from adapters.sniff import kind_of
from adapters.timetable.files import KINDS as TIMETABLE_KINDS
from daemon import bootstrap, config, upgrade
from daemon.cli import import_commands, siecle_commands
from daemon.cli.history import history
from daemon.tick import hold_removals, lift_hold, purge_hold, tick
from events.structure import GroupSource, group_source_id
from events.usecases import siecle_relink
from events.usecases.aaf_ingest import ingest
from events.usecases.aaf_operator import reject, release
from events.usecases.formats import not_importable
from projections import (
    account_queries,
    anomaly_queries,
    delivery_queries,
    imports_schema,
    siecle_schema,
    structure_queries,
)
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.imports import ImportsProjection
from projections.schema import drop, dump
from projections.siecle import SiecleProjection

EXIT_OK, EXIT_ERROR, EXIT_REJECTED, EXIT_PARTIAL = 0, 1, 2, 3


@contextmanager
def _read_db(ctx: bootstrap.Context, as_of) -> Iterator[Database]:
    """The live read model, or one rebuilt in memory up to ``--as-of``."""
    if as_of is None:
        ctx.projection.catch_up(ctx.log)
        yield ctx.db
        return
    mem = Database("sqlite:///:memory:")
    DirectoryProjection(mem).catch_up(ctx.log, until=as_of)
    try:
        yield mem
    finally:
        mem.close()


def run(args, out: Callable, table: Callable, progress: Callable) -> int:
    if args.command in SERVICE_COMMANDS:  # they build their own context, or none
        return SERVICE_COMMANDS[args.command](args, out)
    settings = config.load(args.config, args.store)
    ctx = bootstrap.build(settings.store, settings.policy)
    ctx.force_time = bool(getattr(args, "force", False))
    ctx.dry_run = bool(getattr(args, "dry_run", False))
    ctx.command = args.command
    try:
        if args.command in UPGRADING_COMMANDS:
            # A store built by an earlier release is corrected first (domain-rules §12).
            upgrade.ensure(ctx, lambda line: print(line, file=sys.stderr))
        return COMMANDS[args.command](args, ctx, out, table, progress)
    finally:
        ctx.close()


def _ingest(args, ctx, out, table, progress) -> int:
    kind = kind_of(args.path)
    if kind in TIMETABLE_KINDS:
        return import_commands.ingest(args, ctx, out, table)
    if kind in siecle_commands.KINDS:
        return siecle_commands.ingest(args, ctx, out, table)
    if kind != "aaf":
        # Not an export this service imports (a missing path, the encrypted
        # timetable envelope, SIECLE's nomenclatures, anything else): the
        # inbox's answer, nothing recorded, the store's clock untouched.
        refused = not_importable(args.path, kind)
        out(refused.as_dict(), args.json, refused.line())
        return EXIT_REJECTED
    if args.progress or sys.stderr.isatty():
        ctx.progress = progress
    result = ingest(args.path, ctx, args.now)
    data = {
        "delivery_id": result.delivery_id,
        "status": result.status,
        "reason": result.reason,
        "message": result.message,
        "counts": result.counts,
        "rejections": [r.__dict__ for r in result.rejections],
    }
    lines = [f"delivery {result.delivery_id}: {result.status}" + (f" ({result.reason})" if result.reason else "")]
    if result.message:
        lines.append(result.message)
    if result.counts:
        lines.append(", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())))
    lines += describe_all(result.rejections, more=f": entsync deliveries show {result.delivery_id}")
    out(data, args.json, "\n".join(lines))
    return result.exit_code


def _tick(args, ctx, out, table, progress) -> int:
    at, transitions = tick(ctx, args.now, dry_run=args.dry_run)
    rows = [t.as_dict() for t in transitions]
    verb = "would record" if args.dry_run else "recorded"
    out(
        {"at": at.isoformat(), "dry_run": args.dry_run, "transitions": rows},
        args.json,
        f"tick at {at.isoformat()}: {verb} {len(rows)} transition(s)\n"
        + table(rows, ("kind", "jointure", "profile", "reason", "login", "removal_due")),
    )
    return EXIT_OK


def _accounts(args, ctx, out, table, progress) -> int:
    with _read_db(ctx, args.as_of) as db:
        rows = account_queries.accounts(
            db,
            uai=args.uai,
            state=args.state,
            profile=args.profile,
            now=args.as_of or ctx.judged_now(),
            grace=ctx.policy.overdue_grace,
            limit=args.limit,
            notice_days=ctx.policy.removal_notice_days,
            tz=ctx.policy.timezone,
            policy=ctx.policy,
        )
    out(
        rows,
        args.json,
        table(
            rows, ("jointure", "profile", "state", "login", "creation_due", "removal_due", "removal_basis", "anomalies")
        ),
    )
    return EXIT_OK


def _account(args, ctx, out, table, progress) -> int:
    with _read_db(ctx, args.as_of) as db:
        row = account_queries.account_detail(
            db,
            args.key,
            now=args.as_of or ctx.judged_now(),
            grace=ctx.policy.overdue_grace,
            notice_days=ctx.policy.removal_notice_days,
            tz=ctx.policy.timezone,
            policy=ctx.policy,
        )
    if row is None:
        raise LookupError(f"no account with id or login {args.key!r}")
    text = "\n".join(f"{k}: {v}" for k, v in row.items() if k != "attributes")
    out(row, args.json, text)
    return EXIT_OK


def _history(args, ctx, out, table, progress) -> int:
    ctx.projection.catch_up(ctx.log)
    row = account_queries.find_account(ctx.db, args.key)
    jointure = row["jointure"] if row else args.key
    entries = history(ctx.log, jointure)
    if not entries:
        raise LookupError(f"no account with id or login {args.key!r}")
    lines = []
    for e in entries:
        where = " ".join(f"{k}={e[k]}" for k in ("delivery_id", "file", "line") if k in e)
        extra = " ".join(f"{k}={e[k]}" for k in ("reason", "login", "state", "creation_due", "removal_due") if k in e)
        lines.append(f"{e['at']}  v{e['version']} {e['event']} {extra} {where}".rstrip())
        for name, change in e.get("changes", {}).items():
            lines.append(f"    {name}: {change['before']} -> {change['after']}")
    out(entries, args.json, "\n".join(lines))
    return EXIT_OK


def _purge(args, ctx, out, table, progress) -> int:
    if args.action == "hold":
        hold_removals(ctx, args.operator, args.reason, args.now)
    elif args.action == "release":
        lift_hold(ctx, args.operator, args.now)
    ctx.projection.catch_up(ctx.log)
    state = purge_hold(ctx)
    out(
        state,
        args.json,
        "removals are held"
        + (f" since {state['at']} by {state['operator']}: {state['reason']}" if state.get("at") else "")
        if state["held"]
        else "removals are not held",
    )
    return EXIT_OK


def _anomalies(args, ctx, out, table, progress) -> int:
    with _read_db(ctx, args.as_of) as db:
        rows = anomaly_queries.anomalies(db, args.as_of or ctx.judged_now(), ctx.policy.overdue_grace, ctx.policy)
    out(rows, args.json, table(rows, ("anomaly", "jointure", "profile", "state", "detail")))
    return EXIT_OK


def _structures(args, ctx, out, table, progress) -> int:
    with _read_db(ctx, args.as_of) as db:
        rows = structure_queries.structures(db)
    out(rows, args.json, table(rows, ("uai", "jointure", "type", "name", "accounts", "group_source", "present")))
    return EXIT_OK


def _group_source(args, ctx, out, table, progress) -> int:
    """Show or record where an establishment's groups get their members (domain-rules §2)."""
    ctx.projection.catch_up(ctx.log)
    if not ctx.db.scalar("SELECT COUNT(*) FROM structures WHERE uai = ?", (args.uai,)):
        out({"error": "unknown_uai", "uai": args.uai}, args.json, f"{args.uai}: no such establishment in the directory")
        return EXIT_ERROR
    if args.source:
        stream = ctx.log.find(group_source_id(args.uai))
        at = ctx.effective_now(args.now)
        if stream is None:
            stream = GroupSource(uai=args.uai, source=args.source, operator=args.operator, at=at)
        else:
            stream.choose(args.source, args.operator, at)
        ctx.log.save(stream)
        ctx.projection.catch_up(ctx.log)
    source = structure_queries.group_source(ctx.db, args.uai)
    out({"uai": args.uai, "group_source": source}, args.json, f"{args.uai}: groups populated from {source}")
    return EXIT_OK


def _classes(args, ctx, out, table, progress) -> int:
    with _read_db(ctx, args.as_of) as db:
        rows = structure_queries.classes(db, args.uai, members=args.members)
    if not rows:
        raise LookupError(f"no establishment with UAI {args.uai!r}")
    text = table(rows, ("kind", "code", "declared", "students", "teachers"))
    if args.members:
        text += "".join(
            f"\n\n{r['kind']} {r['code']}\n" + table(r["members"], ("jointure", "profile", "login", "state"))
            for r in rows
        )
    out(rows, args.json, text)
    return EXIT_OK


def _deliveries(args, ctx, out, table, progress) -> int:
    ctx.projection.catch_up(ctx.log)
    if args.action == "list":
        rows = delivery_queries.deliveries(ctx.db)
        out(
            rows,
            args.json,
            table(rows, ("delivery_id", "kind", "date", "status", "reason", "rejected_records", "received_at")),
        )
        return EXIT_OK
    if not args.id:
        raise ValueError(f"deliveries {args.action} needs a delivery id")
    row = delivery_queries.delivery(ctx.db, args.id)
    if row is None:
        raise LookupError(f"no delivery {args.id!r}")
    if args.action == "show":
        listed = ("rejections", "brake", "departures", "waiting")
        text = "\n".join(f"{k}: {v}" for k, v in row.items() if k not in listed)
        if row["waiting"]:
            text += "\nwaiting behind it, applied in this order once it is released or rejected: " + ", ".join(
                row["waiting"]
            )
        if "brake" in row:
            text += "\n\nbrakes (per structure and population; expected leavers are not counted):\n" + table(
                row["brake"],
                ("uai", "population", "departing", "expected", "counted", "accounts", "share", "minimum", "held"),
            )
            text += "\n\nwho would depart and why:\n" + table(
                [{**d, "counted": "yes" if d["counted"] else "no"} for d in row["departures"]],
                ("jointure", "login", "profile", "state", "uais", "reason", "counted", "expected"),
            )
        text += "\n\nrecords rejected:\n" + table(
            row["rejections"], ("reason", "file", "line", "record_id", "field", "message")
        )
        out(row, args.json, text)
        return EXIT_OK
    delivery = ctx.log.delivery(row["delivery_id"])
    if args.action == "release":
        result = release(delivery, args.operator, ctx, args.now)
        followed = result.followed
        data = {"delivery_id": result.delivery_id, "status": result.status, "counts": result.counts}
        text = f"delivery {result.delivery_id}: released and {result.status}"
        code = result.exit_code
    else:
        followed = reject(delivery, args.operator, ctx, args.now)
        data = {"delivery_id": row["delivery_id"], "status": "rejected"}
        text = f"delivery {row['delivery_id']}: rejected"
        code = EXIT_OK
    data["followed"] = [{"delivery_id": r.delivery_id, "status": r.status, "reason": r.reason} for r in followed]
    text += "".join(
        f"\nwaiting delivery {r.delivery_id}: {r.status}" + (f" ({r.reason})" if r.reason else "") for r in followed
    )
    out(data, args.json, text)
    return code


def _verify(args, ctx, out, table, progress) -> int:
    """Rebuild the three read models (directory, timetable imports, SIECLE)
    from the log under a prefix and compare them with the live ones, row by
    row, table by table."""
    prefix = "verify_"
    models = {
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
        table(rows, ("table", "rows", "live_only", "rebuild_only", "equal"))
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
    out(
        {
            "equal": not diffs,
            "tables": report,
            "follow_ups": follow,
            "differences": {
                t: {"live_only": r["live_only"], "rebuild_only": r["rebuild_only"]} for t, r in diffs.items()
            },
        },
        args.json,
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


COMMANDS = {
    "ingest": _ingest,
    "tick": _tick,
    "accounts": _accounts,
    "account": _account,
    "history": _history,
    "structures": _structures,
    "group-source": _group_source,
    "classes": _classes,
    "deliveries": _deliveries,
    "anomalies": _anomalies,
    "purge": _purge,
    "verify": _verify,
}
# Timetable and STS-web imports (domain-rules §7): daemon/cli/import_commands.py.
COMMANDS["imports"] = import_commands.run
# SIECLE exports (formats §2, domain-rules §11): daemon/cli/siecle_commands.py.
COMMANDS["siecle"] = siecle_commands.run


def _outbound(args, out) -> int:
    from daemon.kafka.kafka_python import KafkaPythonProducer
    from daemon.kafka.outbound import Outbound

    settings = config.load(args.config, args.store)
    bootstrap_servers = args.bootstrap or settings.kafka_bootstrap
    if not bootstrap_servers:
        out(
            {"error": "no_kafka"},
            args.json,
            "no Kafka brokers: --bootstrap HOST:PORT or kafka_bootstrap in the configuration",
        )
        return EXIT_ERROR
    ctx = bootstrap.build(settings.store, settings.policy)
    kafka = KafkaPythonProducer(bootstrap_servers)
    try:
        ctx.projection.catch_up(ctx.log)
        outbound = Outbound(ctx, kafka, args.topic or settings.outbound_topic)
        sent = outbound.publish()
        out(
            {"topic": outbound.topic, "sent": sent, "position": outbound.position()},
            args.json,
            f"{sent} events sent to {outbound.topic} (position {outbound.position()})",
        )
        return EXIT_OK
    finally:
        kafka.close(timeout=10)
        ctx.close()


def _kafka_settings(args, out):
    settings = config.load(args.config, args.store)
    brokers = args.bootstrap or settings.kafka_bootstrap
    if not brokers:
        out(
            {"error": "no_kafka"},
            args.json,
            "no Kafka brokers: --bootstrap HOST:PORT or kafka_bootstrap in the configuration",
        )
    return settings, brokers


def _publish(args, out) -> int:
    from adapters.errors import DeliveryRejected
    from daemon.kafka.ingest import publish
    from daemon.kafka.kafka_python import KafkaPythonProducer

    settings, brokers = _kafka_settings(args, out)
    if not brokers:
        return EXIT_ERROR
    kafka = KafkaPythonProducer(brokers)
    try:
        sent = publish(args.path, kafka, args.topic)
    except DeliveryRejected as exc:
        out({"status": "rejected", "reason": exc.reason, "message": str(exc)}, args.json, f"not published: {exc}")
        return EXIT_REJECTED
    finally:
        kafka.close(timeout=10)
    out(
        sent,
        args.json,
        f"delivery {sent['delivery_id']}: {sent['records']} records sent to {args.topic} "
        f"({sent['partitions']} partitions)",
    )
    return EXIT_OK


def _consume(args, out) -> int:
    import signal

    from daemon.kafka.ingest import DeliveryConsumer
    from daemon.kafka.kafka_python import KafkaPythonConsumer, rebalance
    from daemon.kafka.loop import consume

    settings, brokers = _kafka_settings(args, out)
    if not brokers:
        return EXIT_ERROR
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    ctx = bootstrap.build(settings.store, settings.policy)
    kafka = KafkaPythonConsumer(
        brokers, args.topic, args.group, **rebalance(args.rebalance_ms or settings.consumer_rebalance_ms)
    )
    try:
        ingested = consume(
            DeliveryConsumer(ctx, kafka),
            stopping=lambda: bool(stop),
            on_result=lambda r: out(
                {"delivery_id": r.delivery_id, "status": r.status, "counts": r.counts},
                args.json,
                f"delivery {r.delivery_id}: {r.status}",
            ),
            idle_exit=args.idle_exit,
            now=args.now,
        )
    finally:
        kafka.close()
        ctx.close()
    if args.idle_exit is not None and not stop:  # never a silent exit 0
        print(
            f"entsync: consume: {args.topic} read to its end by the group, then {args.idle_exit:g} s idle; "
            f"{ingested} delivery(ies) ingested by this member" + ("" if ingested else " (nothing was waiting for it)"),
            file=sys.stderr,
        )
    return EXIT_OK


def _run_service(args, out) -> int:
    from daemon.service import run as service

    return service.command(args)


def _config(args, out) -> int:
    from daemon.service import run as service

    return service.check(args, out)


# The service and its configuration check (daemon/service/run.py).
def _store(args, out) -> int:
    """`entsync store init [--simulation]` declares a new store (domain-rules
    §12, time guard); `entsync store info` says what it is and its clock."""
    settings = config.load(args.config, args.store)
    ctx = bootstrap.build(
        settings.store, settings.policy, simulation=bool(args.simulation) if args.action == "init" else None
    )
    try:
        if args.action == "upgrade":
            return _store_upgrade(args, ctx, out)
        info = store_info(ctx)
        if args.action == "init":
            text = f"store declared: {info['kind']}"
        else:
            ahead = info["ahead_of_wall_clock_seconds"]
            text = "\n".join(
                [
                    f"kind               {info['kind']}",
                    f"declared           {info['declared_at'] or 'not declared: a production store'}",
                    f"facts              {info['facts']}",
                    f"last recorded time {info['last_recorded_time'] or '(none)'}",
                    f"wall clock         {info['wall_clock']}",
                    *(
                        [
                            f"AHEAD of the wall clock by {ahead / 3600:.1f} h: commands without --force will be refused "
                            "until the wall clock reaches the last recorded time"
                        ]
                        if ahead > ctx.policy.clock_skew.total_seconds() and info["kind"] != "simulation"
                        else []
                    ),
                    *(
                        [f"clock forced       {info['clock_forced']} time(s), last to {info['last_forced']}"]
                        if info["clock_forced"]
                        else []
                    ),
                ]
            )
        out(info, args.json, text)
        return EXIT_OK
    finally:
        ctx.close()


def _store_upgrade(args, ctx, out) -> int:
    from daemon.cli.main import _table as table

    report = upgrade.upgrade(ctx, dry_run=bool(args.dry_run))
    lines = [report.summary()]
    if report.corrections:
        lines += [
            "",
            "corrected (rules of this release; `entsync history JOINTURE` shows each):",
            table(report.corrections, ("jointure", "field", "before", "after")),
        ]
    if report.reread:
        lines += [
            "",
            "deliveries to ingest again (they hold records an earlier release rejected for a rule that "
            "changed; only those records are applied, nothing departs):",
            table(
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
            table(report.kept, ("jointure", "state", "structures")),
        ]
    out(report.as_dict(), args.json, "\n".join(lines))
    return EXIT_OK


def store_info(ctx) -> dict:
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


# Commands that write facts: they upgrade a store built by an earlier release first.
UPGRADING_COMMANDS = ("ingest", "tick", "siecle", "imports", "purge")
SERVICE_COMMANDS = {
    "store": _store,
    "run": _run_service,
    "config": _config,
    "outbound": _outbound,
    "publish": _publish,
    "consume": _consume,
}
