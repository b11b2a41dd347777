"""``entsync generate OUT [options]``: write a synthetic académie as AAF deliveries.

Writes ``OUT/aaf/<date>-complet``, and unless ``--no-second`` the same
académie after churn as ``OUT/aaf/<second>-delta`` and
``OUT/aaf/<second>-complet``, plus ``OUT/manifest.json`` (the ground truth).
One establishment is in memory at a time; the manifest's long lists are
spooled to disk and streamed into the JSON at the end.

``--sources`` adds, for the same persons, ids, classes and groups (see
``siecle/``, ``sts/`` and ``timetable/``):
``OUT/siecle/<date>/<UAI>/ElevesSansAdresses.xml`` and
``ResponsablesAvecAdresses.xml``, ``OUT/sts/<date>/sts_emp_<UAI>_<year>.xml``,
``OUT/timetable/<date>/export_edt_<UAI>.xml`` and, for the first
establishment, the SIECLE, STS-web and timetable variants under
``OUT/variants/<UAI>/<name>/`` (``variant_outcomes.py``: each with the
outcome and reason code ``entsync ingest`` is expected to give); the
manifest records them under ``sources`` (and under
``sources.variants_skipped`` a threshold variant the establishment is too
small for, with why).  The default is ``aaf`` alone, so that the AAF-only
output (files and manifest) stays as it was.  ``--edt-shape`` (current |
legacy: older Index exports, teachers without IDSTS nor birth date) and
``--edt-ends-on MM-DD`` (the timetable's ``DateFin``, default 07-04; real
exports end on 08-31) shape the timetable exports; the manifest records them
under ``options`` whenever it holds timetables.

``--format-version``, ``--names`` and ``--real-shapes`` write the AAF files in
the other shapes real deliveries have (``aaf/``); the manifest then
records them under ``options`` and what they imply under ``expectations``
(and the unserved structures under ``unserved_structures``).  With their
defaults, files and manifest are as before, byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from .aaf.layout import ENCODINGS
from .aaf.shape import NAME_STYLES, Shape
from .aaf.versions import DEFAULT_VERSION, VERSIONS
from .generate import generate
from .sources import SOURCES
from .timetable.build import DEFAULT_ENDS_ON
from .timetable.model import EDT_SHAPES


def _date(text: str) -> str:
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYYMMDD date: {text!r}") from None
    return text


def _sources(text: str) -> list[str]:
    names = SOURCES if text.strip() == "all" else [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in SOURCES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown source(s) {unknown}; choose among {','.join(SOURCES)} or all")
    return [n for n in SOURCES if n in names]


def _month_day(text: str) -> str:
    try:
        datetime.strptime(f"2000-{text}", "%Y-%m-%d")  # a leap year: 02-29 is a day (of some years)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a MM-DD day: {text!r}") from None
    if len(text) != 5:
        raise argparse.ArgumentTypeError(f"not a MM-DD day: {text!r} (two digits each)")
    return text


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


class _Parser(argparse.ArgumentParser):
    """A usage error in one line, as entsync's own (daemon/cli/parser.py);
    argparse's exit code 2, which ``entsync generate`` makes 1."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"entsync: error: generate: {message} (see `entsync generate --help`)\n")


DESCRIPTION = """\
Write a synthetic académie, deterministic for a seed: the AAF complete
delivery, then (unless --no-second) a delta and a complete delivery after
churn, and with --sources the SIECLE, STS-web and timetable exports of the
same persons with the variants of the rentrée walkthrough; OUT/manifest.json
is the ground truth the tests compare with. Test data only: names, dates and
ids are invented."""

EXITS = """\
exit codes:
  0  written
  1  an error (a usage error, a directory that cannot be written)
  2  files already there: nothing written (--force overwrites them)"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``entsync generate``."""
    p = _Parser(
        prog="entsync generate",
        description=DESCRIPTION,
        epilog=EXITS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", metavar="OUT", help="output directory")
    p.add_argument("--students", type=_positive, default=2000, help="students in the first delivery (default 2000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--part-size", type=_positive, default=5000, help="max records per part file (default 5000)")
    p.add_argument("--date", type=_date, default="20260818", help="first delivery date YYYYMMDD")
    p.add_argument("--second-date", type=_date, default="20261105", help="second delivery date YYYYMMDD")
    p.add_argument("--prefix", default="ENTACAD", help="file name prefix (default ENTACAD)")
    p.add_argument(
        "--encoding",
        choices=sorted(ENCODINGS),
        default="iso-8859-1",
        help="XML encoding (iso-8859-1 files get CRLF line ends)",
    )
    p.add_argument(
        "--shuffle-attributes", action="store_true", help="shuffle attribute order inside records (same content)"
    )
    p.add_argument("--churn", type=float, default=0.05, help="fraction of students leaving/arriving/moving")
    p.add_argument("--no-second", action="store_true", help="write the first complete delivery only")
    p.add_argument("--school-year", type=int, default=2026, help="first calendar year of the school year")
    p.add_argument("--force", action="store_true", help="overwrite XML files already in the delivery directories")
    p.add_argument(
        "--sources",
        type=_sources,
        default=["aaf"],
        help="comma-separated sources to write among aaf,siecle,sts,timetable (or 'all'); default aaf",
    )
    p.add_argument(
        "--format-version",
        choices=VERSIONS,
        default=DEFAULT_VERSION,
        help="AAF format version of the files: VE1301 (no INE, no teacher category, older relation "
        "attributes), VE1803 (default) or VE2407 (header comments, $-compound structure names, "
        "class dates, no teacher category)",
    )
    p.add_argument(
        "--names",
        choices=NAME_STYLES,
        default=NAME_STYLES[0],
        help="file names: conventional <prefix>_Complet_… (default), full-source "
        "FULL_<prefix>_Complet_… (deltas keep <prefix>_Delta_…), ent-no-uai ENT_Complet_…, "
        "ent2dva ENT2DVA-ENT16_Complet_…",
    )
    p.add_argument(
        "--real-shapes",
        action="store_true",
        help="staff as in real files (presence N for half of the teachers, no function for a third of "
        "the other staff, Mlle) plus a replacement zone failing the UAI check letter and a "
        "1st-degree school, each with teachers attached only to it",
    )
    p.add_argument(
        "--edt-shape",
        choices=sorted(EDT_SHAPES),
        default="current",
        help="timetable exports as current Index Education exports write them (default: teachers with "
        "IDSTS and birth date) or as older ones (legacy: teachers with Ident, Nom, Prenom and IdPN "
        f"only, root Version {EDT_SHAPES['legacy']})",
    )
    p.add_argument(
        "--edt-ends-on",
        type=_month_day,
        default=DEFAULT_ENDS_ON,
        metavar="MM-DD",
        help=f"the timetable's end of the school year, AnneeScolaire/@DateFin (default {DEFAULT_ENDS_ON}; "
        "08-31 as real exports, which the 15-July rule refuses on automated imports)",
    )
    return p


def run(argv: list[str] | None = None) -> int:
    """Entry point of ``entsync generate`` and ``python -m generator``; returns the exit code."""
    p = build_parser()
    o = p.parse_args(argv)
    if not 0 <= o.churn < 1:
        p.error("--churn must be in [0, 1)")
    if not o.no_second and o.second_date <= o.date:
        p.error("--second-date must be after --date")
    if not o.prefix or not all(c.isalnum() or c in "-." for c in o.prefix):
        p.error("--prefix must be letters, digits, '-' or '.'")
    try:
        datetime.strptime(f"{o.school_year + 1}-{o.edt_ends_on}", "%Y-%m-%d")
    except ValueError:
        p.error(f"--edt-ends-on {o.edt_ends_on}: no such day in {o.school_year + 1}")
    try:
        s = generate(o)
    except FileExistsError as exc:
        print(f"entsync: error: generate: {exc}", file=sys.stderr)
        return 2
    except (OverflowError, ValueError) as exc:  # académie too large for the identifier formats
        print(f"entsync: error: generate: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # OUT cannot be written: a file on the way, no permission
        print(f"entsync: error: generate: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    people = s["persons"]
    print(
        f"generated académie {s['academie']} seed={o.seed}: {s['establishments']} establishments, "
        f"{people['Eleve']} students, {people['PersRelEleve']} guardians, {people['PersEducNat']} staff "
        f"(first delivery); {s['deliveries']} deliveries, {s['files']} files, {s['records']} records, "
        f"{s['bytes'] / 1e6:.1f} MB in {s['elapsed']:.2f} s"
        + (f"; sources {','.join(o.sources)}" if o.sources != ["aaf"] else "")
        + (
            ""
            if Shape.of(o).default
            else f"; shape {o.format_version} names={o.names}" + (" real-shapes" if o.real_shapes else "")
        )
    )
    return 0
