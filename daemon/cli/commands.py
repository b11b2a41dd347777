"""Which module answers each CLI command, and the context they run on: the
composition root builds it from the configuration, except for the commands
that build their own (the service, the store's declaration, Kafka)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from zoneinfo import ZoneInfoNotFoundError

from daemon import bootstrap, config
from daemon.cli import (
    admin_commands,
    anomaly_review_commands,
    backup_commands,
    delivery_commands,
    directory_commands,
    duplicate_commands,
    explain_commands,
    history_commands,
    import_commands,
    kafka_commands,
    person_commands,
    preview_commands,
    service_commands,
    siecle_commands,
    store_commands,
    token_commands,
)
from daemon.cli.parser import localize
from daemon.cli.render import Output
from events.usecases import upgrade
from projections.store_url import StoreURL, store_exists


def run(args: argparse.Namespace) -> int:
    settings = config.load(getattr(args, "config", None), args.store)
    zone = settings.policy.timezone
    try:
        ui = Output(as_json=args.json, zone=zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise config.ConfigError(f"policy.timezone: {zone!r} is not a time zone (Europe/Paris, for one)") from None
    args.zone = zone  # the error line's times too (daemon/cli/main.py)
    localize(args, zone)
    if not _creates_store(args) and not store_exists(settings.store):
        raise LookupError(
            f"no store at {StoreURL(settings.store).where()}: give --store (or ENTSYNC_STORE), "
            "or create one with `entsync store init` or by ingesting a delivery"
        )
    if args.command == "ingest" and args.dry_run:
        # A preview builds its own context, the in-memory twin of the store
        # (daemon/preview.py): the real store is only read, never opened for
        # writing, so that it stays byte-identical.
        return preview_commands.preview_command(args, settings, ui)
    if args.command in SERVICE_COMMANDS:  # they build their own context, or none
        return SERVICE_COMMANDS[args.command](args, ui)
    ctx = bootstrap.build(settings.store, settings.policy)
    ctx.force_time = bool(getattr(args, "force", False))
    ctx.dry_run = bool(getattr(args, "dry_run", False))
    ctx.command = args.command
    try:
        if args.command in UPGRADING_COMMANDS or _decides(args):
            # A store built by an earlier release is corrected first (domain-rules §12).
            report = upgrade.ensure(ctx, bootstrap.release())
            if report is not None:
                print(report.notice(), file=sys.stderr)
        return COMMANDS[args.command](args, ctx, ui)
    finally:
        ctx.close()


# Each is called as command(args, ctx, ui): the context the composition root
# built, and where its answer goes (daemon/cli/render.py).
COMMANDS: dict[str, Callable[[argparse.Namespace, bootstrap.Context, Output], int]] = {
    "ingest": delivery_commands.ingest_command,
    "tick": delivery_commands.tick_command,
    "accounts": directory_commands.accounts,
    "account": directory_commands.account,
    "history": history_commands.history,
    "state": history_commands.state,
    "diff": history_commands.diff,
    "explain": explain_commands.explain,
    # A person's data on request (issue 17, the RGPD right of access).
    "person": person_commands.run,
    "structures": directory_commands.structures,
    "group-source": directory_commands.group_source,
    "classes": directory_commands.classes,
    "deliveries": delivery_commands.deliveries,
    "anomalies": anomaly_review_commands.anomalies,
    "duplicates": duplicate_commands.duplicates,
    "purge": delivery_commands.purge,
    "verify": store_commands.verify,
    # Timetable and STS-web imports (domain-rules §7).
    "imports": import_commands.run,
    # SIECLE exports (formats §2, domain-rules §11).
    "siecle": siecle_commands.run,
    # The API's bearer tokens (issue 12).
    "tokens": token_commands.run,
    # The administrators' actions (issue 13).
    "admin": admin_commands.run,
    # The keys destroyed in a store, carried across PostgreSQL's pg_restore (issue 17).
    "erasures": backup_commands.erasures,
}
# Commands that write facts: they upgrade a store built by an earlier release first.
UPGRADING_COMMANDS = ("ingest", "tick", "siecle", "imports", "purge", "admin")


def _decides(args: argparse.Namespace) -> bool:
    """`entsync anomalies confirm|dismiss` writes facts; the listing does not."""
    return bool(args.command == "anomalies" and args.action in ("confirm", "dismiss"))


# Called as command(args, ui): they build their own context, or none.
SERVICE_COMMANDS: dict[str, Callable[[argparse.Namespace, Output], int]] = {
    "store": store_commands.store,
    "run": service_commands.run_service,
    "config": service_commands.config_check,
    "outbound": kafka_commands.outbound,
    "publish": kafka_commands.publish,
    "consume": kafka_commands.consume,
    # A SQLite store's file, copied or replaced: no context on it (issue 17).
    "backup": backup_commands.backup,
    "restore": backup_commands.restore,
}


def _creates_store(args: argparse.Namespace) -> bool:
    """The commands that may start a new store; any other refuses a store that
    does not exist rather than create an empty one (in the wrong folder, say)."""
    if args.command == "ingest" and args.dry_run:
        return True  # previewed against an empty log, nothing created
    if args.command in ("ingest", "run", "consume", "config", "restore"):  # restore: a store lost, from its backup
        return True
    if args.command == "store":
        return bool(args.action == "init")
    return bool(args.command == "tokens" and args.action == "create")
