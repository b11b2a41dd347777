"""The header of a timetable export: the school year, when the export was
made, the time grid.

Dates: the attributes are read as ``YYYY-MM-DD`` (the public importers parse
them as ISO dates; Index Education's exchange schema types them ``xs:date``);
``DD/MM/YYYY`` is accepted too, as the two cannot be confused. School-year
dates that cannot be read refuse the whole export (DeliveryRejected); a grid
value that is not a whole number is left empty and reported (Rejection).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from adapters.errors import DeliveryRejected, Rejection
from adapters.xmlfile import parse_date

# The root attribute that says when the export was made. formats §4 names
# none (*uncertain*): these spellings are tried in order, and the pipeline
# falls back on the file's modification time, which the exporter sets.
EXPORT_DATE_ATTRIBUTES = ("DateExport", "DateHeureExport", "DateHeure", "Date", "DateCreation")
_DIGITS = re.compile(r"^[0-9]+$")


def _a(elem, name: str) -> str:
    return (elem.get(name) or "").strip()


def school_year(elem, file: str) -> dict[str, date]:
    """The AnneeScolaire dates, by attribute name."""
    line = elem.sourceline or 0
    dates = {}
    for attr in ("DateDebut", "DateFin", "DatePremierJourSemaine1"):
        try:
            dates[attr] = parse_date(_a(elem, attr))
        except ValueError:
            raise DeliveryRejected(
                "invalid_date",
                f"AnneeScolaire/@{attr} is missing or not a date (YYYY-MM-DD or DD/MM/YYYY)",
                file,
                line,
            ) from None
    if dates["DateFin"] < dates["DateDebut"]:
        raise DeliveryRejected("invalid_date", "AnneeScolaire/@DateFin is before @DateDebut", file, line)
    return dates


def export_date(root) -> datetime | None:
    """When the export was made, from the first root attribute of
    EXPORT_DATE_ATTRIBUTES that reads as a date and time (ISO 8601 or
    ``DD/MM/YYYY[ HH:MM[:SS]]``); None when there is none."""
    for attr in EXPORT_DATE_ATTRIBUTES:
        value = _a(root, attr)
        if not value:
            continue
        for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                pass
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            continue
    return None


def read_grid(elem) -> dict:
    """The GrilleHoraire attributes as written, checked by grid_values."""
    return {
        "places_per_day": _a(elem, "NombrePlacesParJour"),
        "place_minutes": _a(elem, "DureePlace"),
        "line": elem.sourceline or 0,
    }


def grid_values(grid: dict, file: str, uai: str) -> tuple[dict[str, int | None], list[Rejection]]:
    """The header's grid fields, and the rejection of each value left empty
    for not being a whole number."""
    out: dict[str, int | None] = {}
    rejections = []
    for name, attr in (("places_per_day", "NombrePlacesParJour"), ("place_minutes", "DureePlace")):
        value = grid.get(name, "")
        if value and not _DIGITS.match(value):
            rejections.append(
                Rejection(
                    "invalid_value", file, grid["line"], uai, f"GrilleHoraire/@{attr}", "not a whole number; left empty"
                )
            )
            value = ""
        out[name] = int(value) if value else None
    return out, rejections
