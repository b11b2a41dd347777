"""Seed 001's sample ticket ("4. Un exemple de ticket d'incident") answered
from the console alone, in a real Chromium (issue 16): the collège's
administrator takes each line of the ticket, searches the person as the
ticket names them, opens their account page and reads the answer there.

- "Margaux Perrot impossible à accéder à pronot (élève)": two active accounts
  of hers (typed twice), a suspected duplicate to decide; nothing on the
  ENT's side blocks Pronote's matching, the rest is Index Education's.
- "Rola Mohamed n'est plus dans l'annuaire (parent) détection d'un compte
  écrasé": found by her former name; her record retyped for someone else by
  an AAF delta (file, line, the diff), a suspected overwrite to decide.
- "des messages intempestifs pour le rejet d'un compte enseignant Dimitaux
  Christophe": his account is active; the two deltas that rejected his record,
  with file, line and the French reason.

The persons are made by tests/browser/ticket_world.py. Nothing here changes
the store."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.console_world import ConsoleWorld
from tests.browser.test_console_story import found, log_in, search


def section(page: Page, heading: str):
    return page.locator("section", has=page.get_by_role("heading", level=2, name=heading, exact=True))


def result(page: Page, login: str):
    """The search's result row of the account whose login is ``login``."""
    rows = page.locator("section[aria-labelledby=resultats] tbody tr")
    return rows.filter(has=page.get_by_role("cell", name=login, exact=True))


def test_margaux_perrot_cannot_reach_pronote(page, console: ConsoleWorld):
    ticket = console.ticket
    log_in(page, console.tokens["etab-admin"])
    search(page, "margaux perrot")  # as the ticket's reader types it: no capital
    assert sorted(found(page)) == sorted(f"/console/accounts/{a}" for a in ticket.margaux)
    for login in ("margaux.perrot", "margaux.perrot2"):  # typed twice: two accounts, both active
        expect(result(page, login)).to_contain_text("actif")

    result(page, "margaux.perrot").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/console/accounts/[0-9a-f-]{36}$"))
    assert page.url.rsplit("/", 1)[1] in ticket.margaux
    expect(page.get_by_role("heading", level=1)).to_contain_text("Perrot Margaux — élève, actif")
    pronote = section(page, "Pronote")
    expect(pronote).to_contain_text("Côté ENT : compte « actif », identifiant « margaux.perrot ».")
    expect(pronote).to_contain_text("Rien ne bloque côté ENT le rapprochement des identifiants Pronote de ce compte.")
    expect(pronote).to_contain_text("relève de Pronote, c'est-à-dire d'Index Education")
    expect(pronote).not_to_contain_text("ne peuvent pas être rapprochés")
    duplicate = section(page, "Anomalies").get_by_role("listitem").filter(has_text="Doublon suspecté")
    expect(duplicate).to_contain_text("à décider")
    expect(duplicate).to_contain_text("confirmer (doublon) ou écarter")
    expect(duplicate).to_contain_text(ticket.duplicate_pair[:8])


def test_rola_mohamed_is_found_by_her_former_name_and_the_delta_that_overwrote_her(page, console: ConsoleWorld):
    ticket = console.ticket
    given, family = ticket.rola_newcomer
    log_in(page, console.tokens["etab-admin"])
    search(page, "Rola Mohamed")
    assert found(page) == [f"/console/accounts/{ticket.rola}"]
    row = page.locator("section[aria-labelledby=resultats] tbody tr")
    expect(row).to_contain_text(f"{family} {given}")  # the name the directory now gives her account
    expect(row).to_contain_text("anciennement : MOHAMED Rola (écrasement suspecté)")

    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/console/accounts/{ticket.rola}$"))
    assert "Rola" not in page.title() and "Mohamed" not in page.title()
    overwrite = section(page, "Anomalies").get_by_role("listitem").filter(has_text="Compte écrasé suspecté")
    expect(overwrite).to_contain_text("à décider")
    expect(overwrite).to_contain_text("21/09/2026")
    file, line = ticket.retyping
    changed = page.locator("table#timeline tbody tr").filter(has_text="AAF").filter(has_text="fiche modifiée")
    changed = changed.filter(has_text=f"{file}, ligne {line}")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("livraison ")
    expect(changed.locator("del")).to_contain_text(["Mohamed", "Rola"])
    expect(changed.locator("ins")).to_contain_text([family, given])


def test_dimitaux_christophe_is_rejected_by_two_deltas_while_his_account_stays(page, console: ConsoleWorld):
    ticket = console.ticket
    log_in(page, console.tokens["etab-admin"])
    search(page, "Dimitaux")
    assert found(page) == [f"/console/accounts/{ticket.dimitaux}"]
    expect(result(page, "christophe.dimitaux")).to_contain_text("actif")

    result(page, "christophe.dimitaux").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/console/accounts/{ticket.dimitaux}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dimitaux Christophe — enseignant, actif")
    rejets = section(page, "Rejets").locator("tbody tr")
    expect(rejets).to_have_count(2)
    for row, (file, line), day in zip(rejets.all(), ticket.rejections, ("21/09/2026", "22/09/2026"), strict=True):
        expect(row).to_contain_text(day)
        expect(row).to_contain_text("AAF")
        expect(row).to_contain_text(f"{file}, ligne {line}")
        expect(row).to_contain_text("jointure_mismatch : la jointure ne correspond pas au compte")
