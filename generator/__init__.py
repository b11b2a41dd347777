"""Deterministic synthetic académie writing the files every source sends.

An independent check of the parsers: it imports nothing of the rest of the
project and uses the standard library only (an import-linter contract and
``tests/unit/test_generator_shapes.py`` hold it to that).

- ``academie/``: the seeded model (establishments, people, churn);
- ``aaf/``: the AAF deliveries, streamed, in every shape real files come in
  (format versions, file names, staff mix, unserved structures);
- ``siecle/``, ``sts/``, ``timetable/``: the SIECLE, STS-web and timetable
  exports of the same académie, with their variants
  (``variant_outcomes.py``: what ``entsync ingest`` is expected to answer);
- ``generate.py``: one run; ``sources.py``: the non-AAF files of a run;
  ``manifest.py`` and ``spool.py``: the ground truth, ``manifest.json``;
- ``cli.py``: the ``entsync generate`` command (also ``python -m generator``).
"""

from .cli import run

__all__ = ["run"]
