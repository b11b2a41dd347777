"""Field validators shared by the STS and timetable record models: each
failure is a reason code with a message that never repeats the value."""
from __future__ import annotations

from pydantic_core import PydanticCustomError

from adapters.xmlfile import parse_date
from projections.rules import code_is_valid


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
        raise PydanticCustomError("invalid_code", "class or group code breaks the rules (≤ 8 letters, digits, space, - or _)")
    return v
