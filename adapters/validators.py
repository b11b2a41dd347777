"""Field validators shared by the readers: the shape of a UAI and of a
division or group code (domain-rules §2), and the pydantic validators of the
STS and timetable record models, each failure a reason code with a message
that never repeats the value."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

from adapters.xmlfile import parse_date

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# ASCII only: \d and $ would accept other digits and a trailing newline.
_UAI_RE = re.compile(r"[0-9]{7}[A-Z]", re.ASCII)
_CODE_RE = re.compile(r"[A-Za-z0-9 _-]{1,8}", re.ASCII)


def uai_is_valid(uai: str) -> bool:
    """True when ``uai`` is 7 digits and the right check letter (domain-rules §2)."""
    if not _UAI_RE.fullmatch(uai):
        return False
    return UAI_LETTERS[int(uai[:7]) % 23] == uai[7]


def code_is_valid(code: str) -> bool:
    """Division and group codes: ≤ 8 characters, letters, digits, space, - and _
    (domain-rules §2). A longer code is rejected, never truncated."""
    return bool(_CODE_RE.fullmatch(code))


def optional_date(v: object) -> object:
    """'' → None; YYYY-MM-DD (or DD/MM/YYYY) → date."""
    if isinstance(v, str):
        if not v:
            return None
        try:
            return parse_date(v)
        except ValueError:
            raise PydanticCustomError("invalid_date", "date is not YYYY-MM-DD (nor DD/MM/YYYY)") from None
    return v


def structure_code(v: str) -> str:
    """A division or group code (domain-rules §2)."""
    if not code_is_valid(v):
        raise PydanticCustomError(
            "invalid_code", "class or group code breaks the rules (≤ 8 letters, digits, space, - or _)"
        )
    return v
