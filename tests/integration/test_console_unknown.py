"""Unknown paths under /console (issue 16), over real HTTP on a real
server: the console's French 404 page for GET and POST, logged in or not,
with the console's security headers — and the API's JSON 404 elsewhere,
unchanged."""

from __future__ import annotations

import json

import pytest

from tests.console_client import Console
from tests.integration.console_world import console_world

UNKNOWN = ["/console/anything-unknown", "/console/accounts", "/console/accounts/x/y", "/console/anomalies/x/confirm",
           "/console/static", "/console/imports/x/y/z"]  # fmt: skip


@pytest.fixture(scope="module")
def world(request, two_establishments, tmp_path_factory):
    with console_world(request, "sqlite", two_establishments, tmp_path_factory.mktemp("unknown")) as built:
        yield built


def _french_404(page) -> None:
    assert page.status == 404, page.body
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src" in page.headers["content-security-policy"]
    assert page.tree.xpath("//h1/text()") == ["Introuvable"]
    assert "Cette page n'existe pas dans la console" in page.text()
    assert page.title() == "Erreur 404 — console entsync"


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_console_path_is_the_french_404_page_logged_in_or_not(world, path):
    _french_404(Console(world.url).get(path))
    console = Console(world.url)
    assert console.log_in(world.tokens["reader"]).status == 200
    _french_404(console.get(path))
    assert console.get(path).tree.xpath("//form[@action='/console/logout']")  # still in the console


@pytest.mark.parametrize("path", ["/console/anything-unknown", "/console/accounts/x/y"])
def test_a_post_to_an_unknown_console_path_is_the_french_404_page(world, path):
    console = Console(world.url)
    assert console.log_in(world.tokens["operator"]).status == 200
    _french_404(console.post(path, {"csrf": console.get("/console").csrf()}))


@pytest.mark.parametrize("path", ["/api/v1/anything-unknown", "/anything-unknown", "/consoles"])
def test_the_api_keeps_its_json_404_outside_the_console(world, path):
    page = Console(world.url).get(path)
    assert page.status == 404 and page.headers["content-type"].startswith("application/")
    assert json.loads(page.body)
