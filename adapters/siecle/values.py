"""Reading BEE values (formats §2 and the general rules at its top): trimmed
text, ``DD/MM/YYYY`` dates with ``31/12/9999`` for "no end", flags, names
judged for implausible values (domain-rules §12), and the collector of
record rejections and set-aside fields that never copies a value into a
message (domain-rules §11)."""

from __future__ import annotations

from datetime import date, datetime

from adapters.errors import Rejection, SetAside
from adapters.plausibility import MESSAGES, name_problem
from adapters.xmlfile import plain_text

NO_END = date(9999, 12, 31)  # BEE "no end" date
_DATE = "%d/%m/%Y"
_STAMPS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
_TRUE = frozenset({"1", "true", "o", "oui", "y", "yes"})


def text(elem) -> str:
    """An element's text, trimmed (older exports pad fixed-width values);
    ``""`` for a missing element."""
    return "" if elem is None else (elem.text or "").strip()


def fields(elem) -> dict[str, str]:
    """Trimmed text of an element's direct children by tag; the first one wins
    when a tag repeats."""
    out: dict[str, str] = {}
    for child in elem:
        if isinstance(child.tag, str) and child.tag not in out:
            out[child.tag] = plain_text(child)  # never a value cut at an entity or a tag
    return out


def parse_date(value: str) -> date | None:
    """``DD/MM/YYYY`` → date; ``""`` → None. Raises ValueError otherwise."""
    return datetime.strptime(value, _DATE).date() if value else None


def parse_end(value: str) -> date | None:
    """An end date: like parse_date, and ``31/12/9999`` → None (no end)."""
    d = parse_date(value)
    return None if d == NO_END else d


def parse_stamp(value: str) -> datetime | None:
    """``HORODATAGE`` (``DD/MM/YYYY HH:MM:SS``, seconds tolerated missing)."""
    if not value:
        return None
    for fmt in _STAMPS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            pass
    raise ValueError("not DD/MM/YYYY HH:MM:SS")


def parse_flag(value: str) -> bool:
    """BEE booleans appear as ``1``/``0``, ``true``/``false`` and, in older
    files, ``O``/``N``; anything else (empty included) is false."""
    return value.lower() in _TRUE


def name_check(elem, tag: str, value: str) -> str | None:
    """The reason a name field is set aside (domain-rules §12), or None:
    ``value`` is its trimmed text; a field typed as blanks only is
    ``name_blank``, an empty or absent one is no name at all (None)."""
    if value:
        return name_problem(value)
    child = elem.find(tag)
    return name_problem("") if child is not None and child.text else None


class Rejections:
    """Record rejections of one file, reported in line order, and the fields
    of kept records set aside (domain-rules §12)."""

    def __init__(self, file: str):
        self.file = file
        self._items: list[Rejection] = []
        self._set_aside: list[SetAside] = []

    def add(self, reason: str, line: int, record_id: str, field: str, message: str) -> None:
        self._items.append(Rejection(reason, self.file, line, record_id, field, message))

    def set_aside(self, reason: str, line: int, record_id: str, field: str) -> None:
        self._set_aside.append(SetAside(reason, self.file, line, record_id, field, MESSAGES[reason]))

    def sorted(self) -> tuple[Rejection, ...]:
        return tuple(sorted(self._items, key=lambda r: (r.line, r.record_id, r.field, r.reason)))

    def sorted_set_aside(self, rejected: set[str]) -> tuple[SetAside, ...]:
        """Set-asides in line order, without those of the records ``rejected``."""
        kept = [s for s in self._set_aside if s.record_id not in rejected]
        return tuple(sorted(kept, key=lambda s: (s.line, s.record_id, s.field, s.reason)))
