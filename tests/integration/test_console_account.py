"""The console's account page (issue 16), over real HTTP on a real server,
on both stores: a pupil of the first establishment retyped by an AAF delta
as another person — whose family name is markup — so that it has a
suspected overwrite to decide, a timeline from two deliveries and a change
to show as a diff. Its sections, its timeline rows with file and line, the
decision forms for the roles allowed only, the same 404 page outside the
caller's establishments as for an unknown key, no name in the title, the
name escaped."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest

from daemon import bootstrap
from daemon.http import reads
from daemon.http.explain_routes import read_explanation
from daemon.http.history_routes import read_history
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from projections import structure_queries
from tests.console_client import Console, Page
from tests.integration.console_world import NOW, T_EDT, both_backends, console_world, person
from tests.integration.diagnosis_world import aaf_delta, aaf_record

MARKUP = "<script>alert(1)</script>"
SECTIONS = [
    "État", "Pronote", "Anomalies", "Historique", "Responsables", "Classes et groupes", "Rejets", "Identifiants",
]  # fmt: skip


backend = both_backends()


@pytest.fixture(scope="module")
def world(request, backend, two_establishments, tmp_path_factory):
    retyped: dict = {}

    def retype(store_url: str) -> None:
        """A pupil of the first establishment delivered again as someone else (a suspected overwrite)."""
        ctx = bootstrap.build(store_url, Policy(), ManualClock(NOW), simulation=True)
        try:
            victim = person(ctx, structure_queries.structures(ctx.db)[0]["uai"])
            jointure, attrs = ctx.db.query("SELECT jointure, attrs FROM accounts WHERE account_id = ?",
                                           (victim["account_id"],))[0]  # fmt: skip
            attrs = {
                **json.loads(attrs),
                "sn": [MARKUP],
                "givenName": ["Zoé"],
                "ENTPersonDateNaissance": ["01/01/2012"],
            }
            out = tmp_path_factory.mktemp("delta")
            delta = aaf_delta(out, "20260828", {"Eleve": [aaf_record("Eleve", jointure, attrs)]})
            assert ingest(str(delta), ctx, T_EDT + timedelta(hours=1)).status == "applied"
            retyped.update(victim, jointure=jointure)
        finally:
            ctx.close()

    with console_world(request, backend, two_establishments, tmp_path_factory.mktemp("account"), retype) as built:
        built.retyped = retyped
        yield built


def _as(world, role: str) -> Console:
    console = Console(world.url)
    assert console.log_in(world.tokens[role]).status == 200
    return console


def _page(world, role: str, account_id: str) -> Page:
    page = _as(world, role).get(f"/console/accounts/{account_id}")
    assert page.status == 200, page.text()
    return page


def _forms(page: Page) -> list:
    return page.tree.xpath("//form[contains(@action, '/console/anomalies/')]")


def test_an_account_of_my_establishment_shows_its_sections_and_every_fact_with_its_file_and_line(world):
    victim = world.retyped
    page = _page(world, "reader", victim["account_id"])
    tree = page.tree
    assert len(tree.xpath("//h1")) == 1
    assert [" ".join(h.text_content().split()) for h in tree.xpath("//section/h2")] == SECTIONS
    for section in tree.xpath("//section"):  # each section is named by its own heading
        assert section.xpath(f".//h2[@id='{section.get('aria-labelledby')}']")
    facts = read_history(world.ctx, scope=None, key=victim["account_id"], since=None)["facts"]
    rows = tree.xpath("//table[@id='timeline']/tbody/tr")
    assert len(rows) == len(facts) and len(facts) >= 4
    for fact, tr in zip(facts, rows, strict=True):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("td")]
        assert fact["event"] in cells[2]
        if fact.get("file"):
            assert cells[4] == f"{fact['file']}, ligne {fact['line']}"
        if fact.get("delivery_id"):
            assert fact["delivery_id"] in cells[3]
    retyped = rows[[f["event"] for f in facts].index("Changed")]
    assert retyped.xpath(".//del[contains(., $n)]", n=victim["family"])
    assert retyped.xpath(".//ins[contains(., $n)]", n=MARKUP)
    assert "Compte écrasé suspecté" in page.text() and "Comparer avec la section « Historique »" in page.text()
    for table in tree.xpath("//table"):
        assert table.xpath("caption") and all(th.get("scope") for th in table.xpath(".//th"))


def test_an_account_of_another_establishment_is_the_unknown_key_page_for_an_etab_admin(world):
    admin = _as(world, "etab-admin")
    other = admin.get(f"/console/accounts/{world.person_other['account_id']}")
    unknown = admin.get(f"/console/accounts/{uuid.uuid4()}")
    assert other.status == unknown.status == 404
    assert other.text() == unknown.text() and "Introuvable" in other.text()
    assert world.person_other["family"] not in other.body
    assert _page(world, "operator", world.person_other["account_id"]).tree.xpath("//h1")


def test_a_reader_sees_no_decision_forms_and_an_etab_admin_sees_both_for_its_establishment(world):
    account_id = world.retyped["account_id"]
    read_only = _page(world, "reader", account_id)
    assert "Compte écrasé suspecté" in read_only.text() and not _forms(read_only)
    page = _page(world, "etab-admin", account_id)
    explained = read_explanation(world.ctx, scope=None, key=account_id, now=NOW, lang="fr")
    (anomaly_id,) = [a["id"] for a in explained["anomalies"] if a["code"] == "suspected_overwrite"]
    (form,) = _forms(page)  # one reason, two buttons: the dismissal posts to its own action
    assert form.get("action") == f"/console/anomalies/{anomaly_id}/confirm" and form.get("method") == "post"
    assert form.xpath("input[@name='csrf']/@value") == [page.csrf()]
    assert form.xpath("input[@name='back']/@value") == [f"/console/accounts/{account_id}"]
    (area,) = form.xpath("textarea[@name='reason'][@required]")
    assert form.xpath(f"label[@for='{area.get('id')}']/text()") == ["Motif"]
    buttons = form.xpath(".//button")
    assert [b.text for b in buttons] == ["Confirmer l'anomalie", "Écarter l'anomalie"]
    assert [b.get("formaction") for b in buttons] == [None, f"/console/anomalies/{anomaly_id}/dismiss"]
    assert all(b.get("data-confirm") for b in buttons)


def test_no_name_in_the_title_and_a_name_of_markup_is_shown_as_text(world):
    page = _page(world, "reader", world.retyped["account_id"])
    assert page.title() == "Fiche d'un compte — console entsync"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.body and MARKUP not in page.body
    assert MARKUP in page.tree.xpath("string(//h1)")
    assert page.tree.xpath("//script/@src") == ["/console/static/console.js"]
    assert page.tree.xpath("count(//script)") == 1


def test_guardian_and_child_link_to_each_others_pages_by_account_id(world):
    child = world.retyped["account_id"]
    page = _page(world, "reader", child)
    links = page.tree.xpath("//section[@aria-labelledby='responsables']//a/@href")
    assert links and all(href.startswith("/console/accounts/") for href in links)
    guardian = _as(world, "reader").get(links[0])
    assert guardian.status == 200
    assert f"/console/accounts/{child}" in guardian.tree.xpath("//section[@aria-labelledby='enfants']//a/@href")
    assert guardian.title() == page.title()


def test_the_decision_done_is_said_on_return_and_any_other_flag_is_ignored(world):
    console = _as(world, "etab-admin")
    account = f"/console/accounts/{world.retyped['account_id']}"
    said = console.get(account + "?fait=confirmee").tree.xpath("//p[@role='status']/text()")
    assert said == ["L'anomalie a été confirmée."]
    assert not console.get(account + "?fait=<b>x</b>").tree.xpath("//p[@role='status']")


def test_the_explanation_names_the_pages_buttons_and_french_dates_never_a_command(world):
    page = _page(world, "etab-admin", world.retyped["account_id"])
    (etat,) = page.tree.xpath("//section[@aria-labelledby='etat']")
    said = " ".join(etat.text_content().split())
    assert "Décider avec les boutons « Confirmer l'anomalie » ou « Écarter l'anomalie »" in said
    assert re.search(r"le \d{1,2}(er)? [a-zéû]+ 2026 à \d\d:\d\d", said), said
    assert "entsync anomalies" not in page.text() and "entsync history" not in page.text()
    assert not re.search(r"\d{4}-\d\d-\d\dT", said), said
    for dd in page.tree.xpath("//section[@aria-labelledby='anomalies']//dd"):
        assert "delivery" not in dd.text_content()  # the overwrite's English detail: the timeline says it


def test_the_pronote_section_says_what_the_ent_knows_and_that_the_rest_is_index_educations(world):
    page = _page(world, "reader", world.retyped["account_id"])
    (section,) = page.tree.xpath("//section[@aria-labelledby='pronote']")
    said = " ".join(section.text_content().split())
    detail = reads.account(world.ctx, scope=None, key=world.retyped["account_id"])
    assert not detail["pronote_matching_blocked"]
    assert "Rien ne bloque côté ENT le rapprochement des identifiants Pronote" in said
    assert f"identifiant « {detail['login']} »" in said and "Index Education" in said
