"""Errors and rejections that adapters report: a reason code an operator (and a
metric) can act on, and where it happened — file, line, record, field — never
the value of a personal field (domain-rules §11)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejection:
    """One record set aside, with where and why."""

    reason: str
    file: str
    line: int
    record_id: str
    field: str
    message: str

    def describe(self) -> str:
        where = f"{self.file}:{self.line}"
        rec = f" record {self.record_id}" if self.record_id else ""
        fld = f" field {self.field}" if self.field else ""
        return f"{where}{rec}{fld}: {self.reason}: {self.message}"


@dataclass(frozen=True)
class SetAside:
    """One field of a record set aside (domain-rules §12, an implausible
    value): the record is kept without that field."""

    reason: str
    file: str
    line: int
    record_id: str
    field: str
    message: str

    def describe(self) -> str:
        rec = f" record {self.record_id}" if self.record_id else ""
        return f"{self.file}:{self.line}{rec} field {self.field}: {self.reason}: {self.message}"


def describe_all(rejections: list[Rejection], limit: int = 20, more: str = "") -> list[str]:
    """One line per rejected record, at most ``limit``, then how many more
    (and ``more``: where to see them)."""
    lines = ["rejected: " + r.describe() for r in rejections[:limit]]
    if len(rejections) > limit:
        lines.append(f"… {len(rejections) - limit} more rejected records{more}")
    return lines


class DeliveryRejected(Exception):
    """The whole delivery is refused before anything is applied."""

    def __init__(self, reason: str, message: str, file: str = "", line: int = 0):
        super().__init__(f"{reason}: {file + (f':{line}' if line else '') + ': ' if file else ''}{message}")
        self.reason = reason
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self):  # crosses process boundaries (parallel reading of parts)
        return type(self), (self.reason, self.message, self.file, self.line)
