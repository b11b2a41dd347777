"""Configuration: one TOML file plus environment overrides, validated at
startup with errors that name the key. Only this module reads the environment."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from projections.policy import Policy

DEFAULT_STORE = "sqlite:///entsync.db"


class ConfigError(Exception):
    """The configuration is unreadable or invalid; the message names the key."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str = Field(DEFAULT_STORE, description="sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
    policy: Policy = Field(default_factory=Policy)


def load(config_file: str | None = None, store: str | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings from ``--config``/ENTSYNC_CONFIG, then ENTSYNC_STORE, then ``--store``."""
    env = os.environ if environ is None else environ
    path = config_file or env.get("ENTSYNC_CONFIG")
    data: dict = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}") from None
    if env.get("ENTSYNC_STORE"):
        data["store"] = env["ENTSYNC_STORE"]
    if store:
        data["store"] = store
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration{f' in {path}' if path else ''}: {problems}") from None
