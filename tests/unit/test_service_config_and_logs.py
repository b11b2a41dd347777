"""The service's configuration keys (daemon/config.py) and log lines
(daemon/observability/logs.py)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from daemon import config
from daemon.observability.logs import JsonFormatter, TextFormatter, event


def test_service_defaults():
    s = config.load(environ={})
    assert (s.inbox, s.listen, s.quiet_seconds, s.log_format) == ("./inbox", "127.0.0.1:9464", 30, "text")


def test_file_then_environment_then_command_line(tmp_path):
    f = tmp_path / "entsync.toml"
    f.write_text('inbox = "/srv/inbox"\nlisten = "0.0.0.0:9000"\nquiet_seconds = 5\nlog_format = "json"\n')
    s = config.load(str(f), environ={})
    assert (s.inbox, s.listen, s.quiet_seconds, s.log_format) == ("/srv/inbox", "0.0.0.0:9000", 5, "json")
    s = config.load(str(f), environ={"ENTSYNC_INBOX": "/env/inbox", "ENTSYNC_QUIET_SECONDS": "2.5"})
    assert (s.inbox, s.quiet_seconds) == ("/env/inbox", 2.5)
    s = config.load(str(f), environ={"ENTSYNC_INBOX": "/env/inbox"}, overrides={"inbox": "/cli", "listen": None})
    assert (s.inbox, s.listen) == ("/cli", "0.0.0.0:9000")


@pytest.mark.parametrize(
    "environ, named",
    [
        ({"ENTSYNC_LISTEN": "9464"}, "listen (from ENTSYNC_LISTEN)"),
        ({"ENTSYNC_LISTEN": "127.0.0.1:70000"}, "listen (from ENTSYNC_LISTEN)"),
        ({"ENTSYNC_QUIET_SECONDS": "-1"}, "quiet_seconds (from ENTSYNC_QUIET_SECONDS)"),
        ({"ENTSYNC_LOG_FORMAT": "xml"}, "log_format (from ENTSYNC_LOG_FORMAT)"),
    ],
)
def test_errors_name_the_key_and_where_it_came_from(environ, named):
    with pytest.raises(config.ConfigError, match=named.replace("(", r"\(").replace(")", r"\)")):
        config.load(environ=environ)


def test_errors_in_the_file_name_the_key(tmp_path):
    f = tmp_path / "entsync.toml"
    f.write_text('listen = "everywhere"\n[policy]\ncreation_delay_hours = -1\n')
    with pytest.raises(config.ConfigError) as err:
        config.load(str(f), environ={})
    assert "listen:" in str(err.value) and "policy.creation_delay_hours:" in str(err.value)


@pytest.mark.parametrize(
    "listen, address",
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("localhost:0", ("localhost", 0)),
        ("[::1]:9464", ("::1", 9464)),
    ],
)
def test_listen_addresses(listen, address):
    assert config.listen_address(listen) == address


def test_the_effective_configuration_hides_the_store_password():
    s = config.load(store="postgresql://entsync:s3cret@db.example:5432/entsync", environ={})
    shown = json.dumps(config.redacted(s))
    assert "s3cret" not in shown and "postgresql://entsync:***@db.example:5432/entsync" in shown


def _record(logger: str = "entsync.inbox") -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger(logger)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log, stream, handler


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_log_lines_carry_the_event_and_fields_never_an_exception_message(formatter):
    log, stream, handler = _record()
    handler.setFormatter(formatter)
    try:
        try:
            raise ValueError("Dupont Marie 12/03/2011")  # an adapter may quote a value
        except ValueError:
            event(log, "inbox.failed", logging.ERROR, exc_info=True, item="eleves.xml", count=3)
    finally:
        log.removeHandler(handler)
    line = stream.getvalue()
    assert "Dupont" not in line and "12/03/2011" not in line
    assert "inbox.failed" in line and "eleves.xml" in line and "ValueError" in line
    if isinstance(formatter, JsonFormatter):
        data = json.loads(line)
        assert set(data) == {"ts", "level", "logger", "event", "fields"}
        assert data["event"] == "inbox.failed" and data["level"] == "error" and data["logger"] == "entsync.inbox"
        assert data["fields"]["item"] == "eleves.xml" and data["fields"]["count"] == 3
        assert data["fields"]["exc_type"] == "ValueError" and data["fields"]["exc_frames"]
