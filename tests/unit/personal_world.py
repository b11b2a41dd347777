"""A generated rentrée on the in-memory twin, for the inventory of personal
data (tests/unit/test_personal_fields.py): every AAF delivery, SIECLE,
STS-web and timetable export of two dates and every faulty variant, the
accounts' creation, a guardian retyped as another person (a suspected
overwrite), a login renamed; and the names, birth dates, INE and e-mails
the generated files hold, so that each can be looked for in the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from adapters.sniff import kind_of
from daemon import bootstrap
from events.policy import Policy
from events.usecases.admin_login import RenameLogin, rename_login
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from generator.cli import run as generate
from tests.unit.test_aaf_guardian_swaps import later

UTC = timezone.utc
FIRST = datetime(2026, 8, 18, 6, tzinfo=UTC)
SECOND = datetime(2026, 11, 5, 6, tzinfo=UTC)

# Where the generated files put a person's name, birth date, INE or e-mail
# (formats §1–§4): AAF attributes, SIECLE and STS-web elements, timetable
# attributes of a person (a class or a room has a Nom too).
AAF_VALUES = {"sn", "givenName", "ENTPersonNomPatro", "ENTPersonAutresPrenoms", "ENTPersonDateNaissance",
              "ENTEleveINE", "mail"}  # fmt: skip
ELEMENTS = {"NOM", "NOM_DE_FAMILLE", "NOM_USAGE", "PRENOM", "PRENOM2", "PRENOM3", "NOM_PATRONYMIQUE", "DATE_NAISS",
            "DATE_NAISSANCE", "ID_NATIONAL", "MEL"}  # fmt: skip
PEOPLE = {"Professeur", "Eleve", "Responsable"}
PEOPLE_ATTRIBUTES = {"Nom", "Prenom", "DateNaissance", "NumeroNational"}


def personal_values(root: Path) -> set[str]:
    """Every name, birth date (as written and ISO) and INE of the generated files."""
    found: set[str] = set()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    for path in root.rglob("*.xml"):
        tree = etree.parse(str(path), parser).getroot()
        if tree is None:
            continue
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            if local == "attr" and el.get("name") in AAF_VALUES:
                found.update(v.text or "" for v in el.findall("value"))
            elif local in ELEMENTS:
                found.add(el.text or "")
            if local in PEOPLE:
                found.update(v for k, v in el.attrib.items() if k in PEOPLE_ATTRIBUTES)
    found = {v.strip() for v in found} - {""}
    iso = {f"{v[6:]}-{v[3:5]}-{v[:2]}" for v in found if len(v) == 10 and v[2] == v[5] == "/"}
    return found | iso


def build(root: Path) -> tuple[Any, set[str]]:
    """The context of the rentrée (to close) and the values to look for."""
    assert generate([str(root), "--students", "20", "--seed", "3", "--sources", "aaf,siecle,sts,timetable"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    ctx = bootstrap.build("memory:", Policy(), simulation=True)
    at = FIRST
    for stage, date in enumerate((manifest["dates"]["first"], manifest["dates"]["second"])):
        at = FIRST if stage == 0 else SECOND
        for name, delivery in manifest["deliveries"].items():
            if name.startswith(date):
                at = _ingest(ctx, root / delivery["path"], at)
        tick(ctx, at + timedelta(days=3))
        at += timedelta(days=3, hours=1)
        for exports in manifest["sources"]["siecle"][date].values():
            at = _ingest(ctx, root / exports["eleves"], at)
            at = _ingest(ctx, root / exports["responsables"], at)
        for source in ("sts", "timetable"):
            for path in manifest["sources"][source][date].values():
                at = _ingest(ctx, root / path, at)
        if stage == 0:
            first = root / manifest["deliveries"][f"{date}-complet"]["path"]
            at = _ingest(ctx, later(first, root / "retyped", swap=False), at + timedelta(days=30))
    for variant in manifest["sources"]["variants"]:
        at = _ingest(ctx, root / variant["path"], at)
    login = next(e.login for _, e in ctx.log.iter_events() if type(e).__name__ == "AccountCreated")
    rename_login(RenameLogin(login, "renamed.login", "asked by the family", "alice"), ctx, at)
    return ctx, personal_values(root)


def _ingest(ctx: Any, path: Path, at: datetime) -> datetime:
    dispatch(Arrival(kind_of(path), str(path)), ctx, at)
    return at + timedelta(hours=1)


def leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, value) of every leaf of an event's state: keys of dicts, indexes of lists."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    else:
        yield path, value
