"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.e2e.daemon_process import Daemon


@pytest.fixture
def daemons():
    """The daemons a test starts: killed at its end if still running."""
    started: list[Daemon] = []
    yield started
    for d in started:
        d.stop_if_running()
