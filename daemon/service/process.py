"""The process of ``entsync run``: its configuration, its signals (SIGTERM
and SIGINT stop it, SIGUSR1 writes every thread's stack), a start that fails
said in one line, and its exit — the ``Service`` itself is
daemon/service/run.py."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import threading
from types import FrameType

from daemon import config
from daemon.observability.logs import configure, event
from daemon.service.run import Service
from projections.db import outage

log = logging.getLogger("entsync.service")

EXIT_OK, EXIT_ERROR = 0, 1


def command(args: argparse.Namespace) -> int:
    """``entsync run [--inbox DIR] [--listen HOST:PORT] …``"""
    settings = config.load(
        args.config,
        args.store,
        overrides={
            "inbox": args.inbox,
            "listen": args.listen,
            "quiet_seconds": args.quiet_seconds,
            "log_format": args.log_format,
        },
    )
    configure(settings.log_format)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        event(log, "service.signal", signal=signal.Signals(signum).name)
        stop.set()

    # An operator (or a test) can see where every thread is: kill -USR1 PID
    # writes their stacks (code locations only) to stderr.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    service = Service(settings)
    try:
        service.start()
    except Exception as exc:
        if isinstance(exc, _listen_error()):  # daemon.http.server: the message says what to change
            event(log, "service.start_failed", logging.CRITICAL, reason="listen", message=str(exc))
            service.stop()
            raise config.ConfigError(str(exc)) from None
        line = outage(exc)
        if line:  # systemd's Restart= starts it again; the inbox waits meanwhile
            event(log, "service.start_failed", logging.CRITICAL, reason="store_unavailable", message=line)
            service.stop()
            raise config.ConfigError(f"the store cannot be reached: {line}") from None
        event(log, "service.start_failed", logging.CRITICAL, exc_info=True)
        service.stop()
        raise config.ConfigError(f"the service could not start ({type(exc).__name__}); see the log above") from None
    code = EXIT_OK
    while not stop.wait(0.5):
        if not service.alive():
            event(log, "service.inbox_died", logging.CRITICAL)
            code = EXIT_ERROR
            break
    started = service.clock.monotonic()
    clean = service.stop()
    event(log, "service.stopped", clean=clean, seconds=round(service.clock.monotonic() - started, 3))
    if not clean:
        # The worker is still inside an ingest: end the process here; the
        # store's transaction is rolled back and the item resumes at the next start.
        logging.shutdown()
        os._exit(code)
    return code


def _listen_error() -> tuple[type, ...]:
    """daemon.http.server's ListenError, when the HTTP side is installed."""
    try:
        from daemon.http.server import ListenError
    except ImportError:
        return ()
    return (ListenError,)
