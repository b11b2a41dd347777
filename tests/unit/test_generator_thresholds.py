"""The generator's threshold variants (generator/timetable/threshold_edits.py)
against the pipeline's own rules, without a store: its copy of the default
thresholds, its sizing, and, at several sizes, each variant read back with
the timetable parser and compared with its base as the pipeline does
(match_edt against a directory that knows the establishment, its classes,
groups, teachers and students — what the AAF gives it —, diff, exceeded).
Teachers and students not matched are not imported, so the directory holds
the people of the exports. The same through a real store:
tests/integration/test_timetable_thresholds.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from adapters.timetable.parser import read_edt
from events.timetable.changes import changes_counts, diff
from events.timetable.decision import DEFAULT_THRESHOLDS, exceeded
from events.timetable.edt import match_edt
from events.timetable.matching import DirectoryView, Person
from events.timetable.snapshot import Snapshot
from generator.cli import run
from generator.timetable.thresholds import DEFAULT_TIMETABLE_THRESHOLDS, smallest_over

# Any pepper: the names' digests are compared with digests of the same store.
PEPPER = b"test pepper"

NAMES = sorted(DEFAULT_THRESHOLDS)


def test_the_generator_copy_of_the_default_thresholds_has_not_drifted():
    assert DEFAULT_TIMETABLE_THRESHOLDS == {
        name: (t.count, t.percent, t.liftable) for name, t in DEFAULT_THRESHOLDS.items()
    }


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("total", [1, 9, 17, 89, 223, 300, 640, 5000])
def test_smallest_over_is_the_pipeline_edge(name, total):
    def over(n: int) -> bool:
        changes = SimpleNamespace(count=lambda _: n, totals={name: total})
        return name in exceeded(changes, {name: DEFAULT_THRESHOLDS[name]})

    n = smallest_over(name, total)
    assert over(n) and not over(n - 1)


def directory(uai: str, *paths: Path) -> DirectoryView:
    """The directory as the AAF would give it for these exports: their
    classes and groups, their teachers (by STS id) and students (by INE and
    ELEVE_ID), all attached to the establishment."""
    classes, groups, people = set(), set(), {}
    for path in paths:
        export = read_edt(path)
        classes |= {c.name for c in export.classes}
        groups |= {g.name for g in export.groups}
        for t in export.teachers:
            assert t.sts_id, t.ident
            people[f"ens:{t.sts_id}"] = Person(f"ens:{t.sts_id}", "ENSEIGNANT", sts_id=t.sts_id, local=True)
        for s in export.students:
            people[f"ele:{s.eleve_id}"] = Person(
                f"ele:{s.eleve_id}", "ELEVE", ine=s.ine or "", eleve_id=s.eleve_id or "", local=True
            )
    return DirectoryView(uai, True, frozenset(classes), frozenset(groups), tuple(people.values()))


def snapshot(path: Path, view: DirectoryView) -> Snapshot:
    """The pipeline's snapshot of an export; everything of it is imported."""
    export = read_edt(path)
    assert export.rejections == ()
    matched = match_edt(export, view, PEPPER)
    assert matched.not_imported == (), path
    assert all(m.matched for m in matched.matches if m.kind in ("teacher", "student")), path
    return matched.snapshot


@pytest.mark.parametrize(
    "args, skipped",
    [
        (("--students", "200", "--seed", "3", "--no-second"), {}),
        # the base is the second export: churn moved students between classes
        (("--students", "900", "--seed", "1"), {}),
        # the default académie's first establishment is a lycée professionnel with 4 option groups
        (("--students", "2000", "--seed", "1"), {"threshold-groups_renamed": "4 groups, 6 needed"}),
    ],
)
def test_each_variant_goes_over_its_threshold_only(tmp_path, args, skipped):
    assert run([str(tmp_path), "--sources", "timetable", *args]) == 0
    m = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    variants = {v["name"]: v for v in m["sources"]["variants"] if v["name"].startswith("threshold-")}
    assert {s["name"]: s["why"] for s in m["sources"].get("variants_skipped", [])} == skipped
    assert set(variants) | set(skipped) == {f"threshold-{name}" for name in NAMES}
    assert not set(variants) & set(skipped)
    for name, v in variants.items():
        # The directory the base was validated against (the AAF): the variant's people and structures
        # are the base's, except the new codes of renamed groups, which the directory does not know.
        view = directory(v["uai"], tmp_path / v["base"])
        before = snapshot(tmp_path / v["base"], view)
        assert before.teachers and before.students and before.sessions  # teachers and students imported
        changes = diff(before, snapshot(tmp_path / v["path"], view))
        assert sorted(exceeded(changes, DEFAULT_THRESHOLDS)) == v["thresholds"] == [name.removeprefix("threshold-")]
        assert {k: changes_counts(changes)[k] for k in v["expected"]} == v["expected"], name
        assert changes.totals == v["totals"], name
    for s in m["sources"].get("variants_skipped", []):
        # rightly skipped: too few groups for any renaming to go over the count
        assert s["name"] == "threshold-groups_renamed"
        base = tmp_path / s["base"]
        assert len(snapshot(base, directory(s["uai"], base)).groups) <= DEFAULT_THRESHOLDS["groups_renamed"].count
