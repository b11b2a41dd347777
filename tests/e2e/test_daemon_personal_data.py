"""No personal data in what the daemon writes (issue 4, domain-rules §11):
a generated rentrée — AAF, SIECLE, STS-web, timetable, the second date and
the faulty variants, plus a delivery with records that must be rejected —
goes through ``entsync run`` with JSON logs, its API and console asked as
their users would; then every name, birth date and
INE of the generated files is looked for in the logs, the reports (JSON and
the French bilan) and the names of the moved files."""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from generator.cli import run as generate
from tests.api_tokens import random_part
from tests.console_client import Console
from tests.e2e.daemon_process import Daemon, cli, drop_with_marker, wait_until

# Fields that carry a name, a birth date or an INE, by source (formats §1–§4).
NAME_FIELDS = {
    "sn",
    "givenName",
    "ENTPersonNomPatro",
    "ENTPersonAutresPrenoms",  # AAF
    "NOM_DE_FAMILLE",
    "NOM_USAGE",
    "PRENOM",
    "PRENOM2",
    "PRENOM3",
    "NOM_PATRONYMIQUE",  # SIECLE, STS
    "Nom",
    "Prenom",
    "NomUsage",
}  # timetable (on people only: rooms and classes have a Nom too)
TIMETABLE_PEOPLE = {"Eleve", "Professeur", "Responsable"}
DATE_FIELDS = {"ENTPersonDateNaissance", "DATE_NAISS", "DATE_NAISSANCE", "DateNaissance"}
INE_FIELDS = {"ENTEleveINE", "ID_NATIONAL", "INE"}
BAD_INE, BAD_BIRTH = "12345", "31/02/2013"  # planted in a record the ingest must reject


def _values(path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"name": set(), "date": set(), "ine": set()}

    def add(field: str, value: str | None) -> None:
        value = (value or "").strip()
        if not value:
            return
        for kind, fields in (("name", NAME_FIELDS), ("date", DATE_FIELDS), ("ine", INE_FIELDS)):
            if field in fields:
                found[kind].add(value)

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.parse(str(path), parser).getroot()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local == "attr":  # AAF: <attr name="sn"><value>…</value></attr>
            for v in el.findall("value"):
                add(el.get("name", ""), v.text)
        else:
            add(local, el.text)
        for name, value in el.attrib.items():
            if name in ("Nom", "Prenom", "NomUsage") and local not in TIMETABLE_PEOPLE:
                continue
            add(name, value)
    return found


def personal_data(root: Path) -> dict[str, set[str]]:
    """Every name, birth date (in both written forms) and INE of the dataset."""
    found: dict[str, set[str]] = {"name": set(), "date": set(), "ine": set()}
    for xml in root.rglob("*.xml"):
        for kind, values in _values(xml).items():
            found[kind] |= values
    for d in list(found["date"]):
        for fmt_in, fmt_out in (("%d/%m/%Y", "%Y-%m-%d"), ("%Y-%m-%d", "%d/%m/%Y")):
            try:
                found["date"].add(datetime.strptime(d, fmt_in).strftime(fmt_out))
            except ValueError:
                pass
    # Two-letter given names ("Li") would match inside ordinary words.
    found["name"] = {n for n in found["name"] if len(n) >= 3}
    return found


def leaks(text: str, data: dict[str, set[str]]) -> list[tuple[str, str]]:
    out = []
    for kind, values in data.items():
        for value in values:
            if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE):
                out.append((kind, value))
    return sorted(out)


@pytest.fixture(scope="module")
def rentree(tmp_path_factory):
    root = tmp_path_factory.mktemp("rentree")
    assert (
        generate([str(root / "gen"), "--students", "80", "--seed", "13", "--sources", "aaf,siecle,sts,timetable"]) == 0
    )
    return root / "gen", json.loads((root / "gen" / "manifest.json").read_text())


def test_nothing_the_daemon_writes_names_a_person(rentree, tmp_path, daemons):
    gen, manifest = rentree
    first, second = manifest["dates"]["first"], manifest["dates"]["second"]
    uai = manifest["establishments"][0]["uai"]
    src = manifest["sources"]

    # The first delivery with one student's INE and another's birth date made invalid.
    faulty = tmp_path / "faulty" / f"{first}-complet"
    shutil.copytree(gen / manifest["deliveries"][f"{first}-complet"]["path"], faulty)
    eleve = next(faulty.glob("*_Eleve_0000.xml"))
    text = eleve.read_bytes()
    ines = re.findall(rb'name="ENTEleveINE"><value>([^<]+)<', text)
    births = re.findall(rb'name="ENTPersonDateNaissance"><value>([^<]+)<', text)
    text = text.replace(
        b'name="ENTEleveINE"><value>' + ines[0] + b"<", b'name="ENTEleveINE"><value>' + BAD_INE.encode() + b"<", 1
    )
    text = text.replace(
        b'name="ENTPersonDateNaissance"><value>' + births[3] + b"<",
        b'name="ENTPersonDateNaissance"><value>' + BAD_BIRTH.encode() + b"<",
        1,
    )
    eleve.write_bytes(text)

    items = [
        faulty,
        gen / src["siecle"][first][uai]["eleves"],
        gen / src["siecle"][first][uai]["responsables"],
        gen / src["sts"][first][uai],
        gen / src["timetable"][first][uai],
        *(gen / v["path"] for v in src["variants"]),
        gen / manifest["deliveries"][f"{second}-delta"]["path"],
        gen / src["siecle"][second][uai]["eleves"],
        gen / src["siecle"][second][uai]["responsables"],
        gen / src["sts"][second][uai],
        gen / src["timetable"][second][uai],
    ]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    store = f"sqlite:///{tmp_path / 'entsync.db'}"
    daemon = Daemon(tmp_path, store, inbox, quiet=30).start()
    daemons.append(daemon)
    for n, item in enumerate(items, 1):
        # One at a time, under a name of its own (several exports share a file name).
        name = drop_with_marker(item, inbox, f"{n:02d}-{item.parent.name}-{item.name}")
        wait_until(
            lambda name=name: daemon.find("inbox.processed", item=name) or daemon.find("inbox.rejected", item=name),
            20,
            f"{name} to be processed",
        )
    # The API asked as its callers would (issue 12): an operator, a reader of the
    # establishment, someone with a wrong token and someone with none.
    secrets = {
        role: json.loads(
            cli(store, "--json", "tokens", "create", f"t-{role}", "--role", role, *scope, cwd=tmp_path).stdout
        )["token"]
        for role, scope in (("operator", ()), ("reader", ("--uai", uai)))
    }
    # A jointure (the accounts are pending at the wall clock: no login yet), which the log must not repeat.
    listed = json.loads(cli(store, "--json", "accounts", "--uai", uai, "--limit", "1", cwd=tmp_path).stdout)
    login = listed[0]["jointure"]
    asked = {}
    for who, header in (
        ("operator", {"Authorization": f"Bearer {secrets['operator']}"}),
        ("reader", {"Authorization": f"Bearer {secrets['reader']}"}),
        ("wrong", {"Authorization": f"Bearer {secrets['reader'][:-4]}abcd"}),
        ("none", {}),
    ):
        for path in ("/api/v1/accounts?limit=5", f"/api/v1/accounts/{login}", "/api/v1/deliveries", "/api/v1/imports"):
            req = urllib.request.Request(daemon.url(path), headers=header)
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    asked[(who, path)] = resp.status
            except urllib.error.HTTPError as exc:
                asked[(who, path)] = exc.code
    assert asked[("operator", f"/api/v1/accounts/{login}")] == 200 and asked[("reader", "/api/v1/deliveries")] == 403
    assert asked[("wrong", "/api/v1/imports")] == 401 and asked[("none", "/api/v1/imports")] == 401
    # The support console (issue 16) as support staff use it: a wrong token, then the
    # reader's, a search by a person's name, their page, a form without its CSRF value.
    account = json.loads(cli(store, "--json", "account", login, cwd=tmp_path).stdout)
    name = f"{account['attributes']['sn'][0]} {account['attributes']['givenName'][0]}"
    console = Console(daemon.url(""))
    assert console.log_in(secrets["reader"][:-4] + "abcd").status == 401
    assert console.log_in(secrets["reader"]).status == 200
    found = console.search(name)
    assert f"/console/accounts/{account['account_id']}" in found.body
    assert console.get(f"/console/accounts/{account['account_id']}").status == 200
    assert console.post("/console/search", {"q": name, "csrf": "forged"}).status == 403
    assert daemon.terminate() == 0

    events = daemon.events()
    outcomes = {e["fields"]["item"]: e["fields"] for e in events if e["event"] in ("inbox.processed", "inbox.rejected")}
    assert len(outcomes) == len(items)
    assert outcomes[f"01-faulty-{first}-complet"]["outcome"] == "applied_with_rejections"
    assert outcomes[f"01-faulty-{first}-complet"]["records_rejected"] >= 2
    assert any(o["outcome"] == "rejected" for o in outcomes.values())  # the variants

    data = personal_data(gen)
    data["ine"].add(BAD_INE)
    data["date"] |= {BAD_BIRTH}
    assert len(data["name"]) > 100 and len(data["date"]) > 100 and len(data["ine"]) > 50

    logs = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("daemon-*.*"))
    assert len(logs.splitlines()) > len(items)
    assert leaks(logs, data) == [], "personal data in the daemon's log"
    for secret in secrets.values():  # neither whole nor its secret part
        assert secret not in logs and random_part(secret) not in logs, "a token's secret in the daemon's log"
    assert not re.search(rf"(?<!\w){re.escape(login)}(?!\w)", logs), "a key asked of the API in the daemon's log"
    names = "\n".join(str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.parent.name in ("processed", "rejected"))
    assert leaks(names, data) == [], "personal data in a moved file's name"
    reports = sorted(inbox.rglob("*.report.*"))
    assert len([r for r in reports if r.suffix == ".json"]) == len(items)
    assert any(r.suffix == ".txt" for r in reports)  # the timetable bilans
    for report in reports:
        assert leaks(report.read_text(encoding="utf-8"), data) == [], f"personal data in {report.name}"
    # The scan finds what is there: the delivered files themselves, moved intact.
    moved = next((inbox / "processed").glob(f"*-01-faulty-{first}-complet"))
    eleves = next(moved.glob("*_Eleve_0000.xml")).read_bytes().decode("iso-8859-1")
    assert {"name", "date", "ine"} <= {kind for kind, _ in leaks(eleves, data)}
    assert ("ine", BAD_INE) in leaks(eleves, data) and ("date", BAD_BIRTH) in leaks(eleves, data)
