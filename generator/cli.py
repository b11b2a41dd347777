"""``entsync generate OUT [options]``: write a synthetic académie as AAF deliveries.

Writes ``OUT/aaf/<date>-complet``, and unless ``--no-second`` the same
académie after churn as ``OUT/aaf/<second>-delta`` and
``OUT/aaf/<second>-complet``, plus ``OUT/manifest.json`` (the ground truth).
One establishment is in memory at a time; the manifest's long lists are
spooled to disk and streamed into the JSON at the end.

``--sources`` adds, for the same persons, ids, classes and groups (see
``sources.py``): ``OUT/siecle/<date>/<UAI>/ElevesSansAdresses.xml`` and
``ResponsablesAvecAdresses.xml``, ``OUT/sts/<date>/sts_emp_<UAI>_<year>.xml``,
``OUT/timetable/<date>/export_edt_<UAI>.xml`` and, for the first
establishment, the SIECLE, STS-web and timetable variants under
``OUT/variants/<UAI>/<name>/`` (``variants.py``: each with the outcome and
reason code ``entsync ingest`` is expected to give); the manifest records
them under ``sources`` (and under ``sources.variants_skipped`` a threshold
variant the establishment is too small for, with why).  The default is ``aaf`` alone, so
that the AAF-only output (files and manifest) stays as it was.  ``--edt-shape``
(current | legacy: older Index exports, teachers without IDSTS nor birth date)
and ``--edt-ends-on MM-DD`` (the timetable's ``DateFin``, default 07-04; real
exports end on 08-31) shape the timetable exports; the manifest records them
under ``options`` whenever it holds timetables.

``--format-version``, ``--names`` and ``--real-shapes`` write the AAF files in
the other shapes real deliveries have (``shapes.py``); the manifest then
records them under ``options`` and what they imply under ``expectations``
(and the unserved structures under ``unserved_structures``).  With their
defaults, files and manifest are as before, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime

from .aaf.layout import ATTRIBUTES, CATEGORIES, ENCODINGS, Record
from .aaf.real_shapes import plan_unserved, real_staff, unserved_records, unserved_staff
from .aaf.records import diff, etab_record, mef_records, population_records, subject_records
from .aaf.shape import NAME_STYLES, Shape, file_stem, header
from .aaf.versions import DEFAULT_VERSION, LAYOUTS, VERSIONS, History, in_version
from .aaf.writer import PartWriter
from .academie.churn import arrival_date, evolve, leaving_date
from .academie.identifiers import Ids
from .academie.model import Academie, Population
from .academie.plan import plan_academie
from .academie.population import populate
from .siecle.export import write_siecle
from .siecle.variants import write_siecle_variants
from .sts.export import write_sts
from .timetable.build import DEFAULT_ENDS_ON, build_timetable
from .timetable.export import write_timetable
from .timetable.model import EDT_SHAPES
from .timetable.variants import write_variants

PEOPLE = ("Eleve", "PersRelEleve", "PersEducNat")
SOURCES = ("aaf", "siecle", "sts", "timetable")
# Directories of the non-AAF sources (refused when they already hold files, unless --force).
SOURCE_DIRS = ("siecle", "sts", "timetable", "variants")
CHILDREN = ATTRIBUTES["PersRelEleve"].index("ENTAuxPersRelEleveEleve")
# Ground-truth lists of a complete delivery that only --real-shapes writes.
REAL_LISTS = ("teachers_presence_n", "staff_without_functions", "mlle", "unserved_structure_teachers")
# manifest "churn" key -> attribute of academie.Churn
CHURN_LISTS = {
    "students_left": "left",
    "students_arrived": "arrived",
    "class_changes": "class_changes",
    "duplicates_removed": "duplicates_removed",
    "teachers_left": "teachers_left",
    "teachers_arrived": "teachers_arrived",
    "guardians_left": "guardians_left",
    "guardians_arrived": "guardians_arrived",
    "guardians_renamed": "guardians_renamed",
}


class Spool:
    """A JSON list kept on disk, one item per line, so memory does not grow with the académie."""

    def __init__(self, directory: str, name: str):
        self.path = os.path.join(directory, f"{name}.jsonl")
        self.fh = open(self.path, "w", encoding="utf-8")
        self.count = 0

    def ids(self, idents) -> None:
        """Append identifiers (digit strings: no JSON escaping needed)."""
        idents = list(idents)
        self.fh.write("".join(f'"{i}"\n' for i in idents))
        self.count += len(idents)

    def items(self, items) -> None:
        """Append arbitrary JSON-serialisable items."""
        for item in items:
            self.fh.write(json.dumps(item, ensure_ascii=False) + "\n")
            self.count += 1

    def dump(self, out) -> None:
        self.fh.close()
        out.write("[")
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                out.write((", " if n else "") + line.rstrip("\n"))
        out.write("]")


def _dump(obj, out, indent: int = 0) -> None:
    """``json.dump`` with :class:`Spool` values streamed in place."""
    pad = "  " * (indent + 1)
    if isinstance(obj, Spool):
        obj.dump(out)
    elif isinstance(obj, dict):
        out.write("{")
        for n, (k, v) in enumerate(obj.items()):
            out.write(("," if n else "") + f"\n{pad}{json.dumps(k)}: ")
            _dump(v, out, indent + 1)
        out.write(f"\n{'  ' * indent}}}" if obj else "}")
    else:
        out.write(json.dumps(obj, ensure_ascii=False))


class Delivery:
    """The six category writers of one delivery and its ground-truth lists."""

    def __init__(self, o: argparse.Namespace, kind: str, date: str, spool_dir: str, acad: Academie):
        self.kind, self.date = kind, date
        self.name = f"{date}-{kind.lower()}"
        self.dir = os.path.join(o.out, "aaf", self.name)
        _prepare_dir(self.dir, o.force)
        self.writers = {}
        shape = _shape(o)
        head = header(shape.version, acad, date)
        for cat in CATEGORIES:
            # The shuffle stream depends on the seed only, never on --date or --part-size.
            shuffle = random.Random(f"{o.seed}:shuffle:{kind}:{cat}") if o.shuffle_attributes else None
            self.writers[cat] = PartWriter(
                self.dir,
                file_stem(shape.names, o.prefix, kind, date, cat),
                cat,
                o.part_size,
                o.encoding,
                shuffle,
                names=LAYOUTS[shape.version][cat],
                header=head,
                empty_item=shape.empty_item,
            )

        def spool(what: str) -> Spool:
            return Spool(spool_dir, f"{self.name}.{what}")

        if kind == "Complet":
            self.truth = {
                "jointures": {c: spool(c) for c in CATEGORIES},
                "teachers": spool("teachers"),
                "shared_guardians": spool("shared"),
                "couple_guardians": spool("couples"),
                "multi_establishment_teachers": spool("multi"),
            }
            if shape.real:
                self.truth.update({k: spool(k) for k in REAL_LISTS})
        else:
            self.truth = {op: {c: spool(f"{op}.{c}") for c in CATEGORIES} for op in ("added", "modified", "deleted")}

    def complete(self, cat: str, records: list[Record]) -> None:
        w = self.writers[cat]
        for ident, values in records:
            w.add(ident, values)
        self.truth["jointures"][cat].ids(ident for ident, _ in records)

    def people(
        self,
        pop: Population,
        records: dict[str, list[Record]],
        written: dict[str, list[Record]] | None = None,
        real: dict[str, list[str]] | None = None,
    ) -> None:
        """Write ``written`` (the delivery's shape of ``records``, default layout) and record the truth."""
        for cat in PEOPLE:
            self.complete(cat, (written or records)[cat])
        t = self.truth
        for key, jointures in (real or {}).items():
            t[key].ids(jointures)
        t["teachers"].ids(p.jointure for p in pop.staff if p.functions[0][1] == "ENS")
        t["multi_establishment_teachers"].ids(p.jointure for p in pop.staff if len({f[0] for f in p.functions}) > 1)
        t["couple_guardians"].ids(pop.couples)
        t["shared_guardians"].ids(ident for ident, v in records["PersRelEleve"] if len(v[CHILDREN]) > 1)

    def unserved(self, o: argparse.Namespace, acad: Academie, staff: list) -> None:
        """The teachers attached only to structures the ENT does not serve (--real-shapes)."""
        records = population_records(Population(acad.etabs[0], [], [], staff))["PersEducNat"]
        self.complete("PersEducNat", in_version(o.format_version, "PersEducNat", records))
        self.truth["unserved_structure_teachers"].ids(p.jointure for p in staff)
        self.truth["teachers_presence_n"].ids(p.jointure for p in staff if p.presence == "N")

    def delta(self, cat: str, old: list[Record], new: list[Record]) -> None:
        ops = list(diff(old, new))
        self.writers[cat].write_ops(ops)
        for op, key in (("add", "added"), ("modify", "modified"), ("delete", "deleted")):
            self.truth[key][cat].ids(ident for o, ident, _ in ops if o == op)

    def close(self) -> dict:
        for w in self.writers.values():
            w.close()
        return {
            "kind": self.kind.lower(),
            "date": self.date,
            "path": f"aaf/{self.name}",
            "files": {c: w.parts for c, w in self.writers.items()},
            "records": {c: dict(w.counts) for c, w in self.writers.items()},
            "bytes": sum(w.bytes for w in self.writers.values()),
            **self.truth,
        }


def _prepare_dir(path: str, force: bool) -> None:
    """Create a delivery directory; stale parts would break part numbering, so refuse them."""
    os.makedirs(path, exist_ok=True)
    stale = [f for f in os.listdir(path) if f.endswith(".xml")]
    if stale and not force:
        raise FileExistsError(f"{path} already holds {len(stale)} XML files (use --force)")
    for f in stale:
        os.remove(os.path.join(path, f))


def _prepare_sources(o: argparse.Namespace, dates: list[str]) -> None:
    """Refuse (or, with --force, clear) earlier outputs of the non-AAF sources for these dates."""
    targets = [os.path.join(o.out, src, d) for src in SOURCE_DIRS[:3] if src in o.sources for d in dates]
    if "timetable" in o.sources or "siecle" in o.sources:
        targets.append(os.path.join(o.out, "variants"))
    stale = [t for t in targets if os.path.isdir(t) and any(files for _, _, files in os.walk(t))]
    if stale and not o.force:
        raise FileExistsError(f"{stale[0]} already holds files (use --force)")
    for t in stale:
        shutil.rmtree(t)


class Sources:
    """The SIECLE, STS and timetable files of each establishment, and the manifest's record of them."""

    def __init__(self, o: argparse.Namespace, acad: Academie):
        self.o, self.acad = o, acad
        self.paths: dict[str, dict[str, dict]] = {s: {} for s in SOURCES[1:] if s in o.sources}
        self.variants: list[dict] = []
        self.skipped: list[dict] = []  # threshold variants an establishment is too small for

    def _at(self, source: str, date: str) -> dict:
        return self.paths[source].setdefault(date, {})

    def write(self, pop: Population, date: str, churn=None, before: Population | None = None) -> None:
        o, acad, etab = self.o, self.acad, pop.etab
        # Variants: of the first establishment's latest exports.
        variants = etab.index == 0 and date == (o.date if o.no_second else o.second_date)
        if "siecle" in o.sources:
            leavers, arrivals, extra = [], {}, []
            if churn is not None:
                gone = set(churn.left)
                leavers = [(s, leaving_date(s.jointure, o.date, date)) for s in before.students if s.jointure in gone]
                arrivals = {j: arrival_date(j, o.date, date, acad.school_year) for j in churn.arrived}
                present = {g.jointure for g in pop.guardians}
                wanted = {r[0] for s, _ in leavers for r in s.rels}
                extra = [g for g in before.guardians if g.jointure in wanted and g.jointure not in present]
            paths = self._at("siecle", date)[etab.uai] = write_siecle(o.out, acad, pop, date, leavers, arrivals, extra)
            if variants:
                self.variants += write_siecle_variants(o.out, pop, date, paths["eleves"])
        if "sts" in o.sources:
            self._at("sts", date)[etab.uai] = write_sts(o.out, acad, pop, date)
        if "timetable" in o.sources:
            t = build_timetable(acad, pop, churn, date, o.date, ends_on=o.edt_ends_on, shape=o.edt_shape)
            path = self._at("timetable", date)[etab.uai] = write_timetable(o.out, t, date)
            if variants:
                self.variants += write_variants(o.out, acad, pop, t, path, self.skipped)

    def manifest(self) -> dict:
        return {
            **self.paths,
            **({"variants": self.variants} if self.variants else {}),
            **({"variants_skipped": self.skipped} if self.skipped else {}),
        }


def _shape(o: argparse.Namespace) -> Shape:
    return Shape(o.format_version, o.names, o.real_shapes)


def _shaped(
    o: argparse.Namespace,
    acad: Academie,
    pop: Population,
    records: dict[str, list[Record]],
    history: History | None = None,
) -> tuple[dict[str, list[Record]], dict[str, list[str]] | None]:
    """The people's records in the run's shape, and the --real-shapes truth lists."""
    shape, real = _shape(o), None
    if shape.default:
        return records, None
    records = dict(records)
    if shape.real:
        records["PersEducNat"], real = real_staff(o.seed, pop, records["PersEducNat"])
    return {cat: in_version(shape.version, cat, recs, o.seed, history) for cat, recs in records.items()}, real


def generate(o: argparse.Namespace) -> dict:
    """Write the deliveries and the manifest; return the manifest's summary counts."""
    start = time.perf_counter()
    acad = plan_academie(o.seed, o.students, o.school_year)
    ids = Ids(o.seed)
    os.makedirs(o.out, exist_ok=True)
    aaf = "aaf" in o.sources
    shape = _shape(o)
    unserved = plan_unserved(acad) if shape.real else ()
    _prepare_sources(o, [o.date] + ([] if o.no_second else [o.second_date]))
    sources = Sources(o, acad)
    with tempfile.TemporaryDirectory(prefix=".manifest-", dir=o.out) as tmp:
        first = Delivery(o, "Complet", o.date, tmp, acad) if aaf else None
        second = (
            []
            if o.no_second or not aaf
            else [Delivery(o, "Delta", o.second_date, tmp, acad), Delivery(o, "Complet", o.second_date, tmp, acad)]
        )
        churn = {k: Spool(tmp, f"churn.{k}") for k in CHURN_LISTS}
        duplicates = Spool(tmp, "duplicates")
        static = {
            "EtabEducNat": [etab_record(acad, e) for e in acad.etabs] + unserved_records(acad, unserved),
            "MatiereEducNat": subject_records(),
            "MefEducNat": mef_records(acad),
        }
        static = {cat: in_version(shape.version, cat, recs) for cat, recs in static.items()}
        for cat, records in static.items():
            if first:
                first.complete(cat, records)
            if second:
                second[0].delta(cat, records, records)
                second[1].complete(cat, records)
        for etab in acad.etabs:
            pop1 = populate(acad, etab, ids)
            recs1 = population_records(pop1) if aaf else None
            out1, real1 = _shaped(o, acad, pop1, recs1, History.of(acad)) if aaf else (None, None)
            if first:
                first.people(pop1, recs1, out1, real1)
            sources.write(pop1, o.date)
            duplicates.items(list(pair) for pair in pop1.duplicates)
            if not o.no_second:
                pop2, ch = evolve(acad, pop1, ids, o.churn)
                if second:
                    recs2 = population_records(pop2)
                    out2, real2 = _shaped(o, acad, pop2, recs2, History.of(acad, ch, o.date, o.second_date))
                    for cat in PEOPLE:
                        second[0].delta(cat, out1[cat], out2[cat])
                    second[1].people(pop2, recs2, out2, real2)
                sources.write(pop2, o.second_date, ch, pop1)
                for key, attr in CHURN_LISTS.items():
                    if key == "class_changes":
                        churn[key].items([j, etab.sj, old, new] for j, old, new in ch.class_changes)
                    else:
                        churn[key].ids(getattr(ch, attr))
        staff = {}
        if unserved and first:
            # After every establishment: their ids come after everybody else's, who keep theirs.
            staff = unserved_staff(acad, ids, unserved)
            for complete in (first, *second[1:]):
                complete.unserved(o, acad, [p for u in unserved for p in staff[u.sj]])
        deliveries = {d.name: d.close() for d in ([first, *second] if first else [])}
        manifest = _manifest(o, acad, deliveries, duplicates, None if o.no_second else churn)
        if not shape.default:
            _expectations(o, manifest, unserved, staff)
        if o.sources != ["aaf"]:
            manifest["options"]["sources"] = o.sources
            if "timetable" in o.sources:
                manifest["options"].update(edt_shape=o.edt_shape, edt_ends_on=o.edt_ends_on)
            manifest["sources"] = sources.manifest()
        with open(os.path.join(o.out, "manifest.json"), "w", encoding="utf-8") as fh:
            _dump(manifest, fh)
            fh.write("\n")
    summary = dict(
        manifest["totals"],
        elapsed=time.perf_counter() - start,
        academie=acad.name,
        establishments=len(acad.etabs),
        persons={c: first.writers[c].counts["add"] if first else 0 for c in PEOPLE},
    )
    return summary


def _manifest(o, acad: Academie, deliveries: dict, duplicates: Spool, churn: dict | None) -> dict:
    files = sum(sum(d["files"].values()) for d in deliveries.values())
    records = sum(sum(sum(c.values()) for c in d["records"].values()) for d in deliveries.values())
    return {
        # The manifest's own name for its producer, kept when the package left adapters/ (issue 11):
        # moving a module changes no output of `entsync generate`.
        "generator": "adapters.generator",
        "schema_version": 1,
        "seed": o.seed,
        "academie": acad.name,
        "school_year": o.school_year,
        "sizes": {"students": o.students, "part_size": o.part_size, "churn": o.churn},
        "options": {
            "prefix": o.prefix,
            "encoding": o.encoding,
            "shuffle_attributes": o.shuffle_attributes,
            "second": not o.no_second,
        },
        "dates": {"first": o.date, "second": None if o.no_second else o.second_date},
        "establishments": [
            {
                "sj": e.sj,
                "uai": e.uai,
                "kind": e.kind,
                "type": e.type_struct,
                "contract": e.contract,
                "students": e.n_students,
                "classes": [d.code for d in e.divisions],
                "groups": [g.code for g in e.groups],
            }
            for e in acad.etabs
        ],
        "deliveries": deliveries,
        "duplicates": duplicates,
        "churn": churn,
        "totals": {
            "deliveries": len(deliveries),
            "files": files,
            "records": records,
            "bytes": sum(d["bytes"] for d in deliveries.values()),
        },
    }


def _expectations(o: argparse.Namespace, manifest: dict, unserved: tuple, staff: dict) -> None:
    """What the non-default shapes imply, for the tests and benchmarks (the default manifest has none of it)."""
    shape = _shape(o)
    manifest["options"].update(format_version=shape.version, names=shape.names, real_shapes=shape.real)
    layout = LAYOUTS[shape.version]
    if unserved:
        manifest["unserved_structures"] = [
            {
                "kind": u.kind,
                "sj": u.sj,
                "uai": u.uai,
                "name": u.name,
                "type": u.type_struct,
                "uai_valid": u.uai_valid,
                "teachers": [p.jointure for p in staff.get(u.sj, ())],
            }
            for u in unserved
        ]
    counts = {}
    for name, d in manifest["deliveries"].items():
        if d["kind"] == "complet":
            counts[name] = {"teachers": d["teachers"].count, **{k: d[k].count for k in REAL_LISTS if k in d}}
    manifest["expectations"] = {
        "format_version": f"AAF-{shape.version}",
        # attributes every addRequest of the category carries, and those of VE1803 it lacks
        "attributes": {cat: list(layout[cat]) for cat in CATEGORIES},
        "absent": {cat: [n for n in ATTRIBUTES[cat] if n not in layout[cat]] for cat in CATEGORIES},
        # structures of the delivery the ENT does not serve, and those whose UAI fails the check letter
        "unserved_structures": len(unserved),
        "structures_failing_check_letter": sum(not u.uai_valid for u in unserved),
        # per complete delivery: teachers (ENS, served establishments), and with --real-shapes the
        # teachers/documentalists with presence N (still teachers), the staff without any function (not
        # teachers), the Mlle, and the teachers attached only to unserved structures
        "deliveries": counts,
    }


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``entsync generate``."""
    p = argparse.ArgumentParser(
        prog="entsync generate", description="Write a synthetic académie as AAF XML deliveries (deterministic)."
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
        print(f"entsync generate: {exc}", file=sys.stderr)
        return 2
    except (OverflowError, ValueError) as exc:  # académie too large for the identifier formats
        print(f"entsync generate: {exc}", file=sys.stderr)
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
            if _shape(o).default
            else f"; shape {o.format_version} names={o.names}" + (" real-shapes" if o.real_shapes else "")
        )
    )
    return 0
