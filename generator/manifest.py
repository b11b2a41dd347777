"""``manifest.json``: the ground truth of a run (what was written, who is
where, what changed) and, for the non-default shapes, what they imply for
the tests and benchmarks."""

from __future__ import annotations

import argparse

from .aaf.delivery import REAL_LISTS
from .aaf.layout import ATTRIBUTES, CATEGORIES
from .aaf.shape import Shape
from .aaf.versions import LAYOUTS
from .academie.model import Academie
from .spool import Spool


def build_manifest(o, acad: Academie, deliveries: dict, duplicates: Spool, churn: dict | None) -> dict:
    """The manifest of a run; its spools are streamed in when it is written (``spool.dump_json``)."""
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


def add_expectations(o: argparse.Namespace, manifest: dict, unserved: tuple, staff: dict) -> None:
    """What the non-default shapes imply, for the tests and benchmarks (the default manifest has none of it)."""
    shape = Shape.of(o)
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
