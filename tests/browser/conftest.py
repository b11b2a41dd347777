"""Fixtures of the browser tests (issue 16): Debian's Chromium driven by
Playwright, and the console of a daemon started for the session
(console_world.py).

No browser is ever downloaded (`playwright install` is not run): the tests
drive /usr/bin/chromium, which .ci/run installs with Debian's packages. A
machine without it skips these tests, except under CI=true where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser.console_world import ConsoleWorld, start
from tests.conftest import unavailable

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing the browser would fetch or start of its own accord.
FLAGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # what a page waits for an element before failing (a slow CI machine, two workers)


@pytest.fixture
def chromium():
    """A headless Chromium for one test. Playwright gives each launch a
    fresh profile directory under the temporary directory (it refuses
    --user-data-dir, which belongs to persistent contexts).

    One per test, not per session: Playwright's synchronous API runs its
    event loop on the calling thread for as long as it is started, and a
    test of another layer that the same xdist worker runs meanwhile and calls
    asyncio.run() would fail ("cannot be called from a running event loop").
    A launch costs well under a second."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} not found (Debian packages chromium and chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def console(request, tmp_path_factory) -> Iterator[ConsoleWorld]:
    """The diagnosis world's console, served by `entsync run` on 127.0.0.1."""
    served = start(request, tmp_path_factory.mktemp("console"))
    try:
        yield served
    finally:
        served.daemon.stop_if_running()


@pytest.fixture
def page(chromium, console):
    """A page in a context of this test's own, which accepts the console's
    confirmation dialogs (forms with data-confirm ask with window.confirm)."""
    context = chromium.new_context(base_url=console.url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    opened.on("dialog", lambda dialog: dialog.accept())
    try:
        yield opened
    finally:
        context.close()
