"""pytest plugin: count the tests that ran against each backend.

Loaded with ``-p tests.backends`` (``make test`` does; tests/conftest.py also
loads it when it was not given).  At the end of the run it prints, in the
terminal summary, one line per backend::

    backend sqlite: 40 passed, 0 failed, 0 skipped
    backend postgres: 40 passed, 0 failed, 0 skipped
    backend kafka: 3 passed, 0 failed, 0 skipped
    backend prometheus: 1 passed, 0 failed, 0 skipped
    backend chromium: 3 passed, 0 failed, 0 skipped
    backend none: 12 passed, 0 failed, 0 skipped

A test's backends are:

* the value of its ``backend`` fixture parameter (``sqlite`` / ``postgres``);
* ``postgres`` / ``kafka`` / ``prometheus`` when it carries that marker or
  uses the matching session fixture (``pg_server``, ``kafka_broker``,
  ``promtool``);
* ``chromium`` when it uses the ``chromium`` fixture (tests/browser/);
* ``none`` when none of the above applies.

It also prints the time each test layer took, the sum of its tests' setup,
call and teardown durations (CPU-independent of how many xdist workers
share them), beside the layer's budget from CONTRIBUTING.md::

    layer unit: 1573 tests, 29.4 s (budget 60 s)
    layer integration: 768 tests, 551.0 s (budget 600 s)

A layer over its budget is said on its line; it fails no test (performance
is measured, never asserted): the budget is for the reviewer to keep.

A test can count under several backends (a postgres-store test marked
``kafka`` counts for both).  Outcome per test: ``failed`` if any phase
(setup, call, teardown) failed or errored, else ``skipped`` if it was skipped
(an xfail counts as skipped), else ``passed``.
"""

from __future__ import annotations

import pytest

PLUGIN_NAME = "entsync-backends"
PROPERTY = "entsync_backends"

# Always printed, in this order (a 0 line tells that a backend did not run).
KNOWN_BACKENDS = ("sqlite", "postgres", "kafka", "prometheus", "chromium", "none")

_MARKER_BACKENDS = ("postgres", "kafka", "prometheus")
_FIXTURE_BACKENDS = {
    "pg_server": "postgres",
    "restartable_pg": "postgres",
    "kafka_broker": "kafka",
    "promtool": "prometheus",
    "chromium": "chromium",  # tests/browser: Debian's Chromium driven by Playwright
}
_RANK = {"passed": 0, "skipped": 1, "failed": 2}

# Seconds of test time per layer (the sum of every test's durations), kept in
# step with CONTRIBUTING.md § Tests: a new suite finds room in its layer or
# says why the budget moves.
LAYER_BUDGETS = {"unit": 60.0, "integration": 600.0, "e2e": 250.0, "browser": 60.0}


def layer_of(nodeid: str) -> str:
    """``tests/unit/test_x.py::t`` → ``unit``; anything else → ``other``."""
    parts = nodeid.split("::", 1)[0].split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"


def backends_of(item: pytest.Item) -> list[str]:
    """The backends a collected test item runs against (never empty)."""
    found: list[str] = []

    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        param = callspec.params.get("backend")
        if isinstance(param, str):
            found.append(param)

    for marker in _MARKER_BACKENDS:
        if item.get_closest_marker(marker) is not None and marker not in found:
            found.append(marker)

    for fixture, name in _FIXTURE_BACKENDS.items():
        if fixture in getattr(item, "fixturenames", ()) and name not in found:
            found.append(name)

    return found or ["none"]


class BackendCounter:
    def __init__(self) -> None:
        self._backends: dict[str, list[str]] = {}  # nodeid -> backends
        self._outcome: dict[str, str] = {}  # nodeid -> passed/skipped/failed
        self._seconds: dict[str, float] = {}  # nodeid -> setup + call + teardown

    # Record the item's backends just before it runs (items deselected with
    # -k/-m never get here, so they are not counted).
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        backends = backends_of(item)
        self._backends[item.nodeid] = backends
        # Carried by the reports, so that a pytest-xdist controller (which
        # never sees the items its workers run) counts them too.
        item.user_properties.append((PROPERTY, ",".join(backends)))
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._seconds[report.nodeid] = self._seconds.get(report.nodeid, 0.0) + report.duration
        for name, value in getattr(report, "user_properties", ()):
            if name == PROPERTY:
                self._backends[report.nodeid] = value.split(",")
        if report.failed:
            outcome = "failed"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            # A passing setup/teardown says nothing about the test itself.
            return
        previous = self._outcome.get(report.nodeid)
        if previous is None or _RANK[outcome] > _RANK[previous]:
            self._outcome[report.nodeid] = outcome

    def counts(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {name: {"passed": 0, "failed": 0, "skipped": 0} for name in KNOWN_BACKENDS}
        for nodeid, outcome in self._outcome.items():
            for name in self._backends.get(nodeid, ["none"]):
                row = table.setdefault(name, {"passed": 0, "failed": 0, "skipped": 0})
                row[outcome] += 1
        return table

    def lines(self) -> list[str]:
        return [
            f"backend {name}: {row['passed']} passed, {row['failed']} failed, {row['skipped']} skipped"
            for name, row in self.counts().items()
        ]

    def layers(self) -> dict[str, tuple[int, float]]:
        """Layer → (tests, seconds of test time)."""
        out: dict[str, tuple[int, float]] = {}
        for nodeid in self._outcome:
            tests, seconds = out.get(layer_of(nodeid), (0, 0.0))
            out[layer_of(nodeid)] = (tests + 1, seconds + self._seconds.get(nodeid, 0.0))
        return out

    def layer_lines(self) -> list[str]:
        lines = []
        for name, (tests, seconds) in sorted(self.layers().items()):
            budget = LAYER_BUDGETS.get(name)
            said = f"layer {name}: {tests} tests, {seconds:.1f} s"
            if budget is not None:
                said += f" (budget {budget:g} s" + (", OVER BUDGET)" if seconds > budget else ")")
            lines.append(said)
        return lines

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        terminalreporter.write_sep("-", "tests per backend")
        for line in self.lines():
            terminalreporter.write_line(line)
        terminalreporter.write_sep("-", "test time per layer")
        for line in self.layer_lines():
            terminalreporter.write_line(line)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(BackendCounter(), PLUGIN_NAME)
