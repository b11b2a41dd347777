"""``entsync run`` (the service: daemon/service/run.py) and ``entsync config
check`` (the effective configuration, no secret)."""

from __future__ import annotations

from argparse import Namespace

from daemon import config
from daemon.cli.exits import EXIT_OK
from daemon.cli.render import Output


def run_service(args: Namespace, ui: Output) -> int:
    from daemon.service import process as service

    return service.command(args)


def config_check(args: Namespace, ui: Output) -> int:
    """``entsync config check [--config FILE]``: the effective configuration
    (no secret), or (raised) the error naming the key."""
    settings = config.load(args.config, args.store)
    data = config.redacted(settings)
    ui.show(data, ui.record(data) + "\nconfiguration OK")
    return EXIT_OK
