"""The timetable and STS-web variants of one establishment's latest
timetable export (the *base*), written under ``variants/<UAI>/<name>/``
with the manifest's record of each (``variant_outcomes.VARIANTS``)."""

from __future__ import annotations

import os
import random
from dataclasses import replace
from datetime import date

from ..academie.identifiers import uai_check_letter
from ..academie.model import Academie, Population
from ..sts.edt_sts import edt_sts_xml
from ..variant_outcomes import VARIANTS
from ..xml_files import ISO_8859_15, UTF_8, write_bytes, write_xml
from .edits import bad_code, invalid_record, moderate_change, structure_deleted, too_many_changes, too_many_set_aside
from .export import edt_name, edt_xml
from .model import Timetable
from .threshold_edits import Unreachable, threshold_variant
from .thresholds import DEFAULT_TIMETABLE_THRESHOLDS


def unknown_uai(acad: Academie) -> str:
    """A UAI with a valid check letter that no establishment of the académie has."""
    taken = {e.uai for e in acad.etabs}
    n = int(acad.etabs[0].uai[:7])
    while True:
        n = (n + 1) % 10_000_000
        uai = f"{n:07d}{uai_check_letter(f'{n:07d}')}"
        if uai not in taken:
            return uai


def write_variants(
    out: str, acad: Academie, pop: Population, t: Timetable, base_path: str, skipped: list[dict] | None = None
) -> list[dict]:
    """The timetable and STS-web variants of ``t`` (the latest normal export,
    at ``base_path``) for its establishment. A threshold variant this base is
    too small for is not written: it goes to ``skipped``, with why."""
    uai = t.uai
    root = os.path.join("variants", uai)
    made: list[dict] = []

    late = t.end > date(t.start.year + 1, 7, 15)  # --edt-ends-on after 15 July: the base itself ends late

    def record(name: str, rel: str, **extra) -> None:
        entry = {"name": name, "uai": uai, "path": rel, "base": base_path, **VARIANTS[name], **extra}
        if entry["source"] == "timetable" and entry["needs"] == "base":
            if late and entry["reason"] != "duplicate_file":
                # An automated import of a year ending after 15 July is refused before anything else is read.
                entry.update(
                    outcome="rejected",
                    reason="end_date_after_15_july",
                    stage="pipeline",
                    detail=entry["detail"] + f"; the base ends on {t.end.isoformat()}, after 15 July, so "
                    "this automated import is rejected for its end of year first",
                )
            if t.shape == "legacy":
                # No IDSTS nor birth date: what is expected holds once the base's teachers were matched by hand.
                entry["hand_matches"] = "teachers"
        made.append(entry)

    def edt(name: str, variant: Timetable, **extra) -> None:
        rel = os.path.join(root, name, edt_name(variant.uai))
        write_xml(os.path.join(out, rel), edt_xml(variant), UTF_8)
        record(name, rel, **extra)

    def rng(name: str) -> random.Random:
        return random.Random(f"{acad.seed}:variants:{name}")

    base = open(os.path.join(out, base_path), "rb").read()
    variant, extra = moderate_change(t, rng("moderate-change"))
    edt("moderate-change", variant, **extra)
    rel = os.path.join(root, "duplicate", f"export_edt_{uai}_copie.xml")
    write_bytes(out, rel, base)
    record("duplicate", rel)
    # The stream name predates the other variants: kept so that this file's bytes do not change.
    variant, extra = too_many_changes(t, random.Random(f"{acad.seed}:variants"))
    edt("too-many-changes", variant, **extra)
    variant, extra = structure_deleted(t)
    edt("structure-deleted", variant, **extra)
    edt("end-date-late", replace(t, end=date(t.start.year + 1, 7, 20)))
    variant, extra = too_many_set_aside(t, rng("too-many-set-aside"))
    edt("too-many-set-aside", variant, **extra)
    other_uai = unknown_uai(acad)
    edt("unknown-uai", replace(t, uai=other_uai), variant_uai=other_uai)
    variant, extra = bad_code(t)
    edt("bad-code", variant, **extra)
    variant, extra = invalid_record(t)
    edt("invalid-record", variant, **extra)
    rel = os.path.join(root, "malformed", edt_name(uai))
    write_bytes(out, rel, base[: len(base) // 2])
    record("malformed", rel)
    rel = os.path.join(root, "edt-sts", f"edt_sts_{uai}_{acad.school_year}.xml")
    write_xml(os.path.join(out, rel), edt_sts_xml(acad, pop), ISO_8859_15)
    record("edt-sts", rel)
    for threshold in DEFAULT_TIMETABLE_THRESHOLDS:
        name = f"threshold-{threshold}"
        try:
            variant, extra = threshold_variant(t, threshold, rng(name))
        except Unreachable as exc:
            if skipped is not None:
                skipped.append({"name": name, "uai": uai, "base": base_path, "why": str(exc)})
            continue
        edt(name, variant, **extra)
    return made
