"""The pytest plugin that counts tests per backend and times each layer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.backends import LAYER_BUDGETS, BackendCounter, layer_of


@pytest.mark.parametrize(
    ("nodeid", "layer"),
    [
        ("tests/unit/test_rules.py::test_x", "unit"),
        ("tests/integration/test_brakes.py::test_y[postgres]", "integration"),
        ("tests/e2e/test_cli.py::test_z", "e2e"),
        ("tests/test_top.py::t", "other"),
        ("elsewhere.py::t", "other"),
    ],
)
def test_the_layer_is_the_folder_under_tests(nodeid, layer):
    assert layer_of(nodeid) == layer


def report(nodeid: str, when: str, outcome: str, duration: float, backends: str = "none") -> SimpleNamespace:
    return SimpleNamespace(
        nodeid=nodeid,
        when=when,
        duration=duration,
        failed=outcome == "failed",
        skipped=outcome == "skipped",
        user_properties=[("entsync_backends", backends)],
    )


def test_layers_sum_every_phase_and_flag_what_is_over_budget():
    counter = BackendCounter()
    unit, slow = "tests/unit/test_a.py::t", "tests/e2e/test_b.py::t"
    for when, seconds in (("setup", 0.5), ("call", 1.0), ("teardown", 0.25)):
        counter.pytest_runtest_logreport(report(unit, when, "passed", seconds))
    counter.pytest_runtest_logreport(report(slow, "call", "failed", LAYER_BUDGETS["e2e"] + 1, "sqlite"))
    assert counter.layers() == {"unit": (1, 1.75), "e2e": (1, LAYER_BUDGETS["e2e"] + 1)}
    lines = counter.layer_lines()
    assert lines[0].startswith("layer e2e: 1 tests") and lines[0].endswith("OVER BUDGET)")
    assert lines[1] == f"layer unit: 1 tests, 1.8 s (budget {LAYER_BUDGETS['unit']:g} s)"
    assert "backend sqlite: 0 passed, 1 failed, 0 skipped" in counter.lines()
