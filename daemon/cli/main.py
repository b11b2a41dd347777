"""`entsync`: the operator's command line. Every listing has --json; every
command that records events takes --now; every failure is one line
``entsync: error: …`` on stderr and a non-zero exit code, never a traceback
(unless ``--debug`` asks for one)."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence

from daemon.cli.exits import EXIT_ERROR, EXIT_OK, CommandFailed
from daemon.cli.parser import parser
from daemon.cli.render import DEFAULT_ZONE, Output


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        # The generator parses its own arguments, --help included (argparse
        # would not pass a leading option through to it).
        return _generate(argv[1:])
    args = parser().parse_args(argv)
    if args.command == "generate":  # after global options: `entsync --json generate …`
        return _generate(args.args)
    from daemon.cli import commands

    try:
        return commands.run(args)
    except CommandFailed as exc:
        if exc.data is not None and args.json:
            Output(as_json=True).show(exc.data)
        return _error(str(exc), args, exc.code)
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return _error("interrupted", args)
    except Exception as exc:
        return _error(_line(exc, args.debug), args)


def _line(exc: Exception, debug: bool) -> str:
    """What went wrong, in one line: the message of an error an operator can
    act on, the store's outage, or (a bug) the error's type and message."""
    from daemon.bootstrap import TimeWentBackwards
    from daemon.config import ConfigError
    from events.usecases.aaf_ingest import IngestRefused
    from projections.db import outage

    if isinstance(exc, ConfigError | TimeWentBackwards | IngestRefused | ValueError | LookupError):
        return _one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, OSError):
        return _os_error(exc)
    line = outage(exc)  # the store's server is down or unreachable
    if line is not None:
        return f"the store cannot be reached: {line}"
    if type(exc) is sqlite3.DatabaseError:  # not its subclasses, a query's errors among them
        return f"the store cannot be read: {exc} (is --store an entsync store?)"
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    return (
        f"{type(exc).__name__}: {_one_line(str(exc))}"
        + ("" if debug else " (unexpected: `entsync --debug …` shows where, for a bug report)")
    ).strip()


def _os_error(exc: OSError) -> str:
    """A file the command could not read or write: its name and why, as
    ``FILE: No such file or directory`` rather than Python's ``[Errno 2] …``."""
    if exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return _one_line(str(exc)) or type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _error(message: str, args: argparse.Namespace, code: int = EXIT_ERROR) -> int:
    """The one line; its times in the configured zone once the configuration
    was read (commands.run sets ``args.zone``), else in Paris time."""
    ui = Output(zone=getattr(args, "zone", DEFAULT_ZONE))
    print(f"entsync: error: {ui.times_in(message)}", file=sys.stderr)
    return code


def _generate(argv: list[str]) -> int:
    """``entsync generate``: the test-data generator (generator/cli.py), with
    entsync's exit codes: its usage errors (argparse's 2) exit 1 here."""
    from generator.cli import run

    try:
        return run(argv)
    except SystemExit as exc:
        if exc.code == 2:
            return EXIT_ERROR
        raise


if __name__ == "__main__":
    sys.exit(main())
