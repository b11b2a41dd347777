"""Implausible values (domain-rules §12): a birth date in the future or
before 1900, a name of thousands of characters, control or invisible
characters, a name of whitespace only. The *field* is set aside with one of
these reason codes; the record is rejected only when no usable name remains
(``NO_USABLE_NAME``). Pure functions of the value and an explicit reference
day, shared by the AAF and SIECLE adapters; messages never hold the value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# A name longer than this, counted in NFC code points (a decomposed "é" is
# one character), is not a name. The longest names of real exports are under
# a hundred characters; "thousands of characters" is the defect.
NAME_MAX_LENGTH = 200
EARLIEST_BIRTH = date(1900, 1, 1)

BIRTH_IN_FUTURE = "birth_date_in_future"
BIRTH_BEFORE_1900 = "birth_date_before_1900"
NAME_BLANK = "name_blank"
NAME_TOO_LONG = "name_too_long"
NAME_CONTROL = "name_control_characters"
NAME_INVISIBLE = "name_invisible_characters"
NO_USABLE_NAME = "no_usable_name"

MESSAGES = {
    BIRTH_IN_FUTURE: "birth date is after the day of the export; the date is set aside",
    BIRTH_BEFORE_1900: "birth date is before 1900; the date is set aside",
    NAME_BLANK: "name holds only whitespace; the name is set aside",
    NAME_TOO_LONG: f"name is longer than {NAME_MAX_LENGTH} characters; the name is set aside",
    NAME_CONTROL: "name holds control characters (tab, line break…); the name is set aside",
    NAME_INVISIBLE: "name holds invisible characters (zero-width, formatting marks); the name is set aside",
    NO_USABLE_NAME: "no usable name remains (family name and first name set aside): no account can be made",
}

# Cc, and the line and paragraph separators (Zl, Zp): a line break inside a name.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def name_problem(value: str) -> str | None:
    """Why the name ``value`` cannot be used, or None (domain-rules §12).
    An empty string is blank: the caller decides whether the field was
    typed as blanks or left empty (an empty required field is a fiche
    incomplète, domain-rules §5)."""
    if not value.strip():
        return NAME_BLANK
    length = len(value) if value.isascii() else len(unicodedata.normalize("NFC", value))
    if length > NAME_MAX_LENGTH:
        return NAME_TOO_LONG
    if _CONTROL.search(value):
        return NAME_CONTROL
    if not value.isascii() and any(unicodedata.category(c) == "Cf" for c in value if c > "\x7f"):
        return NAME_INVISIBLE
    return None


def birth_problem(born: date, reference: date | None) -> str | None:
    """Why the birth date ``born`` cannot be used, or None (domain-rules §12):
    before 1900, or after ``reference`` — the day the source exported the
    record (see ``reference_day``). Without a reference only the lower bound
    is judged."""
    if born < EARLIEST_BIRTH:
        return BIRTH_BEFORE_1900
    if reference is not None and born > reference:
        return BIRTH_IN_FUTURE
    return None


def reference_day(exported_on: date | None, effective_day: date) -> date:
    """The day a birth date may not be after: the export's own date (a file
    cannot know of a birth after it was written), never later than the
    effective day of the ingest (an export dated in the future proves
    nothing), the effective day when the export names no date."""
    return effective_day if exported_on is None else min(exported_on, effective_day)


__all__ = [
    "NAME_MAX_LENGTH",
    "EARLIEST_BIRTH",
    "BIRTH_IN_FUTURE",
    "BIRTH_BEFORE_1900",
    "NAME_BLANK",
    "NAME_TOO_LONG",
    "NAME_CONTROL",
    "NAME_INVISIBLE",
    "NO_USABLE_NAME",
    "MESSAGES",
    "name_problem",
    "birth_problem",
    "reference_day",
]
