"""`entsync`: the operator's command line. Every listing has --json; every
command that records events takes --now; errors are one line and an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

# Effective times outside these years are typos, not dates of a school
# year: refused here, before any date arithmetic could overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2199


def _time(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    if not FIRST_YEAR <= dt.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"{value!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    # A time without an offset is read in the configured zone (Europe/Paris by
    # default) once the configuration is loaded: see localize().
    return dt


def localize(args: argparse.Namespace, zone: str) -> None:
    """Give ``--now`` and ``--as-of`` written without an offset the configured
    zone: an operator typing 2026-09-01T08:00 means 8 o'clock in Paris."""
    from zoneinfo import ZoneInfo

    for name in ("now", "as_of"):
        value = getattr(args, name, None)
        if isinstance(value, datetime) and value.tzinfo is None:
            try:
                setattr(args, name, value.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc))
            except (OverflowError, ValueError):
                raise ValueError(f"not a usable time: {value.isoformat()}") from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("entsync")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; 2 means "rejected or held" for
    entsync (README): a usage error is an error, exit 1."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="entsync", description="ENT directory synchronisation (event-sourced)")
    p.add_argument(
        "--store", help="sqlite:///PATH (default ./entsync.db) or postgresql://USER@HOST:PORT/DB; env ENTSYNC_STORE"
    )
    p.add_argument("--config", help="TOML configuration file; env ENTSYNC_CONFIG")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    def cmd(name: str, help: str, now: bool = False, as_of: bool = False) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
        if now:
            sp.add_argument("--now", type=_time, help="effective time (ISO 8601); default: the clock")
            sp.add_argument(
                "--force",
                action="store_true",
                help="accept a --now beyond the wall clock on a store that is not a simulation "
                "(recorded; the store's clock cannot go back afterwards)",
            )
        if as_of:
            sp.add_argument("--as-of", type=_time, dest="as_of", help="state at this past effective time")
        return sp

    sp = cmd("ingest", "ingest an AAF delivery (directory, zip or tgz), an STS-web or a timetable export", now=True)
    sp.add_argument("path")
    sp.add_argument("--progress", action="store_true", help="show progress even when not on a terminal")
    sp = cmd("tick", "record the transitions due now", now=True)
    sp.add_argument("--dry-run", action="store_true", help="list what would change and why; record nothing")
    sp = cmd("accounts", "list accounts", as_of=True)
    sp.add_argument("--uai")
    sp.add_argument(
        "--state", choices=["pending", "active", "departing", "deactivated", "removed", "withdrawn", "no_account"]
    )
    sp.add_argument("--profile", choices=["ELEVE", "PARENT", "ENSEIGNANT", "NON_ENSEIGNANT"])
    sp.add_argument("--limit", type=int)
    sp = cmd("account", "one account: state, dates, memberships, links", as_of=True)
    sp.add_argument("key", metavar="ID|LOGIN")
    sp = cmd("history", "every event of one account")
    sp.add_argument("key", metavar="ID|LOGIN")
    cmd("structures", "list establishments", as_of=True)
    sp = cmd("group-source", "where an establishment's groups get their members: siecle, timetable or manual", now=True)
    sp.add_argument("uai")
    sp.add_argument("source", nargs="?", choices=["siecle", "timetable", "manual"], help="record this choice")
    sp.add_argument("--operator", default="operator", help="who chooses (recorded)")
    sp = cmd("classes", "divisions and groups of one establishment", as_of=True)
    sp.add_argument("uai")
    sp.add_argument("--members", action="store_true", help="list the students and teachers of each")
    sp = cmd("deliveries", "list deliveries, show one, release or reject a held one", now=True)
    sp.add_argument("action", nargs="?", choices=["list", "show", "release", "reject"], default="list")
    sp.add_argument("id", nargs="?")
    sp.add_argument("--operator", default="operator", help="who releases or rejects (recorded)")
    sp = cmd("purge", "hold or release removals (Toussaint, duplicates); status", now=True)
    sp.add_argument("action", choices=["status", "hold", "release"])
    sp.add_argument("--reason", default="", help="why removals are held (recorded)")
    sp.add_argument("--operator", default="operator", help="who holds or releases (recorded)")
    sp = cmd(
        "imports", "timetable and STS-web imports: history, show one, match by hand, validate, cancel, retry", now=True
    )
    sp.add_argument(
        "action",
        nargs="?",
        choices=["list", "show", "match", "validate", "cancel", "retry", "sessions"],
        default="list",
    )
    sp.add_argument("id", nargs="?", help="import id (or an unambiguous prefix)")
    sp.add_argument("--uai", help="only this establishment's imports")
    sp.add_argument(
        "--lift",
        action="append",
        default=[],
        metavar="THRESHOLD",
        help="retry: lift this threshold for this import only (repeatable)",
    )
    sp.add_argument("--ident", help="match: the export's ident of the teacher, student, class or group")
    sp.add_argument("--account", help="match: the account (jointure) a teacher or student is")
    sp.add_argument("--code", help="match: the existing class or group an unknown one is")
    sp.add_argument(
        "--kind", choices=["teacher", "student", "class", "group"], help="match: when one ident names two kinds of item"
    )
    sp.add_argument(
        "--accept-end-date",
        action="store_true",
        help="validate: apply a first import whose year ends after 15 July up to 15 July only",
    )
    sp.add_argument("--reason", default="", help="cancel: why (recorded)")
    sp.add_argument("--operator", default="operator", help="who matches, validates, cancels or retries (recorded)")
    sp = cmd(
        "siecle",
        "SIECLE exports: imports history, records not linked to an account; show, release or "
        "reject an export held by the leaving-date brake",
        now=True,
    )
    sp.add_argument("action", choices=["imports", "unresolved", "show", "release", "reject"])
    sp.add_argument("id", nargs="?", help="show, release, reject: the import id (or an unambiguous prefix)")
    sp.add_argument("--uai", help="only this establishment")
    sp.add_argument("--operator", default="operator", help="who releases or rejects (recorded)")
    cmd(
        "anomalies",
        "what operators must see: overdue creations, provisional dates, suspected duplicates, couples",
        as_of=True,
    )
    cmd(
        "verify",
        "rebuild the read models (directory, imports, SIECLE) from the log and compare them with the live ones",
    )
    sp = cmd("run", "run the service: inbox, scheduler, metrics and API (daemon/service/run.py)")
    sp.add_argument(
        "--inbox", metavar="DIR", help="directory watched for deliveries (default ./inbox; env ENTSYNC_INBOX)"
    )
    sp.add_argument(
        "--listen", metavar="HOST:PORT", help="metrics and API address (default 127.0.0.1:9464; env ENTSYNC_LISTEN)"
    )
    sp.add_argument(
        "--quiet-seconds",
        type=float,
        dest="quiet_seconds",
        help="an inbox item is ready once unchanged this long (default 30)",
    )
    sp.add_argument("--log-format", choices=["text", "json"], dest="log_format", help="log lines as text or JSON")
    sp = cmd(
        "outbound", "publish the domain events not yet sent to Kafka (what `entsync run` does after each catch-up)"
    )
    sp.add_argument(
        "--bootstrap", metavar="HOST:PORT", help="Kafka brokers (default: kafka_bootstrap in the configuration)"
    )
    sp.add_argument("--topic", help="default: outbound_topic in the configuration (entsync.events)")
    sp = cmd("publish", "send an AAF delivery to the deliveries topic (distributed mode)")
    sp.add_argument("path")
    sp.add_argument(
        "--bootstrap", metavar="HOST:PORT", help="Kafka brokers (default: kafka_bootstrap in the configuration)"
    )
    sp.add_argument("--topic", default="entsync.deliveries")
    sp = cmd("consume", "consume the deliveries topic in a consumer group and ingest complete deliveries", now=True)
    sp.add_argument(
        "--bootstrap", metavar="HOST:PORT", help="Kafka brokers (default: kafka_bootstrap in the configuration)"
    )
    sp.add_argument("--topic", default="entsync.deliveries")
    sp.add_argument("--group", default="entsync")
    sp.add_argument(
        "--idle-exit",
        type=float,
        dest="idle_exit",
        metavar="SECONDS",
        help="stop after this long without a message (default: run until SIGTERM)",
    )
    sp.add_argument(
        "--rebalance-ms",
        type=int,
        dest="rebalance_ms",
        metavar="MS",
        help="session timeout and max poll interval of the group member (default: the client's)",
    )
    sp = cmd(
        "store",
        "create a store (production or simulation), show what it is and its last recorded time, "
        "or upgrade it to this release's rules",
    )
    sp.add_argument("action", choices=["init", "info", "upgrade"])
    sp.add_argument(
        "--simulation",
        action="store_true",
        help="init: a simulation store (tests, demos, replays) whose --now may be any time",
    )
    sp.add_argument(
        "--dry-run",
        action="store_true",
        dest="dry_run",
        help="upgrade: say what the upgrade would correct; record nothing",
    )
    from daemon.cli import token_commands

    token_commands.add_arguments(
        cmd("tokens", "the API's bearer tokens: create one (its secret shown once), list, revoke")
    )
    sp = cmd("config", "check the configuration and print the effective one (no secrets)")
    sp.add_argument("action", choices=["check"])
    sp.add_argument("--config", default=argparse.SUPPRESS, help="TOML configuration file; env ENTSYNC_CONFIG")
    sp = sub.add_parser("generate", help="write a synthetic académie (AAF deliveries)", add_help=False)
    sp.add_argument("args", nargs=argparse.REMAINDER)
    return p


def _print(data: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    elif text is not None:
        print(text)


def _table(rows: list[dict], columns: Sequence[str]) -> str:
    if not rows:
        return "(none)"
    cells = [
        [
            (
                ""
                if r.get(c) is None
                else str(r.get(c))
                if not isinstance(r.get(c), list)
                else ",".join(map(str, r.get(c)))
            )
            for c in columns
        ]
        for r in rows
    ]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _progress(name: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}% {name[:50]:<50}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        # The generator parses its own arguments, --help included (argparse
        # would not pass a leading option through to it).
        from generator.cli import run

        return run(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "generate":  # after global options: `entsync --json generate …`
        from generator.cli import run

        return run(args.args)
    from daemon.bootstrap import TimeWentBackwards
    from daemon.cli import commands
    from daemon.cli.exits import EXIT_ERROR, EXIT_OK
    from daemon.config import ConfigError
    from events.usecases.aaf_ingest import IngestRefused

    try:
        return commands.run(args, _print, _table, _progress)
    except (ConfigError, TimeWentBackwards, IngestRefused, ValueError, LookupError) as exc:
        print(f"entsync: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("entsync: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        from projections.db import outage

        line = outage(exc)  # the store's server is down or unreachable: one line, no traceback
        if line is None:
            raise
        print(f"entsync: error: the store cannot be reached: {line}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
