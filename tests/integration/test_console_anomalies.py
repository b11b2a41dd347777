"""The console's anomalies (issue 16), over real HTTP on a real server, on
both stores: the listing of the caller's establishments filtered by
establishment and kind, in French with the action to take; an etab-admin
confirming or dismissing an anomaly of its establishment through the page's
forms (a notice on the page it returns to, the token's name as author), a
404 for another establishment's anomaly, a reader shown no form and refused
the POST, the CSRF value required. The world of tests/integration/test_console.py,
students' records retyped for other persons as in the API's tests."""

from __future__ import annotations

import re

from events.anomaly import short
from events.anomaly_kinds import KINDS
from events.console_wording import ACTIONS
from tests.console_client import Console, Page
from tests.integration.console_world import both_backends, world_fixture
from tests.integration.test_http_anomaly_review import retyped

OVERWRITE = KINDS["suspected_overwrite"]


backend = both_backends()
world = world_fixture("anomalies")


def logged_in(world, role: str) -> Console:
    console = Console(world.url)
    assert console.log_in(world.tokens[role]).status == 200
    return console


def rows(page: Page) -> dict[str, str]:
    """Short id → the text of its row, for the rows with an id."""
    return {tr.get("data-id"): " ".join(tr.text_content().split()) for tr in page.tree.xpath("//tr[@data-id]")}


def decide(console: Console, anomaly: str, verb: str, reason: str = "fiche ressaisie", **fields: str) -> Page:
    listing = console.get("/console/anomalies?kind=suspected_overwrite")
    return console.post(
        f"/console/anomalies/{anomaly}/{verb}",
        {"csrf": listing.csrf(), "reason": reason, "back": "/console/anomalies?kind=suspected_overwrite", **fields},
    )


def test_the_listing_filters_by_establishment_and_kind_within_the_callers_scope(world):
    (row, mine), (_, other) = retyped(world, 3), retyped(world, 3, world.other)
    operator = logged_in(world, "operator")
    page = operator.get("/console/anomalies?kind=suspected_overwrite")
    assert page.status == 200 and page.title() == "Anomalies — console entsync"
    listed = rows(page)
    assert {short(mine), short(other)} <= set(listed)
    assert OVERWRITE.label_fr in listed[short(mine)] and ACTIONS[OVERWRITE.code] in listed[short(mine)]
    assert "entsync history" not in page.text()  # the console's action, not the CLI's command
    assert world.mine in listed[short(mine)] and world.other in listed[short(other)]
    assert f"/console/accounts/{row['account_id']}" in page.tree.xpath(f"//tr[@data-id='{short(mine)}']//a/@href")
    assert set(page.tree.xpath("//tbody/tr/@data-kind")) == {"suspected_overwrite"}
    assert page.tree.xpath("//select[@id='kind']/option[@selected]/@value") == ["suspected_overwrite"]
    assert page.tree.xpath("//label[@for='kind']") and page.tree.xpath("//label[@for='uai']")
    narrowed = rows(operator.get(f"/console/anomalies?uai={world.other}&kind=suspected_overwrite"))
    assert short(other) in narrowed and short(mine) not in narrowed
    everything = operator.get("/console/anomalies")
    assert len(everything.tree.xpath("//tbody/tr/@data-kind")) > len(page.tree.xpath("//tbody/tr"))
    admin = logged_in(world, "etab-admin")
    scoped = admin.get("/console/anomalies?kind=suspected_overwrite")
    assert short(mine) in rows(scoped) and short(other) not in rows(scoped)
    assert scoped.tree.xpath("//select[@id='uai']/option/@value") == ["", world.mine]
    assert admin.get(f"/console/anomalies?uai={world.other}").status == 404
    assert operator.get("/console/anomalies?kind=no_such_kind").status == 400


def test_an_etab_admin_confirms_an_anomaly_of_its_establishment(world):
    row, anomaly = retyped(world, 4)
    admin = logged_in(world, "etab-admin")
    form = admin.get("/console/anomalies?kind=suspected_overwrite").tree.xpath(
        f"//form[@action='/console/anomalies/{anomaly}/confirm']"
    )
    assert form and form[0].xpath(".//label[text()='Motif']") and form[0].xpath(".//button/@data-confirm")
    assert form[0].xpath(".//button/text()") == ["Confirmer l'anomalie", "Écarter l'anomalie"]
    assert form[0].xpath(".//button/@formaction") == [f"/console/anomalies/{anomaly}/dismiss"]
    page = decide(admin, anomaly, "confirm")
    assert page.status == 200 and "fait=confirmee" in page.url and "kind=suspected_overwrite" in page.url
    assert page.tree.xpath("//p[@class='notice'][@role='status']")
    assert "confirmée" in rows(page)[short(anomaly)]
    assert not page.tree.xpath(f"//form[contains(@action, '{anomaly}')]")
    review = world.ctx.db.query_dicts("SELECT status, author FROM anomaly_reviews WHERE anomaly_id = ?", (anomaly,))
    assert review == [{"status": "confirmed", "author": "console-admin"}]
    again = decide(admin, anomaly, "dismiss")
    assert again.status == 409 and "déjà décidée" in again.text() and "Traceback" not in again.body


def test_an_etab_admin_dismisses_with_a_reason_only(world):
    row, anomaly = retyped(world, 5)
    admin = logged_in(world, "etab-admin")
    refused = decide(admin, anomaly, "dismiss", reason="  ")
    assert refused.status == 400 and "motif" in refused.text()
    assert refused.tree.xpath("//p[@role='alert']") and not refused.headers["content-type"].startswith(
        "application/json"
    )
    page = decide(admin, anomaly, "dismiss", back="https://evil.example/console")
    assert page.status == 200 and re.search(r"/console/anomalies\?fait=ecartee$", page.url), page.url
    assert "écartée" in page.text()
    assert world.ctx.db.scalar("SELECT status FROM anomaly_reviews WHERE anomaly_id = ?", (anomaly,)) == "dismissed"


def test_another_establishments_anomaly_is_not_found_by_an_etab_admin(world):
    _, anomaly = retyped(world, 6, world.other)
    admin = logged_in(world, "etab-admin")
    for verb in ("confirm", "dismiss"):
        page = decide(admin, anomaly, verb)
        assert page.status == 404 and "Introuvable" in page.text(), page.text()
    unknown = decide(admin, "ffffffff-ffff-ffff-ffff-ffffffffffff", "confirm")
    assert unknown.status == 404 and unknown.text() == page.text()
    assert world.ctx.db.scalar("SELECT COUNT(*) FROM anomaly_reviews WHERE anomaly_id = ?", (anomaly,)) == 0


def test_a_reader_sees_no_decision_form_and_its_post_is_refused(world):
    _, anomaly = retyped(world, 7)
    reader = logged_in(world, "reader")
    page = reader.get("/console/anomalies?kind=suspected_overwrite")
    assert short(anomaly) in rows(page) and "à décider" in rows(page)[short(anomaly)]
    assert not page.tree.xpath("//form[contains(@action, '/confirm') or contains(@action, '/dismiss')]")
    refused = reader.post(f"/console/anomalies/{anomaly}/confirm", {"csrf": page.csrf(), "reason": "non"})
    assert refused.status == 403 and "Votre rôle ne permet pas" in refused.text()
    assert world.ctx.db.scalar("SELECT COUNT(*) FROM anomaly_reviews WHERE anomaly_id = ?", (anomaly,)) == 0


def test_a_decision_without_its_csrf_value_or_from_another_origin_is_refused(world):
    _, anomaly = retyped(world, 8)
    admin = logged_in(world, "etab-admin")
    assert admin.post(f"/console/anomalies/{anomaly}/confirm", {"reason": "fiche ressaisie"}).status == 403
    assert decide(admin, anomaly, "confirm", csrf="forged").status == 403
    csrf = admin.get("/console/anomalies").csrf()
    foreign = admin.post(
        f"/console/anomalies/{anomaly}/confirm", {"csrf": csrf, "reason": "x"}, origin="https://evil.example"
    )
    assert foreign.status == 403
    assert world.ctx.db.scalar("SELECT COUNT(*) FROM anomaly_reviews WHERE anomaly_id = ?", (anomaly,)) == 0
