"""Pieces of SQL text the queries share: IN (...) lists in chunks, the
WHERE of a listing restricted to some establishments, and prefixes typed by
an operator matched as characters. Written once, for SQLite and PostgreSQL
alike (``?`` placeholders, projections/db.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

# Values bound in one IN (...) at most: well under SQLite's and PostgreSQL's limits.
CHUNK = 500


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    """``items`` in slices of ``size``, for queries with an IN (...) list."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ``column LIKE ? ESCAPE '\'`` with ``starting_with(key)``: a key typed by an
# operator is a prefix, its % and _ are characters, not wildcards.
LIKE_PREFIX = "LIKE ? ESCAPE '\\'"


def starting_with(key: str) -> str:
    """The LIKE pattern of the values that start with ``key`` (see LIKE_PREFIX)."""
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def placeholders(chunk: Sequence[object]) -> str:
    """``?,?,…`` for the values of one IN (...) list."""
    return ",".join("?" * len(chunk))


def scoped(uai: str | None, scope: frozenset[str] | None, column: str = "uai") -> tuple[str, list]:
    """`` WHERE …`` and its parameters for a listing of a table with a UAI
    column: one establishment asked for, and the establishments an API caller
    covers (events/access.py; None: all). An empty scope lists nothing."""
    where, params = [], []
    if uai:
        where.append(f"{column} = ?")
        params.append(uai)
    if scope is not None:
        covered = sorted(scope) or [""]  # no UAI is ''
        where.append(f"{column} IN ({placeholders(covered)})")
        params.extend(covered)
    return (" WHERE " + " AND ".join(where) if where else ""), params
