"""pytest plugin: count the tests that ran against each backend.

Loaded with ``-p tests.backends`` (``make test`` does; tests/conftest.py also
loads it when it was not given).  At the end of the run it prints, in the
terminal summary, one line per backend::

    backend sqlite: 40 passed, 0 failed, 0 skipped
    backend postgres: 40 passed, 0 failed, 0 skipped
    backend kafka: 3 passed, 0 failed, 0 skipped
    backend prometheus: 1 passed, 0 failed, 0 skipped
    backend none: 12 passed, 0 failed, 0 skipped

A test's backends are:

* the value of its ``backend`` fixture parameter (``sqlite`` / ``postgres``);
* ``postgres`` / ``kafka`` / ``prometheus`` when it carries that marker or
  uses the matching session fixture (``pg_server``, ``kafka_broker``,
  ``promtool``);
* ``none`` when none of the above applies.

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
KNOWN_BACKENDS = ("sqlite", "postgres", "kafka", "prometheus", "none")

_MARKER_BACKENDS = ("postgres", "kafka", "prometheus")
_FIXTURE_BACKENDS = {
    "pg_server": "postgres",
    "restartable_pg": "postgres",
    "kafka_broker": "kafka",
    "promtool": "prometheus",
}
_RANK = {"passed": 0, "skipped": 1, "failed": 2}


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

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        terminalreporter.write_sep("-", "tests per backend")
        for line in self.lines():
            terminalreporter.write_line(line)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(BackendCounter(), PLUGIN_NAME)
