"""Pictures of the support console's pages for the README (issue 16):

    .venv/bin/python -m tests.browser.screenshots build/console

(``make console-screenshots``) starts the world and the daemon the browser
tests use (console_world.py), shows each page of the accessibility check's
PAGES in Chromium as the tests do, and writes ``OUTDIR/<page>.png``. The
pictures show the generated world's (invented) persons; they are kept out of
git (build/ is ignored): anyone makes them again with the command.

The module is a pytest file that the suite never collects (its name is not
test_*.py): the command runs pytest on it, so that it uses the same fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.console_world import ConsoleWorld
from tests.browser.test_console_accessibility import PAGES, shown

OUTDIR = "ENTSYNC_SCREENSHOTS"  # set by the command below


@pytest.mark.parametrize(("token", "url", "then"), PAGES)
def test_the_page_is_photographed(request, page, console: ConsoleWorld, token, url, then):
    out = Path(os.environ[OUTDIR])
    shown(page, console, token, url, then)
    picture = out / f"{request.node.callspec.id}.png"
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=picture, full_page=True)
    assert picture.stat().st_size > 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.browser.screenshots OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ[OUTDIR] = str(out)
    code = pytest.main(["-q", "-p", "no:cacheprovider", __file__])
    if code == 0:
        print(f"console pages written to {out}: {', '.join(sorted(p.name for p in out.glob('*.png')))}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
