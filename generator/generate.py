"""One run of ``entsync generate``: the académie planned, then each
establishment populated, written in every delivery and source asked for,
evolved to the second date and written again, and the manifest last."""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from .aaf.delivery import PEOPLE, Delivery
from .aaf.layout import Record
from .aaf.real_shapes import plan_unserved, real_staff, unserved_records, unserved_staff
from .aaf.records import etab_record, mef_records, population_records, subject_records
from .aaf.shape import Shape
from .aaf.versions import History, in_version
from .academie.churn import evolve
from .academie.identifiers import Ids
from .academie.model import Academie, Population
from .academie.plan import plan_academie
from .academie.population import populate
from .manifest import add_expectations, build_manifest
from .sources import Sources, prepare_sources
from .spool import Spool, dump_json

# manifest "churn" key -> attribute of academie.churn.Churn
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


def shaped(
    o: argparse.Namespace,
    acad: Academie,
    pop: Population,
    records: dict[str, list[Record]],
    history: History | None = None,
) -> tuple[dict[str, list[Record]], dict[str, list[str]] | None]:
    """The people's records in the run's shape, and the --real-shapes truth lists."""
    shape, real = Shape.of(o), None
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
    shape = Shape.of(o)
    unserved = plan_unserved(acad) if shape.real else ()
    prepare_sources(o, [o.date] + ([] if o.no_second else [o.second_date]))
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
            out1, real1 = shaped(o, acad, pop1, recs1, History.of(acad)) if aaf else (None, None)
            if first:
                first.people(pop1, recs1, out1, real1)
            sources.write(pop1, o.date)
            duplicates.items(list(pair) for pair in pop1.duplicates)
            if not o.no_second:
                pop2, ch = evolve(acad, pop1, ids, o.churn)
                if second:
                    recs2 = population_records(pop2)
                    out2, real2 = shaped(o, acad, pop2, recs2, History.of(acad, ch, o.date, o.second_date))
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
        manifest = build_manifest(o, acad, deliveries, duplicates, None if o.no_second else churn)
        if not shape.default:
            add_expectations(o, manifest, unserved, staff)
        if o.sources != ["aaf"]:
            manifest["options"]["sources"] = o.sources
            if "timetable" in o.sources:
                manifest["options"].update(edt_shape=o.edt_shape, edt_ends_on=o.edt_ends_on)
            manifest["sources"] = sources.manifest()
        with open(os.path.join(o.out, "manifest.json"), "w", encoding="utf-8") as fh:
            dump_json(manifest, fh)
            fh.write("\n")
    summary = dict(
        manifest["totals"],
        elapsed=time.perf_counter() - start,
        academie=acad.name,
        establishments=len(acad.etabs),
        persons={c: first.writers[c].counts["add"] if first else 0 for c in PEOPLE},
    )
    return summary
