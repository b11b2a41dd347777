"""How the generated files spell dates.

The options give ``YYYYMMDD`` (as AAF file names do), SIECLE, STS-web and
the AAF class dates write ``DD/MM/YYYY``, the timetable ISO dates.  One
spelling of each here, so that the sources agree on the same day.
"""

from __future__ import annotations

from datetime import date


def day(yyyymmdd: str) -> date:
    return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))


def french(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def iso_from_french(ddmmyyyy: str) -> str:
    d, m, y = ddmmyyyy.split("/")
    return f"{y}-{m}-{d}"
