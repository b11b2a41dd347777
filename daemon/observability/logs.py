"""Structured logs of the service: one event name and fields a line, as text
or as JSON lines (``log_format``).

No personal data (domain-rules §11): the service logs ids, file names, reason
codes and counts. Exception messages are never written, since an adapter's
message may quote a value: a failure is logged with its exception type and
the frames it passed through, not with ``str(exc)``.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import datetime, timezone
from typing import IO, Any

FIELDS = "fields"  # the LogRecord attribute that carries an event's fields


def event(logger: logging.Logger, name: str, level: int = logging.INFO, exc_info: Any = None, **fields: Any) -> None:
    """Log the event ``name`` (a dotted code, e.g. ``inbox.processed``) with ``fields``."""
    logger.log(level, name, extra={FIELDS: fields}, exc_info=exc_info)


def safe_exception(exc_info: Any) -> dict[str, Any]:
    """The type of an exception and where it was raised, without its message."""
    if exc_info is True:
        exc_info = sys.exc_info()
    etype, value, tb = exc_info
    if etype is None:
        return {}
    frames = [f"{'/'.join(f.filename.rsplit('/', 2)[-2:])}:{f.lineno}:{f.name}" for f in traceback.extract_tb(tb)][-8:]
    return {
        "exc_type": f"{etype.__module__}.{etype.__qualname__}"
        if etype.__module__ != "builtins"
        else etype.__qualname__,
        "exc_frames": frames,
    }


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = dict(getattr(record, FIELDS, None) or {})
    if record.exc_info:
        fields.update(safe_exception(record.exc_info))
    return fields


def _event(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a third-party record with mismatched arguments
        return str(record.msg)


def _ts(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "event", "fields"}``, one object a line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": _ts(record),
                "level": record.levelname.lower(),
                "logger": record.name,
                "event": _event(record),
                "fields": _fields(record),
            },
            ensure_ascii=False,
            default=str,
            separators=(",", ":"),
        )


class TextFormatter(logging.Formatter):
    """``TS LEVEL logger event key=value …``"""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(
            f"{k}={json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, str) or ' ' in v else v}"
            for k, v in _fields(record).items()
        )
        return f"{_ts(record)} {record.levelname:<7} {record.name} {_event(record)}" + (f" {pairs}" if pairs else "")


def configure(log_format: str, stream: IO[str] | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send every log record of the process to ``stream`` (stderr) in ``log_format``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler says "Running job …" at INFO for every run: keep its warnings only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler
