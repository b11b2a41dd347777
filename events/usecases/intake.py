"""Which use case imports a file, from what the adapters recognised in it
(adapters/sniff.py): the one routing table the command line (``entsync
ingest``) and the inbox share, so that a file is never imported one way by
hand and another way by the service."""

from __future__ import annotations

from typing import Literal

from adapters.timetable.files import KINDS as TIMETABLE_KINDS

Intake = Literal["aaf", "siecle", "timetable"]

INTAKE_OF_KIND: dict[str, Intake] = {
    "aaf": "aaf",
    "siecle-eleves": "siecle",
    "siecle-responsables": "siecle",
    **{kind: "timetable" for kind in TIMETABLE_KINDS},  # STS-web exports go through the timetable import too
}


def intake_of(kind: str) -> Intake | None:
    """The use case that imports a file of this kind: ``aaf``
    (events/usecases/aaf_ingest.py), ``siecle`` (siecle_import.py) or
    ``timetable`` (timetable_receive.py, STS-web included); None for what is
    not imported (events/usecases/formats.py answers it: SIECLE's
    nomenclatures, the encrypted timetable envelope, an unknown or missing
    file)."""
    return INTAKE_OF_KIND.get(kind)
