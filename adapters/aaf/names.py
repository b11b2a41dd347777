"""What the name of an AAF part says (formats §1): the convention
``<PREFIX>_Complet|Delta_<YYYYMMDD>_<Category>_<NNNN>.xml``, and names off
it, read as far as they can be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

NAME_RE = re.compile(
    r"^(?P<prefix>.+?)_(?P<kind>Complet|Delta)_(?P<date>\d{8})_"
    r"(?P<category>[A-Za-z]+)_(?P<part>\d{4})\.xml$"
)
_PER_ETAB_RE = re.compile(r"^ENT_(?P<uai>\d{7}[A-Z])$")
# Names off the convention (formats §1: `FULL_<SOURCE>_…`, `.XML`, other part
# widths, a time after the date, no date at all). Only a `Complet` token makes
# a delivery complete (domain-rules §12); what comes before the kind token is
# the prefix; a part number is a short trailing number (longer runs are dates
# or times); a date is the first 8 digits of a run of 8, 12 or 14 digits.
_KIND_TOKEN_RE = re.compile(r"^(?P<prefix>.*?)(?:^|[_\-.])(?P<kind>complet|delta)(?=[_\-.]|$)", re.IGNORECASE)
_TRAILING_PART_RE = re.compile(r"[_\-.](?P<part>\d{1,5})$")
_DIGIT_RUN_RE = re.compile(r"(?<!\d)(\d{8}|\d{12}|\d{14})(?!\d)")


def establishment_of(prefix: str) -> str | None:
    """The UAI of a per-establishment delivery's prefix (``ENT_<UAI>``), else None."""
    m = _PER_ETAB_RE.match(prefix)
    return m.group("uai") if m else None


@dataclass(frozen=True)
class PartName:
    """What a part's name says: kind (``Complet``/``Delta``), date, prefix,
    category (None off the convention) and part number (None: unnumbered)."""

    kind: str
    date: str
    prefix: str
    category: str | None
    part: int | None


def four_digit_part(name: str) -> bool:
    """Whether the name ends in a four-digit part number (the convention's ``NNNN``)."""
    m = _TRAILING_PART_RE.search(name.rsplit(".", 1)[0])
    return bool(m) and len(m.group("part")) == 4


def _name_date(stem: str) -> str:
    for m in _DIGIT_RUN_RE.finditer(stem):
        try:
            day = datetime.strptime(m.group(1)[:8], "%Y%m%d")
        except ValueError:
            continue
        if 2000 <= day.year < 2200:
            return m.group(1)[:8]
    return ""


def off_convention(name: str) -> PartName:
    """What a name off the convention says (see the comment on the patterns above)."""
    stem = name[:-4] if name.lower().endswith(".xml") else name
    token = _KIND_TOKEN_RE.match(stem)
    kind = "Complet" if token and token.group("kind").lower() == "complet" else "Delta"
    part = _TRAILING_PART_RE.search(stem)
    return PartName(
        kind, _name_date(stem), token.group("prefix") if token else "", None, int(part.group("part")) if part else None
    )
