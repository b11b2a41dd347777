"""After an erasure, nothing of the person remains (issue 17), on both stores.

A generated collège's rentrée and its second delivery after Toussaint go
through the service's inbox (so that its archive and reports are written);
a family that left is removed at the next Toussaint, and the tick three
months and a day later erases each of its members (keys destroyed, then
``PersonErased`` saved: events/usecases/erasure.py). Then every table of
the store and every file the inbox wrote is read as text and searched for
the family's names, birth dates (as written and ISO), INE, e-mails, phones,
street lines and logins: none is found, nor in a SQLite store's files read
as bytes, nor in what the outbound topic would carry of the log published
again; and ``entsync verify`` finds the read models equal to a rebuild
from the log.

The values searched are those of the erased persons that no other person of
the generated files has (a family name shared with a teacher stays in the
store, rightly), nor contains. Before the erasure the same scan finds them:
the test would fail if the erasure were not recorded."""

from __future__ import annotations

import json
import shutil
import threading
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree

from daemon import bootstrap
from daemon.kafka.outbound import message
from daemon.service.inbox import Inbox
from events.clock import ManualClock
from events.erasure import erasure_id
from events.policy import Policy
from events.usecases.tick import tick
from projections import facts
from tests.integration.cli import Cli
from tests.integration.conftest import make_academie

UTC = timezone.utc
T0 = datetime(2026, 8, 18, 6, tzinfo=UTC)
T1 = datetime(2026, 11, 5, 6, tzinfo=UTC)  # the second delivery, after Toussaint 2026
TOUSSAINT = datetime(2027, 10, 23, 6, tzinfo=UTC)  # the removals of those who left in 2026-2027
RETENTION_DAYS = 92

AAF = {"sn", "givenName", "ENTPersonNomPatro", "ENTPersonAutresPrenoms", "ENTPersonDateNaissance", "ENTEleveINE",
       "mail", "mobile", "homePhone", "telephoneNumber", "ENTPersonAdresse"}  # fmt: skip
SIECLE = {"NOM_DE_FAMILLE", "NOM_USAGE", "PRENOM", "PRENOM2", "PRENOM3", "DATE_NAISS", "ID_NATIONAL", "MEL",
          "TEL_PERSONNEL", "TEL_PORTABLE", "TEL_PROFESSIONNEL"}  # fmt: skip
ADDRESS = {"LIGNE1_ADRESSE", "LIGNE2_ADRESSE", "LIGNE3_ADRESSE", "LIGNE4_ADRESSE"}


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def people(root: Path) -> dict[str, set[str]]:
    """Each person's personal values in the generated files, by their id:
    the AAF jointure, a SIECLE ELEVE_ID or PERSONNE_ID (a guardian's is
    their AAF jointure)."""
    found: dict[str, set[str]] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    for path in root.rglob("*.xml"):
        if "variants" in path.parts:
            continue
        tree = etree.parse(str(path), parser).getroot()
        addresses = {
            el.get("ADRESSE_ID"): {(c.text or "") for c in el if _local(c) in ADDRESS}
            for el in tree.iter()
            if _local(el) == "ADRESSE"
        }
        for el in tree.iter():
            name = _local(el)
            if name == "attributes":
                attrs = {a.get("name"): [v.text or "" for v in a.findall("value")] for a in el.findall("attr")}
                jointure = (attrs.get("ENTPersonJointure") or [""])[0]
                values = {v for k in AAF for v in attrs.get(k, [])}
                found.setdefault(jointure, set()).update(values)
            elif name in ("ELEVE", "PERSONNE") and (el.get("ELEVE_ID") or el.get("PERSONNE_ID")):
                key = el.get("ELEVE_ID") or el.get("PERSONNE_ID")
                values = {c.text or "" for c in el if _local(c) in SIECLE}
                address = next((c.text for c in el if _local(c) == "ADRESSE_ID"), None)
                values |= addresses.get(address, set())
                found.setdefault(key, set()).update(values)
    out = {}
    for key, values in found.items():
        values = {v.strip() for v in values if v and len(v.strip()) >= 4}
        out[key] = values | {f"{v[6:]}-{v[3:5]}-{v[:2]}" for v in values if len(v) == 10 and v[2] == v[5] == "/"}
    return out


def scan_tables(ctx, needles: set[str]) -> dict[str, set[str]]:
    """Table → the needles found in its rows read as text (bytes decoded,
    or inflated when compressed): every table of the store's database."""
    if ctx.db.dialect == "sqlite":
        tables = [r[0] for r in ctx.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        tables = [
            f'"{s}"."{t}"'
            for s, t in ctx.db.query(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
            )
        ]
    assert any("stored" in t or "events" in t for t in tables), tables  # the event store's tables are scanned too
    hits: dict[str, set[str]] = {}
    for table in tables:
        for row in ctx.db.query(f"SELECT * FROM {table}"):
            text = " ".join(_text(v) for v in row)
            found = {n for n in needles if n in text or _escaped(n) in text}
            if found:
                hits.setdefault(table, set()).update(found)
    return hits


def _text(value) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        try:
            value = zlib.decompress(value)
        except zlib.error:
            pass
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def _escaped(value: str) -> str:
    return json.dumps(value)[1:-1]


def scan_files(root: Path, needles: set[str]) -> dict[str, set[str]]:
    hits: dict[str, set[str]] = {}
    for path in root.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            text = raw.decode("utf-8", errors="replace") + raw.decode("latin-1")
            found = {n for n in needles if n in text or _escaped(n) in text}
            if found:
                hits[str(path.relative_to(root))] = found
    return hits


def test_nothing_of_an_erased_family_remains(store_url, tmp_path, capsys):
    acad = make_academie(tmp_path / "acad", "--students", "12", "--seed", "3", "--sources", "aaf,siecle",
                         "--churn", "0.3")  # fmt: skip
    clock = ManualClock(T0)
    ctx = bootstrap.build(store_url, Policy(), clock)
    inbox_root = tmp_path / "inbox"
    inbox = Inbox(inbox_root, ctx, threading.RLock(), quiet_seconds=0, clock=clock)
    try:
        _year(acad, ctx, clock, inbox)
        family = _family(ctx, acad.manifest["churn"]["students_left"])
        values = people(acad.root)
        erased_keys = {k for m in family for k in (m["jointure"], *(r["key"] for r in m["records"]))}
        others = set().union(*(v for k, v in values.items() if k not in erased_keys))
        needles = {v for k in erased_keys for v in values.get(k, ())}
        needles = {v for v in needles if not any(v in o for o in others)} | {m["login"] for m in family}
        assert len(needles) >= 4 * len(family), needles  # names, birth dates, INE, mails, phones, logins
        before = scan_tables(ctx, needles)
        assert before and scan_files(inbox_root, needles)  # what the erasure must remove is there

        # The clock, three months and a day after the Toussaint removal: the tick erases.
        erasing = TOUSSAINT + timedelta(days=RETENTION_DAYS + 1)
        clock.set(erasing)
        _, done = tick(ctx, erasing)
        erased = {t.jointure for t in done if t.kind == "erase"}
        assert {m["jointure"] for m in family} <= erased
        destroyed = {t.subject for t in ctx.keyring.destroyed()}
        for member in family:
            fact = ctx.log.get(erasure_id(member["account_id"]))
            assert member["account_id"] in fact.subjects and fact.erased_at == erasing
            assert {member["account_id"], *(r["aggregate_id"] for r in member["records"])} <= destroyed
        ctx.projection.catch_up(ctx.log)
        ctx.siecle.catch_up(ctx.log)
        ctx.imports.catch_up(ctx.log)
        inbox.expire()
        # The deliveries' and imports' details (their rejection messages) went at
        # the Toussaint tick, a year after they were received: none left due.
        assert ctx.erasure_queries.received(erasing) == []
        streams = ctx.db.scalar("SELECT COUNT(*) FROM deliveries") + ctx.db.scalar(
            "SELECT COUNT(*) FROM siecle_imports"
        )
        assert ctx.erasure_queries.details_erased() == streams

        assert scan_tables(ctx, needles) == {}
        assert scan_files(inbox_root, needles) == {}
        # What the outbound topic would carry of the whole log now (a topic
        # published again from the start): no name; PersonErased among it.
        published = [message(n, fact)[1] for n, fact in facts_of(ctx.log)]
        assert not [n for n in needles for body in published if n.encode() in body]
        assert sum(b'"topic":"entsync:Erasure.PersonErased.v1"' in body for body in published) >= len(family)
        account = ctx.db.query_dicts("SELECT * FROM accounts WHERE account_id = ?", (family[0]["account_id"],))[0]
        assert (account["state"], account["login"]) == ("removed", "[effacé]")
    finally:
        ctx.close()
    report = Cli(store_url, capsys).json("verify")
    assert report["equal"], report["differences"]
    # SQLite: the file itself and its write-ahead log hold no old version of
    # the rows either (secure_delete, and the checkpoint after an erasure).
    files = {p.name: p.read_bytes() for p in tmp_path.glob("entsync.db*")}
    assert all(n.encode() not in raw for n in needles for raw in files.values())


def _year(acad, ctx, clock: ManualClock, inbox: Inbox) -> None:
    """The rentrée and the second delivery through the inbox; the accounts
    created; the second year's Toussaint removes those who left."""
    first, second = acad.manifest["dates"]["first"], acad.manifest["dates"]["second"]
    _drop(inbox, clock, acad.first, T0)
    tick(ctx, T0 + timedelta(days=2, hours=1))
    for exports in acad.manifest["sources"]["siecle"][first].values():
        _drop(inbox, clock, acad.root / exports["eleves"], T0 + timedelta(days=2, hours=2))
        _drop(inbox, clock, acad.root / exports["responsables"], T0 + timedelta(days=2, hours=3))
    _drop(inbox, clock, acad.second, T1)
    for exports in acad.manifest["sources"]["siecle"][second].values():
        _drop(inbox, clock, acad.root / exports["eleves"], T1 + timedelta(hours=1))
        _drop(inbox, clock, acad.root / exports["responsables"], T1 + timedelta(hours=2))
    tick(ctx, T1 + timedelta(days=3))
    clock.set(TOUSSAINT)
    tick(ctx, TOUSSAINT)


def _drop(inbox: Inbox, clock: ManualClock, source: Path, at: datetime) -> None:
    clock.set(at)
    target = inbox.root / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    assert inbox.handle(target) == 1
    assert not target.exists()  # filed in the archive


def _family(ctx, left: list[str]) -> list[dict]:
    """A student who left and was removed, with their guardians removed too,
    each with its SIECLE records and logins."""
    ctx.projection.catch_up(ctx.log)
    ctx.siecle.catch_up(ctx.log)
    for jointure in left:
        rows = ctx.db.query_dicts("SELECT * FROM accounts WHERE jointure = ? AND state = 'removed'", (jointure,))
        if not rows:
            continue
        links = json.loads(rows[0]["attrs"]).get("ENTEleveAutoriteParentale", [])
        guardians = [
            g
            for j in links
            for g in ctx.db.query_dicts("SELECT * FROM accounts WHERE jointure = ? AND state = 'removed'", (j,))
        ]
        if guardians and len(guardians) == len(links):
            family = [rows[0], *guardians]
            for member in family:
                member["records"] = ctx.db.query_dicts(
                    "SELECT aggregate_id, key FROM siecle_account_links WHERE account_id = ?", (member["account_id"],)
                )
                assert member["records"], member["jointure"]
                member["logins"] = [r[0] for r in ctx.db.query("SELECT login FROM logins WHERE account_id = ?",
                                                                (member["account_id"],))]  # fmt: skip
            return family
    raise AssertionError("no student removed with all their guardians")


def facts_of(log):
    decode = facts.decoder(log)
    return [(n.id, decode(n)) for n in log.notifications(0, 1_000_000)]
