"""One AAF delivery of a run: the part writers of its six categories and
the ground-truth lists the manifest records of it."""

from __future__ import annotations

import argparse
import os
import random

from ..academie.model import Academie, Population
from ..spool import Spool
from .layout import ATTRIBUTES, CATEGORIES, Record
from .records import diff, population_records
from .shape import Shape, file_stem, header
from .versions import LAYOUTS, in_version
from .writer import PartWriter

PEOPLE = ("Eleve", "PersRelEleve", "PersEducNat")
CHILDREN = ATTRIBUTES["PersRelEleve"].index("ENTAuxPersRelEleveEleve")
# Ground-truth lists of a complete delivery that only --real-shapes writes.
REAL_LISTS = ("teachers_presence_n", "staff_without_functions", "mlle", "unserved_structure_teachers")


class Delivery:
    """The six category writers of one delivery and its ground-truth lists."""

    def __init__(self, o: argparse.Namespace, kind: str, date: str, spool_dir: str, acad: Academie):
        self.kind, self.date = kind, date
        self.name = f"{date}-{kind.lower()}"
        self.dir = os.path.join(o.out, "aaf", self.name)
        _prepare_dir(self.dir, o.force)
        self.writers = {}
        shape = Shape.of(o)
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
