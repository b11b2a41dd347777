"""Seed 001's ticket answered from the console in a real Chromium (issue 16):
an establishment's administrator logs in with their token through the form,
finds a guardian by name whether typed with its accents or without them in
capitals, reads on the account's timeline the SIECLE import that overwrote
it (file and line), confirms the anomaly, does not find a person outside
their establishments, and logs out — after which neither the back button nor
a reload shows a page of the console again.

Each test logs in itself (tests of one file may run in different workers);
the one that confirms the anomaly comes last, since it changes the store."""

from __future__ import annotations

import re
import unicodedata

from playwright.sync_api import Page, expect

from tests.browser.console_world import ConsoleWorld


def shouted(text: str) -> str:
    """``text`` as someone types it in a hurry: capitals, no accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()


def log_in(page: Page, token: str) -> None:
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.get_by_label("Jeton d'accès").fill(token)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechercher une personne")


def search(page: Page, text: str) -> None:
    page.get_by_label("Nom, prénom, identifiant (login) ou jointure").fill(text)
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("heading", name="Résultats")).to_be_visible()


def found(page: Page) -> list[str]:
    """The account pages the results link to."""
    return page.locator("section[aria-labelledby=resultats] tbody a").evaluate_all(
        "links => links.map(a => a.pathname)"
    )


def test_an_etab_admin_finds_the_guardian_with_or_without_accents_then_logs_out_for_good(page, console: ConsoleWorld):
    guardian = console.guardian
    name = f"{guardian.given_name} {guardian.family_name}"
    assert shouted(name) != name.upper(), f"the world's guardian needs an accented name: {name}"
    log_in(page, console.tokens["etab-admin"])
    expect(page.get_by_text("console-etab-admin")).to_be_visible()  # who is connected, said in the header

    for typed in (name, shouted(name)):
        search(page, typed)
        assert found(page) == [f"/console/accounts/{guardian.account_id}"], typed
        expect(page.locator("tbody")).to_contain_text(guardian.family_name)
        assert page.url.endswith("/console/search")  # posted: the name is in no URL
        assert guardian.family_name not in page.title() and guardian.given_name not in page.title()

    page.get_by_role("link", name="Rechercher").click()
    expect(page.get_by_label("Nom, prénom, identifiant (login) ou jointure")).to_have_value("")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.go_back()  # to the home page seen before: asked again, not shown from the cache
    expect(page).to_have_url(re.compile(r"/console/login$"))
    expect(page.get_by_label("Jeton d'accès")).to_be_visible()
    expect(page.get_by_text("console-etab-admin")).to_have_count(0)
    page.reload()
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))


def test_a_person_outside_the_callers_establishments_is_not_found(page, console: ConsoleWorld):
    guardian = console.guardian
    log_in(page, console.tokens["other-etab-admin"])
    search(page, f"{guardian.given_name} {guardian.family_name}")
    expect(page.locator("main")).to_contain_text("Aucune personne ne correspond dans vos établissements.")
    assert found(page) == []
    for key in (guardian.jointure, guardian.account_id):  # nor by a key that names them exactly
        search(page, key)
        assert found(page) == [], key
