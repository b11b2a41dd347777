"""The variants of one establishment's exports and what ``entsync ingest``
is expected to answer for each (domain-rules §7 for timetables and STS-web,
formats §2 and domain-rules §11 for SIECLE): a moderate change applied
automatically, every rejection a file can cause, and one variant per change
threshold (``threshold-<name>``).  The edits that make them are in
``timetable/variants.py``, ``sts/edt_sts.py`` and ``siecle/variants.py``.

The manifest records, per variant:

- ``source``: timetable | sts | siecle (which pipeline receives it);
- ``stage``: ``parser`` when the reader refuses the file or sets a record
  aside (``parser`` names the reader), ``pipeline`` when the import decides;
- ``outcome``: ``rejected`` or ``applied``; ``reason``: the import's reason
  code, empty when applied (``record_reason``: the reader's code for the
  records it set aside). A timetable import applies what it can and lists
  the rest (domain-rules §12): records set aside reject an automated import
  only above ``timetable.edits.SET_ASIDE_LIMIT`` % of a kind
  (``too_many_set_aside``); ``set_aside``: the generator's count of them per
  kind, (set aside, read);
- ``needs``: ``base`` when the base must have been applied first (validated,
  for a timetable's first import of the year), else empty;
- ``thresholds``: for ``threshold_exceeded``, the thresholds the import goes
  over (exactly those for the ``threshold-<name>`` variants, which also carry
  ``liftable``, ``expected``: the pipeline's counts per threshold, and
  ``totals``: the base's, which the shares are taken of).

The readers are named as text, never imported: the tests check the
generator and the parsers one against the other.
"""

from __future__ import annotations

from .timetable.threshold_edits import DETAILS
from .timetable.thresholds import DEFAULT_TIMETABLE_THRESHOLDS

READ_EDT = "adapters.timetable.parser.read_edt"
READ_STS = "adapters.sts.parser.read_sts"
READ_ELEVES = "adapters.siecle.read_eleves"


def _v(source: str, stage: str, outcome: str, reason: str, detail: str, needs: str = "", **extra) -> dict:
    return {
        "source": source,
        "stage": stage,
        "outcome": outcome,
        "reason": reason,
        "needs": needs,
        **extra,
        "detail": detail,
    }


VARIANTS = {
    # timetable (Index Education ExportEmploiDuTemps)
    "moderate-change": _v(
        "timetable",
        "pipeline",
        "applied",
        "",
        "3 courses cancelled, 2 moved to a free slot, one class service given to another "
        "teacher: under every threshold, applied without an operator",
        "base",
    ),
    "duplicate": _v(
        "timetable",
        "pipeline",
        "rejected",
        "duplicate_file",
        "byte-identical copy of the base export under another file name",
        "base",
    ),
    "too-many-changes": _v(
        "timetable",
        "pipeline",
        "rejected",
        "threshold_exceeded",
        "about 65 % of the courses removed and about 80 % of the services reassigned; "
        "'thresholds' are exceeded at least (compared with the base)",
        "base",
        thresholds=["sessions_removed", "services_modified"],
    ),
    "structure-deleted": _v(
        "timetable",
        "pipeline",
        "rejected",
        "threshold_exceeded",
        "a class holding courses removed (its students moved to another class): the "
        "structure-protection threshold, never liftable",
        "base",
        thresholds=["structures_deleted_with_sessions"],
    ),
    "end-date-late": _v(
        "timetable",
        "pipeline",
        "rejected",
        "end_date_after_15_july",
        "AnneeScolaire/@DateFin is 20 July: the reader takes it, the pipeline refuses it on an "
        "automated import (the first import of a year would list it and wait for validation)",
        "base",
    ),
    "unknown-uai": _v(
        "timetable",
        "pipeline",
        "rejected",
        "unknown_uai",
        "a UAI with a valid check letter that is no establishment of the académie",
    ),
    "bad-code": _v(
        "timetable",
        "parser",
        "applied",
        "",
        "a group name of 9 characters (a class name when there is no group): the reader sets the "
        "group aside with its courses, the import applies the rest and lists it under the classes "
        "and groups not imported",
        "base",
        parser=READ_EDT,
        record_reason="invalid_code",
    ),
    "invalid-record": _v(
        "timetable",
        "parser",
        "applied",
        "",
        "a course naming a teacher ident the export does not declare: the reader sets that "
        "course aside (well under 20 % of the courses), the import applies the rest",
        "base",
        parser=READ_EDT,
        record_reason="unknown_reference",
    ),
    "too-many-set-aside": _v(
        "timetable",
        "pipeline",
        "rejected",
        "too_many_set_aside",
        '30 % of the courses (subject-only ones not counted) written Jour="9": the reader '
        "sets them aside, and an automated import with more than 20 % of its courses not "
        "imported is rejected whole",
        "base",
        parser=READ_EDT,
        record_reason="invalid_value",
    ),
    "malformed": _v(
        "timetable",
        "parser",
        "rejected",
        "malformed_xml",
        "the export cut in the middle (not well-formed XML)",
        parser=READ_EDT,
    ),
    # STS-web
    "edt-sts": _v(
        "sts",
        "parser",
        "rejected",
        "edt_sts_instead_of_sts",
        "root EDT_STS (the timetable-to-STS file); read_edt refuses it as unknown_format",
        parser=READ_STS,
    ),
    # SIECLE (BEE_ELEVES)
    "siecle-duplicate": _v(
        "siecle",
        "pipeline",
        "rejected",
        "duplicate_file",
        "byte-identical copy of the base students export under another file name",
        "base",
    ),
    "siecle-older-export": _v(
        "siecle",
        "pipeline",
        "rejected",
        "older_export",
        "the base students export dated a week earlier (DATE_EXPORT, HORODATAGE)",
        "base",
    ),
    "siecle-malformed": _v(
        "siecle",
        "parser",
        "rejected",
        "malformed_xml",
        "the students export cut in the middle (not well-formed XML)",
        parser=READ_ELEVES,
    ),
    "siecle-invalid-uai": _v(
        "siecle", "parser", "rejected", "invalid_uai", "PARAMETRES/UAJ with a wrong check letter", parser=READ_ELEVES
    ),
    "siecle-invalid-header": _v(
        "siecle",
        "parser",
        "rejected",
        "invalid_header",
        "PARAMETRES/DATE_EXPORT written YYYY-MM-DD instead of DD/MM/YYYY",
        parser=READ_ELEVES,
    ),
    "siecle-missing-parametres": _v(
        "siecle",
        "parser",
        "rejected",
        "missing_parametres",
        "no PARAMETRES block: the establishment is unknown",
        parser=READ_ELEVES,
    ),
    "siecle-entity-declaration": _v(
        "siecle", "parser", "rejected", "entity_declaration", "a DOCTYPE declaring an XML entity", parser=READ_ELEVES
    ),
}
# One timetable variant per change threshold, over that one only (timetable/threshold_edits.py).
VARIANTS.update(
    {
        f"threshold-{name}": _v(
            "timetable",
            "pipeline",
            "rejected",
            "threshold_exceeded",
            DETAILS[name],
            "base",
            thresholds=[name],
            liftable=liftable,
        )
        for name, (_, _, liftable) in DEFAULT_TIMETABLE_THRESHOLDS.items()
    }
)
