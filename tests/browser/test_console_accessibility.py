"""Every page of the console checked by axe-core in Chromium (issue 16):
labels, headings, landmarks, contrast — no violation, whatever its impact,
with axe's default rules (WCAG 2 A and AA, and its best practices).

A page is one line of PAGES: the token it is seen with (none: logged out),
its URL (``{account_id}`` is the overwritten guardian's, ``{margaux}``,
``{rola}`` and ``{dimitaux}`` the sample ticket's persons') and, for the pages a
form leads to, what is done on the page first."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.console_world import ConsoleWorld
from tests.browser.test_console_story import log_in, search

PAGES = [
    pytest.param(None, "/console/login", None, id="connexion"),
    pytest.param("etab-admin", "/console", None, id="recherche"),
    pytest.param("etab-admin", "/console", "search", id="resultats"),
    pytest.param("etab-admin", "/console", "expired", id="erreur-403"),
    pytest.param("etab-admin", "/console/accounts/{account_id}", None, id="compte"),
    pytest.param("etab-admin", "/console/accounts/{margaux}", None, id="compte-doublon-suspecte"),
    pytest.param("etab-admin", "/console/accounts/{rola}", None, id="compte-ecrase-par-l-aaf"),
    pytest.param("etab-admin", "/console/accounts/{dimitaux}", None, id="compte-fiches-rejetees"),
    pytest.param("etab-admin", "/console/accounts/00000000-0000-4000-8000-000000000000", None, id="erreur-404"),
    pytest.param("etab-admin", "/console/nowhere/at-all", None, id="page-inconnue"),
    pytest.param("etab-admin", "/console/anomalies", None, id="anomalies"),
    pytest.param("etab-admin", "/console/imports", None, id="imports"),
    pytest.param("operator", "/console/deliveries", None, id="livraisons"),
]


def shown(page: Page, console: ConsoleWorld, token: str | None, url: str, then: str | None) -> None:
    if token is not None:
        log_in(page, console.tokens[token])
    ticket = console.ticket
    page.goto(url.format(account_id=console.guardian.account_id, margaux=ticket.margaux[0], rola=ticket.rola,
                         dimitaux=ticket.dimitaux))  # fmt: skip
    if then == "search":
        search(page, console.guardian.family_name)
    elif then == "expired":  # a form whose session value went stale: the 403 error page
        page.locator("form[role=search] input[name=csrf]").evaluate("input => { input.value = 'stale'; }")
        page.get_by_label("Nom, prénom, identifiant (login) ou jointure").fill(console.guardian.family_name)
        page.get_by_role("button", name="Rechercher", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")


@pytest.mark.parametrize(("token", "url", "then"), PAGES)
def test_the_page_has_no_accessibility_violation(page, console: ConsoleWorld, token, url, then):
    shown(page, console, token, url, then)
    found = Axe().run(page)
    said = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in found.response["violations"]
    ]
    assert found.violations_count == 0, "\n".join(said)
