"""Configuration: one TOML file plus environment overrides, validated at
startup with errors that name the key. Only this module reads the environment."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from events.policy import Policy

DEFAULT_STORE = "sqlite:///entsync.db"
DEFAULT_INBOX = "./inbox"
DEFAULT_LISTEN = "127.0.0.1:9464"
_LISTEN_RE = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.\-]+)):(?P<port>\d{1,5})")
# Top-level keys an ENTSYNC_<KEY> environment variable overrides (ENTSYNC_STORE included).
ENV_KEYS = (
    "store",
    "inbox",
    "listen",
    "quiet_seconds",
    "poll_seconds",
    "log_format",
    "tick_recheck_seconds",
    "overdue_check_seconds",
    "catch_up_seconds",
    "shutdown_timeout_seconds",
    "kafka_bootstrap",
    "outbound_topic",
    "consume_deliveries",
    "deliveries_topic",
    "consumer_group",
    "consumer_rebalance_ms",
    "stall_seconds",
)


class ConfigError(Exception):
    """The configuration is unreadable or invalid; the message names the key."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str = Field(DEFAULT_STORE, description="sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
    policy: Policy = Field(default_factory=Policy)
    # The service (`entsync run`, daemon/service/run.py); each key has an ENTSYNC_<KEY> override.
    inbox: str = Field(DEFAULT_INBOX, min_length=1, description="directory watched for deliveries")
    listen: str = Field(DEFAULT_LISTEN, description="HOST:PORT of the metrics and API server (loopback by default)")
    quiet_seconds: float = Field(
        30, ge=0, description="an inbox item is ready once unchanged this long (or marked done)"
    )
    poll_seconds: float = Field(1, gt=0, le=60, description="how often the inbox is looked at")
    log_format: Literal["text", "json"] = Field("text", description="text, or json: one JSON object a line")
    tick_recheck_seconds: float = Field(300, gt=0, description="safety re-check of the next due transition")
    overdue_check_seconds: float = Field(300, gt=0, description="how often overdue creations are looked for")
    catch_up_seconds: float = Field(10, gt=0, description="projection catch-up interval")
    stall_seconds: float = Field(
        900, gt=0, description="/healthz answers 503 (stalled) when the inbox worker has held one item longer than this"
    )
    shutdown_timeout_seconds: float = Field(
        60,
        ge=0,
        description="SIGTERM: how long the current unit of work may take to finish before it is left to resume",
    )
    # Domain events published to Kafka for downstream ENT services (daemon/kafka/outbound.py); off when unset.
    kafka_bootstrap: str | None = Field(None, description="HOST:PORT[,HOST:PORT] of the Kafka brokers")
    outbound_topic: str = Field("entsync.events", min_length=1, description="topic of the published domain events")
    # The distributed ingest (daemon/kafka/ingest.py): consume the deliveries topic in a consumer group.
    consume_deliveries: bool = Field(False, description="with kafka_bootstrap: consume the deliveries topic")
    deliveries_topic: str = Field("entsync.deliveries", min_length=1, description="topic entsync publish sends to")
    consumer_group: str = Field("entsync", min_length=1, description="the daemons' consumer group")
    consumer_rebalance_ms: int | None = Field(
        None, gt=0, description="session timeout and max poll interval of the group member (default: the client's)"
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        listen_address(value)
        return value


def listen_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) as (host, port)."""
    m = _LISTEN_RE.fullmatch(value.strip())
    if not m:
        raise ValueError(f"expected HOST:PORT (e.g. {DEFAULT_LISTEN}), got {value!r}")
    host, port = m.group("v6") or m.group("host"), int(m.group("port"))
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is not between 0 and 65535")
    return host, port


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective configuration without secrets (the store password)."""
    data = settings.model_dump(mode="json")
    parts = urlsplit(data["store"])
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        data["store"] = urlunsplit(parts._replace(netloc=netloc))
    return data


def load(
    config_file: str | None = None,
    store: str | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, object] | None = None,
) -> Settings:
    """Settings from ``--config``/ENTSYNC_CONFIG, then the ENTSYNC_<KEY>
    variables (ENTSYNC_STORE, ENTSYNC_INBOX, ENTSYNC_LISTEN…), then the
    command line (``--store``, and ``overrides`` given by ``entsync run``)."""
    env = os.environ if environ is None else environ
    path = config_file or env.get("ENTSYNC_CONFIG")
    data: dict[str, Any] = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:  # its reason, without Python's "[Errno 2] …: 'PATH'"
            raise ConfigError(f"config file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"config file {path}: not UTF-8 text (a TOML file is)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path}: {exc}") from None
    origin: dict[str, str] = {}  # key → the environment variable it came from
    for key in ENV_KEYS:
        name = f"ENTSYNC_{key.upper()}"
        if env.get(name):
            data[key] = env[name]
            origin[key] = name
    if store:
        data["store"] = store
        origin.pop("store", None)
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
            origin.pop(key, None)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:

        def where(loc: tuple[int | str, ...]) -> str:
            key = ".".join(str(p) for p in loc)
            return f"{key} (from {origin[key]})" if key in origin else key

        problems = "; ".join(f"{where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration{f' in {path}' if path else ''}: {problems}") from None
