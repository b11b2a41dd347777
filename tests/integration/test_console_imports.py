# ruff: noqa: F811 (the fixtures imported from test_http_access are parameters of the tests)
"""The console's imports and held deliveries (issue 16), over real HTTP on a
real server, on both stores: an import's bilan within the caller's
establishments (another's is a 404 page), the timetable import awaiting
validation with its matches and the form that validates it, and the held
AAF deliveries — for operators only — with who would depart and the form
that releases them. The académie of tests/integration/test_http_access.py,
a world of this module's own."""

from __future__ import annotations

from uuid import UUID

from projections import account_queries
from tests.console_client import Console, Page
from tests.integration.test_http_access import backend, world  # noqa: F401 (fixtures)
from tests.integration.test_http_actions import hold_a_delivery, stored
from tests.integration.test_siecle_brake import (  # noqa: F401 (school, started_url: fixtures)
    held_and_served,
    school,
    started_url,
    states_of,
)


def logged(world, role: str) -> Console:
    console = Console(world.url)
    assert console.log_in(world.tokens[role]).status == 200
    return console


def forms(page: Page, action: str) -> list:
    return page.tree.xpath(f"//form[@method='post'][@action='{action}']")


def counted_in_french(page: Page) -> list[str]:
    """The bilan's count codes, each checked to have a French label beside it."""
    codes = []
    for dt in page.tree.xpath("//section[@aria-labelledby='bilan']//dl/dt"):
        code = dt.findtext("code")
        label = (dt.text or "").strip()
        assert code and label and label != code, dt.text_content()
        codes.append(code)
    return codes


def test_the_imports_of_my_establishment_are_listed_and_not_the_others(world):
    page = logged(world, "reader").get("/console/imports")
    assert page.status == 200 and page.title() == "Imports — console entsync"
    links = page.tree.xpath("//table[@id='imports-edt']//a/@href")
    assert f"/console/imports/{world.import_mine}" in links
    assert f"/console/imports/{world.import_other}" not in links
    assert world.other not in page.text()


def test_an_import_of_my_establishment_shows_its_bilan_in_french(world):
    page = logged(world, "reader").get(f"/console/imports/{world.import_mine}")
    assert page.status == 200, page.text()
    assert page.title() == "Import d'emploi du temps — console entsync"
    assert page.tree.xpath("//h2[@id='bilan']")[0].text_content().startswith("Bilan")
    sections = [h.text_content() for h in page.tree.xpath("//section[@aria-labelledby='bilan']/h3")]
    assert "Enseignants / Cours" in sections
    assert page.tree.xpath("//section[@aria-labelledby='rejets-titre']")
    assert not forms(page, f"/console/imports/{world.import_mine}/validate"), "a reader may not validate"


def test_another_establishments_import_is_a_404_page_for_a_reader(world):
    console = logged(world, "reader")
    for path in (f"/console/imports/{world.import_other}", "/console/imports/ffffffff"):
        page = console.get(path)
        assert page.status == 404 and "Introuvable" in page.text()
        assert page.tree.xpath("//p[@role='alert']")


def test_an_import_awaiting_validation_shows_its_matches_and_the_form(world):
    page = logged(world, "operator").get(f"/console/imports/{world.import_other}")
    assert page.status == 200
    assert "En attente de validation" in page.tree.xpath("//dd[@id='statut']")[0].text_content()
    heading = page.tree.xpath("//h2[@id='rapprochements']")[0].text_content()
    assert heading.startswith("Rapprochements :") and "rapprochés" in heading
    assert page.tree.xpath("//table[@id='rapproches']//tbody/tr")
    (form,) = forms(page, f"/console/imports/{world.import_other}/validate")
    assert form.xpath(".//button")[0].text_content() == "Valider l'import"
    assert form.xpath(".//label[@for='accept_end_date']")
    assert "Premier import de l'année scolaire" in page.text() and "entsync imports" not in page.text()


def test_an_etab_admin_validates_an_import_of_its_establishment(world):
    console = logged(world, "etab-admin")
    path = f"/console/imports/{world.import_mine}"
    page = console.get(path)
    assert forms(page, f"{path}/validate")
    assert console.post(f"{path}/validate", {"csrf": "forged"}).status == 403
    other = f"/console/imports/{world.import_other}/validate"
    assert console.post(other, {"csrf": page.csrf()}).status == 404
    done = console.post(f"{path}/validate", {"csrf": page.csrf()})
    assert done.status == 200 and done.url.endswith(f"{path}?fait=valide")
    assert "validé" in done.tree.xpath("//p[@class='notice'][@role='status']")[0].text_content()
    assert "Import réalisé avec succès" in done.tree.xpath("//dd[@id='statut']")[0].text_content()
    assert not forms(done, f"{path}/validate")
    validated = [e for e in stored(world, world.import_mine) if type(e).__name__ == "Validated"]
    assert [e.operator for e in validated] == ["admin-mine"]
    again = console.post(f"{path}/validate", {"csrf": page.csrf()})
    assert again.status == 409 and "ne vient pas" not in again.text()


def test_the_deliveries_are_a_403_page_for_an_etab_admin_and_a_reader(world):
    for role in ("etab-admin", "reader"):
        console = logged(world, role)
        for path in ("/console/deliveries", f"/console/deliveries/{world.delivery}"):
            page = console.get(path)
            assert page.status == 403 and "Accès refusé" in page.text(), (role, path)
        csrf = console.get("/console").csrf()
        assert console.post(f"/console/deliveries/{world.delivery}/release", {"csrf": csrf}).status == 403
        assert not console.get("/console").tree.xpath("//nav//a[@href='/console/deliveries']")


def test_an_operator_sees_a_held_delivery_with_who_would_depart_and_releases_it(world, tmp_path):
    held, persons = hold_a_delivery(world, tmp_path)
    console = logged(world, "operator")
    listing = console.get("/console/deliveries")
    assert listing.status == 200
    first = listing.tree.xpath("//table[@id='livraisons']/tbody/tr")[0]
    assert first.xpath(".//a/@href") == [f"/console/deliveries/{held.delivery_id}"]
    assert "retenue" in first.text_content() and "mass_departure" in first.text_content()
    path = f"/console/deliveries/{held.delivery_id}"
    page = console.get(path)
    assert page.status == 200 and page.title() == "Livraison AAF — console entsync"
    assert page.tree.xpath("//table[@id='freins-table']//td[normalize-space()='déclenché']")
    linked = {h.rsplit("/", 1)[1] for h in page.tree.xpath("//table[@id='partants-liste']//a/@href")}
    assert {p["account_id"] for p in persons} <= linked and all(UUID(a) for a in linked)
    counted = page.tree.xpath("//table[@id='partants-comptes']/tbody/tr")
    cells = [[int(td.text_content()) for td in tr.xpath("./td")[2:]] for tr in counted]
    assert sum(c + e for c, e in cells) >= len(persons) and sum(c for c, _ in cells) > 0
    assert forms(page, f"{path}/release") and forms(page, f"{path}/reject")
    assert console.post(f"{path}/release", {"csrf": page.csrf()}, origin="https://evil.example").status == 403
    done = console.post(f"{path}/release", {"csrf": page.csrf()})
    assert done.status == 200 and done.url.endswith(f"{path}?fait=liberee")
    assert "libérée" in done.tree.xpath("//p[@class='notice'][@role='status']")[0].text_content()
    assert not forms(done, f"{path}/release")
    assert "staged" in counted_in_french(done)
    world.ctx.projection.catch_up(world.ctx.log)
    assert not account_queries.accounts(world.ctx.db, uai=world.other, state="active", limit=100000)
    released = [e for e in stored(world, held.delivery_id) if "Release" in type(e).__name__]
    assert released and {getattr(e, "operator", None) for e in released} == {"ops"}


def test_a_held_siecle_import_is_read_by_its_establishment_and_rejected_by_an_operator(school, started_url):
    with held_and_served(school, started_url, "mass-console") as (ctx, held, leavers, api):
        path = f"/console/imports/{held.import_id}"
        admin = logged(api, "etab-admin")
        listed = admin.get("/console/imports").tree.xpath("//table[@id='imports-siecle']//a/@href")
        assert path in listed
        page = admin.get(path)
        assert page.status == 200 and page.title() == "Import SIECLE — console entsync"
        assert "retenu" in page.tree.xpath("//dd[@id='statut']")[0].text_content()
        applied = [admin.get(p) for p in listed if p != path]
        assert applied and all("rejected" in counted_in_french(p) for p in applied)
        assert "Retenu par le frein sur les départs" in page.text()
        assert page.tree.xpath("//details/summary[starts-with(., 'Message technique')]")  # the CLI's, aside
        assert len(page.tree.xpath("//table[@id='partants-liste']/tbody/tr")) >= len(leavers)
        assert not forms(page, f"/console/deliveries/siecle/{held.import_id}/reject"), "an etab-admin may not"
        operator = logged(api, "operator")
        held_rows = operator.get("/console/deliveries").tree.xpath("//table[@id='siecle-retenus-table']//a/@href")
        assert held_rows == [path]
        page = operator.get(path)
        reject = f"/console/deliveries/siecle/{held.import_id}/reject"
        assert forms(page, reject) and forms(page, f"/console/deliveries/siecle/{held.import_id}/release")
        assert operator.post(f"/console/deliveries/siecle/{held.import_id}/forget", {"csrf": page.csrf()}).status == 404
        done = operator.post(reject, {"csrf": page.csrf()})
        assert done.status == 200 and done.url.endswith(f"{path}?fait=siecle-rejete")
        assert "rejeté" in done.tree.xpath("//p[@class='notice'][@role='status']")[0].text_content()
        assert "rejeté" in done.tree.xpath("//dd[@id='statut']")[0].text_content()
        assert set(states_of(ctx, leavers).values()) == {("active", "")}, "a rejected export applied something"
