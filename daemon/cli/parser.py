"""The arguments of every ``entsync`` command, with their help pages
(daemon/cli/helps.py): what the command does and its exit codes."""

from __future__ import annotations

import argparse
import functools
import getpass
import textwrap
from datetime import datetime, timezone
from typing import NoReturn
from zoneinfo import ZoneInfo

from daemon.cli.exits import EXIT_ERROR
from daemon.cli.helps import HELPS, SUMMARY, exits
from events.duplicate_score import SUSPECTED


def local_operator() -> str:
    """Who acts at this terminal, when --operator does not say (issue 12: every
    recorded action has an author): the system user, or "operator" where the
    process has no user name (a container's arbitrary uid)."""
    try:
        return getpass.getuser() or "operator"
    except (OSError, KeyError):
        return "operator"


LOCAL_OPERATOR = local_operator()

# Effective times outside these years are typos, not dates of a school
# year: refused here, before any date arithmetic could overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2199
PROFILES = ["ELEVE", "PARENT", "ENSEIGNANT", "NON_ENSEIGNANT"]
STATES = ["pending", "active", "suspended", "departing", "deactivated", "removed", "withdrawn", "no_account"]
BROKERS = "Kafka brokers (default: kafka_bootstrap in the configuration)"


def time_argument(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    if not FIRST_YEAR <= dt.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"{value!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    # A time without an offset is read in the configured zone (Europe/Paris by
    # default) once the configuration is loaded: localize() below.
    return dt


def localize(args: argparse.Namespace, zone: str) -> None:
    """Give ``--now``, ``--as-of``, an end date ``--until`` and the times of
    ``history --since`` and ``diff --from --to`` written without an offset
    the configured zone: 2026-09-01T08:00 means 8 o'clock in Paris."""
    for name in ("now", "as_of", "until", "since", "start", "end"):
        value = getattr(args, name, None)
        if isinstance(value, datetime) and value.tzinfo is None:
            try:
                setattr(args, name, value.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc))
            except (OverflowError, ValueError):
                raise ValueError(f"not a usable time: {value.isoformat()}") from None


def time_options(sp: argparse.ArgumentParser) -> None:
    """--now and --force, as every command that records a fact takes them."""
    sp.add_argument(
        "--now",
        type=time_argument,
        help="effective time (ISO 8601; without an offset, in the configured zone); default: the clock",
    )
    sp.add_argument(
        "--force",
        action="store_true",
        help="accept a --now beyond the wall clock on a store that is not a simulation "
        "(recorded; the store's clock cannot go back afterwards)",
    )


def recording_options(sp: argparse.ArgumentParser, who: str = "who acts") -> None:
    """What an administrator's action takes besides its own arguments: its
    author (--operator), --json, --now and --force."""
    sp.add_argument(
        "--operator", default=LOCAL_OPERATOR, help=f"{who}, recorded as the author (default: the system user)"
    )
    sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    time_options(sp)


def positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def seconds(value: str) -> float:
    try:
        s = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= s < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {value!r}")
    return s


class Parser(argparse.ArgumentParser):
    """A usage error is one line, ``entsync: error: COMMAND: …``, and exit 1:
    argparse's exit 2 means "rejected or held" for entsync (README)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("entsync").strip()
        where = f"{command}: " if command else ""
        self.exit(EXIT_ERROR, f"entsync: error: {where}{message} (see `{self.prog} --help`)\n")


def _wrap(text: str) -> str:
    return "\n\n".join(textwrap.fill(p, 79) for p in text.split("\n\n"))


# Built once per process: its forty sub-parsers and wrapped help pages cost
# about 50 ms, paid again by every command a process runs (the service's
# tests run hundreds in one). Parsing keeps no state in it; a default list
# (``append``'s) is shared by the namespaces, and no command mutates them.
@functools.cache
def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="entsync",
        description=_wrap(
            "ENT directory synchronisation (event-sourced): imports the académie's AAF deliveries and the "
            "establishments' SIECLE, STS-web and timetable exports into one event log, and serves the directory."
        ),
        epilog=SUMMARY,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--store", help="sqlite:///PATH (default ./entsync.db) or postgresql://USER@HOST:PORT/DB; env ENTSYNC_STORE"
    )
    p.add_argument("--config", help="TOML configuration file; env ENTSYNC_CONFIG")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--debug", action="store_true", help="on an unexpected error, the Python traceback too")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    def cmd(name: str, now: bool = False, as_of: bool = False) -> argparse.ArgumentParser:
        h = HELPS[name]
        sp = sub.add_parser(
            name,
            help=h.line,
            description=_wrap(h.what),
            epilog=exits(h.exits),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
        if now:
            time_options(sp)
        if as_of:
            sp.add_argument("--as-of", type=time_argument, dest="as_of", help="state at this past effective time")
        return sp

    sp = cmd("ingest", now=True)
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--progress", action="store_true", help="show progress even when not on a terminal")
    sp.add_argument(
        "--dry-run",
        action="store_true",
        help="say what the file would change (arrivals, departures, changes, brakes, anomalies); record nothing",
    )
    sp = cmd("tick", now=True)
    sp.add_argument("--dry-run", action="store_true", help="list what would change and why; record nothing")
    sp = cmd("accounts", as_of=True)
    sp.add_argument("--uai")
    sp.add_argument("--state", choices=STATES)
    sp.add_argument("--profile", choices=PROFILES)
    sp.add_argument("--limit", type=positive, help="at most this many")
    sp = cmd("account", as_of=True)
    sp.add_argument("key", metavar="ID|LOGIN")
    from daemon.cli import explain_commands, history_commands

    history_commands.add_arguments(cmd("history"), cmd("state", as_of=True), cmd("diff"))
    explain_commands.add_arguments(cmd("explain"))
    from daemon.cli import person_commands

    person_commands.add_arguments(cmd("person"))
    cmd("structures", as_of=True)
    sp = cmd("group-source", now=True)
    sp.add_argument("uai", metavar="UAI")
    sp.add_argument("source", nargs="?", choices=["siecle", "timetable", "manual"], help="record this choice")
    sp.add_argument(
        "--operator",
        default=LOCAL_OPERATOR,
        help="who chooses, recorded as the author (default: the system user)",
    )
    sp = cmd("classes", as_of=True)
    sp.add_argument("uai", metavar="UAI")
    sp.add_argument("--members", action="store_true", help="list the students and teachers of each")
    sp = cmd("deliveries", now=True)
    sp.add_argument("action", nargs="?", choices=["list", "show", "release", "reject"], default="list")
    sp.add_argument("id", nargs="?", metavar="ID", help="show, release, reject: the delivery id")
    sp.add_argument(
        "--operator",
        default=LOCAL_OPERATOR,
        help="who releases or rejects, recorded as the author (default: the system user)",
    )
    sp = cmd("purge", now=True)
    sp.add_argument("action", choices=["status", "hold", "release"])
    sp.add_argument("--reason", default="", help="why removals are held (recorded)")
    sp.add_argument(
        "--operator",
        default=LOCAL_OPERATOR,
        help="who holds or releases, recorded as the author (default: the system user)",
    )
    from daemon.cli import import_commands

    import_commands.add_arguments(cmd("imports", now=True))
    sp = cmd("siecle", now=True)
    sp.add_argument("action", choices=["imports", "unresolved", "show", "release", "reject"])
    sp.add_argument("id", nargs="?", metavar="ID", help="show, release, reject: the import id (or a prefix)")
    sp.add_argument("--uai", help="only this establishment")
    sp.add_argument(
        "--operator",
        default=LOCAL_OPERATOR,
        help="who releases or rejects, recorded as the author (default: the system user)",
    )
    from daemon.cli import anomaly_commands

    sp = cmd("anomalies", now=True, as_of=True)
    anomaly_commands.add_arguments(sp)
    sp.add_argument("action", nargs="?", choices=["list", "confirm", "dismiss"], default="list")
    sp.add_argument(
        "id", nargs="?", metavar="ID", help="confirm, dismiss: the anomaly's id, or 6+ of its first characters"
    )
    sp.add_argument("--reason", default="", help="confirm, dismiss: why (required, recorded with the decision)")
    sp.add_argument("--operator", default=LOCAL_OPERATOR, help="confirm, dismiss: who decides, recorded as the author")
    sp = cmd("duplicates")
    sp.add_argument("--uai", help="only the pairs with an account in this establishment")
    sp.add_argument(
        "--min-score", type=float, default=SUSPECTED, help=f"list pairs from this score, 0..1 (default {SUSPECTED})"
    )
    cmd("verify")
    sp = cmd("run")
    sp.add_argument("--inbox", metavar="DIR", help="directory watched for exports (default ./inbox; env ENTSYNC_INBOX)")
    sp.add_argument(
        "--listen", metavar="HOST:PORT", help="metrics and API address (default 127.0.0.1:9464; env ENTSYNC_LISTEN)"
    )
    sp.add_argument(
        "--quiet-seconds", type=seconds, help="an inbox item is ready once unchanged this long (default 30)"
    )
    sp.add_argument("--log-format", choices=["text", "json"], help="log lines as text or JSON")
    sp = cmd("outbound")
    sp.add_argument("--bootstrap", metavar="HOST:PORT", help=BROKERS)
    sp.add_argument("--topic", help="default: outbound_topic in the configuration (entsync.events)")
    sp = cmd("publish")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--bootstrap", metavar="HOST:PORT", help=BROKERS)
    sp.add_argument("--topic", default="entsync.deliveries")
    sp = cmd("consume", now=True)
    sp.add_argument("--bootstrap", metavar="HOST:PORT", help=BROKERS)
    sp.add_argument("--topic", default="entsync.deliveries")
    sp.add_argument("--group", default="entsync")
    sp.add_argument(
        "--idle-exit", type=seconds, metavar="SECONDS", help="stop after this long without a message (default: never)"
    )
    sp.add_argument(
        "--rebalance-ms",
        type=positive,
        metavar="MS",
        help="session timeout and max poll interval of the group member (default: the client's)",
    )
    sp = cmd("store")
    sp.add_argument("action", choices=["init", "info", "upgrade"])
    sp.add_argument("--simulation", action="store_true", help="init: a simulation store, whose --now may be any time")
    sp.add_argument("--dry-run", action="store_true", help="upgrade: say what it would correct; record nothing")
    from daemon.cli import admin_commands, backup_commands, token_commands

    backup_commands.add_arguments(cmd("backup"), cmd("restore"))
    backup_commands.add_erasures_arguments(cmd("erasures", now=True))
    token_commands.add_arguments(cmd("tokens"))
    admin_commands.add_arguments(cmd("admin"))
    sp = cmd("config")
    sp.add_argument("action", choices=["check"])
    sp.add_argument("--config", default=argparse.SUPPRESS, help="TOML configuration file; env ENTSYNC_CONFIG")
    # The generator parses its own arguments, --help included (generator/cli.py).
    sp = sub.add_parser("generate", help=HELPS["generate"].line, add_help=False)
    sp.add_argument("args", nargs=argparse.REMAINDER)
    return p


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("entsync")
    except PackageNotFoundError:
        return "unknown (not installed)"
