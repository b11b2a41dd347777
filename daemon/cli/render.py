"""How ``entsync`` shows what a command answers (issue 12), for every command:
with ``--json`` the data itself (a contract for scripts: times in ISO 8601
with their offset), else text for people — a record as one ``key: value`` a
line, nested lists and mappings indented under their key, a listing as a
table (rich's on a terminal, plain aligned columns in a pipe, so that grep,
awk and the tests read the same text), and every time in the configured zone
in one style, ``2026-09-01 08:00:00 CEST``. Nothing of Python's own notation
(``None``, ``[]``, ``{'key': …}``) reaches the operator."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any, TextIO
from zoneinfo import ZoneInfo

# What a missing value (None, "", an empty list) shows, and a listing without rows.
NOTHING = "-"
DEFAULT_ZONE = "Europe/Paris"  # policy.timezone's default
NO_ROWS = "(none)"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S %Z"
# A whole value that is a time with its offset (as the stores and the use cases
# write them): shown in the configured zone. Dates alone stay as they are.
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)")
# A time inside a sentence (a use case's message, an error): the same, and
# only with a T and an offset, so that nothing else is taken for one.
_TIME_IN_TEXT = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)")
INDENT = "  "


def json_value(value: object) -> object:
    """What JSON cannot hold, as scripts read it: times in ISO 8601 with their
    offset, sets as sorted lists, anything else as its text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


class Output:
    """Where a command's answer goes: ``show`` prints it, as JSON or as the
    text the command composed with ``record``, ``table`` and ``time``.

    ``rich`` (default: stdout is a terminal) draws tables with rich; off a
    terminal they are plain text."""

    def __init__(
        self, as_json: bool = False, zone: str = DEFAULT_ZONE, stream: TextIO | None = None, rich: bool | None = None
    ) -> None:
        self.as_json = as_json
        self.zone = ZoneInfo(zone)
        self.stream = stream
        self._rich = rich

    @property
    def out(self) -> TextIO:
        return self.stream or sys.stdout  # looked up when used: tests replace sys.stdout

    @property
    def rich(self) -> bool:
        if self._rich is None:
            self._rich = self.out.isatty()
        return self._rich

    def show(self, data: object, text: str | None = None) -> None:
        """``data`` as JSON with ``--json``, else ``text`` (nothing if None)."""
        if self.as_json:
            # One write: json.dump writes each token on its own (a listing of
            # a few thousand accounts is hundreds of thousands of writes).
            self.out.write(json.dumps(data, ensure_ascii=False, indent=2, default=json_value) + "\n")
        elif text is not None:
            self.out.write(self.times_in(text) + "\n")

    # ------------------------------------------------------------------ values

    def time(self, value: datetime | str | None) -> str:
        """A time as people read it: in the configured zone, to the second,
        with the zone's abbreviation; a naive time is taken as UTC (the
        stores' own)."""
        if value is None or value == "":
            return NOTHING
        if isinstance(value, str):
            try:
                at = datetime.fromisoformat(value)
            except ValueError:
                return value
        else:
            at = value
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return at.astimezone(self.zone).strftime(TIME_FORMAT)

    def times_in(self, text: str) -> str:
        """``text`` with the times written in it (ISO 8601, as the use cases
        and the store write them) in the one style."""
        return _TIME_IN_TEXT.sub(lambda m: self.time(m.group(0)), text)

    def value(self, value: object, sep: str = ", ") -> str:
        """One value on one line: a time in the one style, a list joined by
        ``sep``, a mapping as ``key value`` pairs, nothing as ``-``."""
        if value is None or value == "":
            return NOTHING
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime):
            return self.time(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            return self.time(value) if _ISO_TIME.fullmatch(value) else value
        if isinstance(value, Mapping):
            return sep.join(f"{k} {self.value(v, sep)}" for k, v in value.items()) or NOTHING
        if isinstance(value, list | tuple | set | frozenset):
            return sep.join(self.value(v, sep) for v in value) or NOTHING
        return str(value)

    # ------------------------------------------------------------------ records

    def record(self, data: Mapping[str, Any], skip: Iterable[str] = ()) -> str:
        """One ``key: value`` a line; a nested mapping indented under its key,
        a list of mappings as an indented table."""
        return "\n".join(self._record_lines(data, set(skip), ""))

    def _record_lines(self, data: Mapping[str, Any], skip: set[str], indent: str) -> list[str]:
        lines: list[str] = []
        for key, value in data.items():
            if key in skip:
                continue
            if isinstance(value, Mapping) and value:
                lines.append(f"{indent}{key}:")
                lines += self._record_lines(value, set(), indent + INDENT)
            elif _is_rows(value):
                lines.append(f"{indent}{key}:")
                lines.append(self.table(value, _columns(value), indent=len(indent) + len(INDENT)))
            else:
                lines.append(f"{indent}{key}: {self.value(value)}")
        return lines

    # ------------------------------------------------------------------ tables

    def table(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str], indent: int = 0) -> str:
        """``rows`` under a header of ``columns``; ``(none)`` without rows."""
        if not rows:
            return " " * indent + NO_ROWS
        cells = [[self.value(r.get(c), sep=",").replace("\n", " ") for c in columns] for r in rows]
        if self.rich:
            return self._rich_table(columns, cells, indent)
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        lines = [list(columns), *cells]
        return "\n".join(
            (" " * indent + "  ".join(v.ljust(w) for v, w in zip(line, widths))).rstrip() for line in lines
        )

    def _rich_table(self, columns: Sequence[str], cells: list[list[str]], indent: int) -> str:
        """Bold header over a rule, columns as wide as their widest value: a
        table wider than the terminal is left to wrap as plain text would
        rather than have rich fold ids, logins and times inside their cells."""
        from rich import box
        from rich.console import Console
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
        for c in columns:
            table.add_column(Text(c), no_wrap=True)
        for row in cells:
            table.add_row(*(Text(v) for v in row))  # Text: a cell's brackets are not rich markup
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        natural = indent + sum(widths) + 3 * len(columns)
        console = Console(file=self.out)
        console = Console(file=self.out, width=max(console.width, natural))
        with console.capture() as captured:
            console.print(Padding(table, (0, 0, 0, indent), expand=False))
        return "\n".join(line.rstrip() for line in captured.get().rstrip("\n").split("\n"))

    # ------------------------------------------------------------------ progress

    def progress(self, name: str, done: int, total: int) -> None:
        """How far a long command has read, on stderr."""
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}% {name[:50]:<50}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _is_rows(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of ``rows``, in the order they first appear."""
    return list(dict.fromkeys(k for r in rows for k in r))
