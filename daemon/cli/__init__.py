"""The command line: ``entsync`` (``main``), its parser and the commands'
answers, one line and an exit code each, never a traceback."""

from daemon.cli.main import main

__all__ = ["main"]
