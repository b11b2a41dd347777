"""The SIECLE, STS-web and timetable files of each establishment of a run
(``--sources``), with the variants of the first one, and the manifest's
record of them."""

from __future__ import annotations

import argparse
import os
import shutil

from .academie.churn import arrival_date, leaving_date
from .academie.model import Academie, Population
from .siecle.export import write_siecle
from .siecle.variants import write_siecle_variants
from .sts.export import write_sts
from .timetable.build import build_timetable
from .timetable.export import write_timetable
from .timetable.variants import write_variants

SOURCES = ("aaf", "siecle", "sts", "timetable")
# Directories of the non-AAF sources (refused when they already hold files, unless --force).
SOURCE_DIRS = ("siecle", "sts", "timetable", "variants")


def prepare_sources(o: argparse.Namespace, dates: list[str]) -> None:
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
