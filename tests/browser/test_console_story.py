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

from tests.browser.console_world import NEWCOMER, ConsoleWorld


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


# The account and anomaly pages (design-16's contract, slices A and B).


def timeline_row(page: Page, console: ConsoleWorld):
    """The timeline's row of the SIECLE import's change that overwrote the guardian."""
    rows = page.locator("table#timeline tbody tr").filter(has_text="SIECLE").filter(has_text=console.siecle_file)
    return rows.filter(has=page.locator("ins", has_text=NEWCOMER["PRENOM"]))


def test_the_overwritten_account_shows_on_its_timeline_the_siecle_import_that_did_it(page, console: ConsoleWorld):
    guardian = console.guardian
    log_in(page, console.tokens["etab-admin"])
    search(page, f"{guardian.given_name} {guardian.family_name}")
    page.locator("section[aria-labelledby=resultats] tbody a").first.click()
    expect(page).to_have_url(re.compile(rf"/console/accounts/{guardian.account_id}$"))
    assert guardian.family_name not in page.title() and guardian.given_name not in page.title()
    expect(page.get_by_role("heading", level=2, name="Historique")).to_be_visible()
    row = timeline_row(page, console)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile(rf"\b{console.overwrite_line}\b"))  # the retyped record's line
    expect(row.locator("del")).to_contain_text([guardian.given_name])  # who it was, struck out
    anomalies = page.locator("section", has=page.get_by_role("heading", level=2, name="Anomalies"))
    expect(anomalies).to_contain_text("Compte écrasé suspecté")


def test_an_account_outside_the_callers_establishments_is_a_404_page(page, console: ConsoleWorld):
    log_in(page, console.tokens["other-etab-admin"])
    page.goto(f"/console/accounts/{console.guardian.account_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Introuvable")
    expect(page.locator("main")).not_to_contain_text(console.guardian.family_name)


def test_an_etab_admin_confirms_the_overwrite_and_finds_the_newcomer_with_or_without_accents(
    page, console: ConsoleWorld
):
    guardian = console.guardian
    log_in(page, console.tokens["etab-admin"])
    page.goto(f"/console/accounts/{guardian.account_id}")
    anomalies = page.locator("section", has=page.get_by_role("heading", level=2, name="Anomalies"))
    anomalies.get_by_label("Motif").fill("Fiche ressaisie pour une autre personne (ticket du collège)")
    anomalies.get_by_role("button", name="Confirmer l'anomalie").click()  # its confirm dialog is accepted
    expect(page).to_have_url(re.compile(rf"/console/accounts/{guardian.account_id}\?"))
    expect(page.locator("p.notice[role=status]")).to_be_visible()
    expect(page.get_by_role("button", name="Confirmer l'anomalie")).to_have_count(0)  # decided: no form left

    newcomer = f"{NEWCOMER['PRENOM']} {NEWCOMER['NOM_DE_FAMILLE']}"
    successors = []
    for typed in (newcomer, shouted(newcomer)):
        page.get_by_role("link", name="Rechercher").click()
        search(page, typed)
        successors.append(found(page))
    assert successors[0] == successors[1] and len(successors[0]) == 1, successors
    assert successors[0] != [f"/console/accounts/{guardian.account_id}"]  # the new account, not the overwritten one
