"""Deterministic synthetic académie writing AAF XML deliveries.

An independent check of the AAF parsers: it imports nothing from the rest of
the project and uses the standard library only.  ``academie`` is the seeded
model, ``aaf_writer`` the streaming XML writer, ``shapes`` the other shapes
real AAF files come in (format versions, file names, staff mix, unserved
structures), ``sources`` the SIECLE, STS-web and timetable writers (same
académie), ``cli`` the ``entsync generate`` command (also ``python -m
generator``).
"""

from .cli import run

__all__ = ["run"]
