"""The console's search answers the seeds' tickets (issue 16), over real
HTTP on both stores, in the collège of the diagnosis stories after its
rentrée (tests/integration/diagnosis_world.py): a guardian's AAF record
retyped for someone else is found by the name it carried before; a guardian
SIECLE knows and the AAF never delivered is found and its SIECLE page says
why it has no account; records rejected by two AAF deltas and a SIECLE
export are found by their key — by an operator, by the collège's admin when
the key is its own person's, never by the admin of another establishment,
who finds none of these persons by any path."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest

from daemon import bootstrap
from events.access import Role
from events.clock import ManualClock
from events.policy import Policy
from tests.api_tokens import issue
from tests.browser.console_world import OTHER_UAI, _Output
from tests.console_client import Console, Page
from tests.integration import diagnosis_world as world_
from tests.integration.console_world import NOW, both_backends, serving
from tests.integration.diagnosis_world import SIECLE_ENCODING, T_LATER

NEWCOMER = {"sn": ["Nouvelnom"], "givenName": ["Octavien"], "ENTPersonNomPatro": ["Nouvelnom"]}
ONLY_IN_SIECLE = ("Quintal-Oréade", "Zéphyrine")  # a guardian the AAF never delivered
UNKNOWN_JOINTURE = "ZZ9000001"  # a record the AAF rejected, of nobody in the directory
NEW_PID = "9990001"


backend = both_backends()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return world_.build(tmp_path_factory.mktemp("search-world"))


def siecle_exports(world) -> tuple[object, object, str]:
    """The guardians export with a guardian of the student's the AAF never
    delivered; the students export with one INE mistyped (rejected)."""
    body = world.responsables.read_bytes()
    start = body.index(f'<PERSONNE PERSONNE_ID="{world.b}">'.encode())
    end = body.index(b"</PERSONNE>", start) + len(b"</PERSONNE>")
    person = body[start:end].replace(world.b.encode(), NEW_PID.encode())
    values = {b"NOM_DE_FAMILLE": ONLY_IN_SIECLE[0], b"PRENOM": ONLY_IN_SIECLE[1], b"NOM_USAGE": ""}
    person = world_.retyped(person, NEW_PID, {k: v.encode(SIECLE_ENCODING) for k, v in values.items()})
    guardians = world_.later_export(world, "search-guardians", world.responsables, body[:end] + person + body[end:])
    eleves = world.eleves.read_bytes()
    (first, eleve_id), *_ = [
        (m.start(), m.group(1).decode())
        for m in re.finditer(rb'<ELEVE ELEVE_ID="(\d+)"', eleves)
        if m.group(1).decode() != world.student
    ]
    stop = eleves.index(b"</ELEVE>", first)
    record = re.sub(rb"<ID_NATIONAL>[^<]*</ID_NATIONAL>", b"<ID_NATIONAL>FAUX</ID_NATIONAL>", eleves[first:stop])
    students = world_.later_export(world, "search-students", world.eleves, eleves[:first] + record + eleves[stop:])
    return guardians, students, eleve_id


@pytest.fixture(scope="module")
def served(request, backend, world, tmp_path_factory):
    output = _Output()
    with contextlib.redirect_stdout(output.out), contextlib.redirect_stderr(output.err):
        cli = prepare(request, backend, world, output, tmp_path_factory.mktemp("search-store"))
    ctx = bootstrap.build(cli.store_url, Policy(), ManualClock(NOW))
    tokens = {
        "operator": issue(ctx, "search-ops", Role.OPERATOR),
        "etab-admin": issue(ctx, "search-admin", Role.ETAB_ADMIN, (world.uai,)),
        "other-etab-admin": issue(ctx, "search-other", Role.ETAB_ADMIN, (OTHER_UAI,)),
    }
    ctx.close()
    with serving(cli.store_url) as url:
        yield {"url": url, "tokens": tokens, **cli.facts}


def prepare(request, backend, world, output, directory):
    """The rentrée, then the deltas and exports of the module's tickets."""
    cli = world_.rentree(request, backend, world, output, directory)
    former = cli.json("account", world.a)
    teacher = cli.json("account", world.teacher)
    title = former["attributes"].get("personalTitle", ["M."])[0]
    retyped = {**former["attributes"], **NEWCOMER, "personalTitle": ["Mme" if title.startswith("M.") else "M."]}
    for n, day in enumerate(("20260917", "20260918")):
        delta = world_.aaf_delta(world.root / f"search-delta-{n}", day, {
            "PersRelEleve": [world_.aaf_record("PersRelEleve", world.a, retyped)] if n == 0 else [],
            "PersEducNat": [world_.mismatched("PersEducNat", world.teacher, teacher["attributes"]),
                            world_.mismatched("PersEducNat", UNKNOWN_JOINTURE, teacher["attributes"])],
        })  # fmt: skip
        code, out = cli.run("ingest", str(delta), "--now", (T_LATER + timedelta(days=n)).isoformat())
        assert code in (0, 3) and "rejected 2" in out, (out, cli.err)  # 3: records rejected
    suspected = cli.json("anomalies", "--kind", "suspected_overwrite")
    assert [r["jointure"] for r in suspected] == [world.a], suspected
    guardians, students, eleve_id = siecle_exports(world)
    for n, export in enumerate((guardians, students)):
        code, out = cli.run("ingest", str(export), "--now", (T_LATER + timedelta(days=2, minutes=n)).isoformat())
        assert code == (3 if export == students else 0), (out, cli.err)
    former_names = f"{former['attributes']['givenName'][0]} {former['attributes']['sn'][0]}"
    cli.facts = {"former": former, "former_names": former_names, "teacher": teacher, "eleve_id": eleve_id}
    return cli


def logged_in(served, role: str) -> Console:
    console = Console(served["url"])
    assert console.log_in(served["tokens"][role]).status == 200
    return console


def accounts(page: Page) -> dict[str, str]:
    """Account id → the text of its result row."""
    return {
        a.get("href").rsplit("/", 1)[1]: " ".join(a.getparent().text_content().split())
        for a in page.tree.xpath("//section//tbody/tr/td/a[starts-with(@href, '/console/accounts/')]")
    }


def test_a_former_name_finds_the_overwritten_account(served):
    admin = logged_in(served, "etab-admin")
    page = admin.search(served["former_names"])
    assert page.status == 200 and page.title() == "Rechercher une personne — console entsync"
    rows = accounts(page)
    account = served["former"]["account_id"]
    assert account in rows, rows
    family, given = served["former"]["attributes"]["sn"][0], served["former"]["attributes"]["givenName"][0]
    assert f"anciennement : {family.upper()} {given}" in rows[account] and "écrasement suspecté" in rows[account]
    # typed as a ticket would, without accents nor capitals, the family name first
    assert account in accounts(admin.search(world_plain(f"{family} {given}")))
    assert account in accounts(admin.search("Octavien Nouvelnom"))  # its current name still finds it


def world_plain(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def test_a_guardian_only_siecle_knows_is_found_and_its_page_says_why(served):
    admin = logged_in(served, "etab-admin")
    page = admin.search("zephyrine quintal oreade")
    links = page.tree.xpath("//table[@id='siecle-seuls']//a/@href")
    assert links and all(ONLY_IN_SIECLE[0] not in h for h in links), links
    (href,) = links
    assert href.endswith(f"/responsable/{NEW_PID}"), href
    assert "connu de SIECLE, sans compte ENT" in page.text()
    person = admin.get(href)
    assert person.status == 200 and person.title() == "Fiche SIECLE — console entsync"
    assert ONLY_IN_SIECLE[0] in person.text() and "Pourquoi pas de compte ENT" in person.text()
    assert "L'annuaire académique (AAF) n'a livré aucun compte" in person.text()
    assert person.tree.xpath("//table[@id='timeline']/tbody/tr"), "the record's history"
    assert person.tree.xpath("//h1") and len(person.tree.xpath("//h1")) == 1


def test_a_rejected_record_is_found_by_its_key_by_an_operator_only(served):
    operator = logged_in(served, "operator")
    page = operator.search(UNKNOWN_JOINTURE)
    (table,) = page.tree.xpath("//table[contains(@class, 'fiche-rejetee')]")
    caption = " ".join(table.xpath("caption")[0].text_content().split())
    assert "Fiche rejetée (AAF) : rejetée à 2 livraisons depuis le 17/09/2026" in caption, caption
    assert len(table.xpath("tbody/tr")) == 2 and "jointure_mismatch" in table.text_content()
    assert "la jointure ne correspond pas au compte" in table.text_content()
    admin = logged_in(served, "etab-admin")
    assert not admin.search(UNKNOWN_JOINTURE).tree.xpath("//table[contains(@class, 'fiche-rejetee')]")


def test_a_rejected_record_of_an_own_person_is_found_by_its_admin_and_on_its_account_page(served):
    admin = logged_in(served, "etab-admin")
    teacher = served["teacher"]
    page = admin.search(teacher["jointure"])
    assert teacher["account_id"] in accounts(page)
    assert page.tree.xpath("//table[contains(@class, 'fiche-rejetee')][@data-source='aaf']")
    found = admin.search(served["eleve_id"])
    (siecle,) = found.tree.xpath("//table[contains(@class, 'fiche-rejetee')][@data-source='siecle']")
    assert "invalid_ine" in siecle.text_content() and "rejetée à 1 import" in siecle.text_content()
    account = admin.get(f"/console/accounts/{teacher['account_id']}")
    rejets = account.tree.xpath("//section[@aria-labelledby='rejets']//tbody/tr")
    assert len(rejets) == 2 and "jointure_mismatch" in rejets[0].text_content()


def test_the_admin_of_another_establishment_finds_none_of_them_by_any_path(served):
    other = logged_in(served, "other-etab-admin")
    for text in (served["former_names"], "zephyrine quintal oreade", UNKNOWN_JOINTURE, served["teacher"]["jointure"],
                 served["eleve_id"], "Octavien Nouvelnom"):  # fmt: skip
        page = other.search(text)
        assert page.status == 200
        assert "Aucune personne ne correspond dans vos établissements." in page.text(), text
        assert not page.tree.xpath("//section//tbody/tr"), text
    admin = logged_in(served, "etab-admin")
    href = admin.search("zephyrine quintal oreade").tree.xpath("//table[@id='siecle-seuls']//a/@href")[0]
    assert other.get(href).status == 404
