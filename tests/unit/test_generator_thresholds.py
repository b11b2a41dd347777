"""The generator's threshold variants (adapters/generator/thresholds.py)
against the pipeline's own rules, without a store: its copy of the default
thresholds, its sizing, and, at several sizes, each variant read back with
the timetable parser and compared with its base as the pipeline does
(match_edt against a directory that knows the establishment, diff,
exceeded). The same through a real store: tests/integration/test_timetable_thresholds.py."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from adapters.generator.cli import run
from adapters.generator.thresholds import DEFAULT_TIMETABLE_THRESHOLDS, smallest_over
from adapters.timetable.parser import read_edt
from projections.timetable import DEFAULT_THRESHOLDS, Snapshot, changes_counts, diff, exceeded
from projections.timetable_match import DirectoryView, match_edt

NAMES = sorted(DEFAULT_THRESHOLDS)


def test_the_generator_copy_of_the_default_thresholds_has_not_drifted():
    assert DEFAULT_TIMETABLE_THRESHOLDS == {name: (t.count, t.percent, t.liftable)
                                            for name, t in DEFAULT_THRESHOLDS.items()}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("total", [1, 9, 17, 89, 223, 300, 640, 5000])
def test_smallest_over_is_the_pipeline_edge(name, total):
    def over(n: int) -> bool:
        changes = SimpleNamespace(count=lambda _: n, totals={name: total})
        return name in exceeded(changes, {name: DEFAULT_THRESHOLDS[name]})

    n = smallest_over(name, total)
    assert over(n) and not over(n - 1)


def snapshot(path: Path, uai: str) -> Snapshot:
    """The pipeline's snapshot of an export, nobody matched (keys sts:/eleve:)."""
    export = read_edt(path)
    assert export.rejections == ()
    return match_edt(export, DirectoryView(uai, True)).snapshot


@pytest.mark.parametrize("args, skipped", [
    (("--students", "200", "--seed", "3", "--no-second"), {}),
    # the base is the second export: churn moved students between classes
    (("--students", "900", "--seed", "1"), {}),
    # the default académie's first establishment is a lycée professionnel with 4 option groups
    (("--students", "2000", "--seed", "1"), {"threshold-groups_renamed": "4 groups, 6 needed"}),
])
def test_each_variant_goes_over_its_threshold_only(tmp_path, args, skipped):
    assert run([str(tmp_path), "--sources", "timetable", *args]) == 0
    m = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    variants = {v["name"]: v for v in m["sources"]["variants"] if v["name"].startswith("threshold-")}
    assert {s["name"]: s["why"] for s in m["sources"].get("variants_skipped", [])} == skipped
    assert set(variants) | set(skipped) == {f"threshold-{name}" for name in NAMES}
    assert not set(variants) & set(skipped)
    for name, v in variants.items():
        before = snapshot(tmp_path / v["base"], v["uai"])
        changes = diff(before, snapshot(tmp_path / v["path"], v["uai"]))
        assert sorted(exceeded(changes, DEFAULT_THRESHOLDS)) == v["thresholds"] == [name.removeprefix("threshold-")]
        assert {k: changes_counts(changes)[k] for k in v["expected"]} == v["expected"], name
        assert changes.totals == v["totals"], name
    for s in m["sources"].get("variants_skipped", []):
        # rightly skipped: too few groups for any renaming to go over the count
        assert s["name"] == "threshold-groups_renamed"
        assert len(snapshot(tmp_path / s["base"], s["uai"]).groups) <= DEFAULT_THRESHOLDS["groups_renamed"].count
