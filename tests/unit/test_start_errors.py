"""Errors an operator meets when starting entsync, each one line (issue
18, point 9): a usage error exits 1 (2 means rejected or held), a busy listen
port names the port and the setting instead of an AttributeError."""

from __future__ import annotations

import pytest


def test_a_usage_error_exits_1_not_2_which_means_rejected(capsys):
    from daemon.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "entsync: error:" in err and "Traceback" not in err


def test_a_busy_listen_port_is_a_clear_error_not_an_attribute_error():
    import socket

    from daemon.http.server import ListenError, serve
    from daemon.observability.metrics import Metrics

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        with pytest.raises(ListenError, match=f"cannot listen on 127.0.0.1:{port} .*ENTSYNC_LISTEN"):
            serve(f"127.0.0.1:{port}", Metrics(), lambda: None, lambda: True)
    finally:
        holder.close()
