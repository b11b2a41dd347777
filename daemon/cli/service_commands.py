"""``entsync run``, the service (daemon/service/run.py), and
``entsync config check``, the configuration it would run with."""

from __future__ import annotations

from daemon import config
from daemon.cli.exits import EXIT_OK


def run_service(args, out) -> int:
    from daemon.service import run as service

    return service.command(args)


def config_check(args, out) -> int:
    """``entsync config check [--config FILE]``: the effective configuration
    (no secret), or (raised) the error naming the key."""
    settings = config.load(args.config, args.store)
    data = config.redacted(settings)
    lines = [f"{k} = {v}" for k, v in data.items() if k != "policy"]
    lines += [f"policy.{k} = {v}" for k, v in data["policy"].items()]
    out(data, args.json, "\n".join(lines) + "\nconfiguration OK")
    return EXIT_OK
