"""The grammar of the paths of events/personal_fields.py (design-17 §2),
read once by the sealing mapper:

- ``field``: the whole value of the event's field;
- ``field{SET}``: within the dict field, the values of the keys listed in
  the frozenset ``SET`` of events/personal_fields.py;
- ``field[]``: within the list field, each element;
- ``field[].sub``: within the list field, each element's ``sub``: the key
  of a dict element, or the index (decimal) of a list element."""

from __future__ import annotations

import re
from dataclasses import dataclass

from events import personal_fields

_PATH = re.compile(
    r"(?P<field>[a-z_][a-z0-9_]*)"
    r"(?:\{(?P<set>[A-Z][A-Z0-9_]*)\}|(?P<each>\[\])(?:\.(?P<sub>[A-Za-z0-9_]+))?)?"
)


class BadPath(ValueError):
    """A path that the grammar does not read, or that names no set."""


@dataclass(frozen=True)
class Path:
    field: str
    keys: frozenset[str] | None = None  # field{SET}: the keys whose values are sealed
    each: bool = False  # field[] / field[].sub
    sub: str | None = None  # field[].sub


def parse(path: str) -> Path:
    m = _PATH.fullmatch(path)
    if m is None:
        raise BadPath(f"{path!r} is not field, field{{SET}}, field[] or field[].sub")
    keys = None
    if m["set"] is not None:
        keys = getattr(personal_fields, m["set"], None)
        if not isinstance(keys, frozenset):
            raise BadPath(f"{path!r}: events/personal_fields.py has no frozenset {m['set']}")
    return Path(m["field"], keys, m["each"] is not None, m["sub"])
