"""Implausible values in an AAF delivery (domain-rules §12), through the
`entsync` CLI in-process, on both store backends: the *field* is set aside
with its reason, listed as an anomaly and in the delivery; the account is
still made from the names that remain; the record is rejected only when no
usable name remains. No value set aside appears in any output.

The deliveries are the hand-written ``values/`` fixture with one record
edited: student 1000002 (MARTIN Léa, born 03/04/2012), guardian 2000001.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.integration.test_aaf_rejections import FIX, Cli, assert_no_leak, request_lines

ELEVE = "ENTTEST_Complet_20260818_Eleve_0000.xml"
GUARDIANS = "ENTTEST_Complet_20260818_PersRelEleve_0000.xml"
CREATION = "2026-08-20T07:00:00+00:00"  # after the 48 h delay
LATER = "2026-09-01T06:00:00+00:00"
LONG = "MARTINEZ-" * 600  # thousands of characters


@pytest.fixture
def cli(store_url, capsys) -> Cli:
    return Cli(store_url, capsys)


def edited(tmp_path: Path, part: str, record: str, values: dict[str, str], name: str = "delivery") -> Path:
    """The ``values/`` delivery with the attributes of one record replaced
    (attribute → the XML of its values, as it appears in the file)."""
    target = tmp_path / name
    shutil.copytree(FIX / "values", target)
    path = target / part
    text = path.read_text(encoding="utf-8")
    start = text.index(f"<id>{record}</id>")
    end = text.index("</addRequest>", start)
    body = text[start:end]
    for attr, xml in values.items():
        prefix = f'<attr name="{attr}">'
        i = body.index(prefix)
        j = body.index("</attr>", i)
        body = body[:i] + prefix + xml + body[j:]
    path.write_text(text[:start] + body + text[end:], encoding="utf-8")
    return target


def redated(delivery: Path, tmp_path: Path, date: str) -> Path:
    """The same records, byte for byte, delivered on another date."""
    target = tmp_path / f"redated-{date}"
    target.mkdir()
    for f in delivery.iterdir():
        (target / f.name.replace("20260818", date)).write_bytes(f.read_bytes())
    return target


# field set aside for student 1000002: (values to write, reason, field, what stays visible in the values)
CASES = [
    (
        "birth-future",
        {"ENTPersonDateNaissance": "<value>03/04/2031</value>"},
        "birth_date_in_future",
        "ENTPersonDateNaissance",
        ("03/04/2031",),
    ),
    (
        "birth-next-day",
        {"ENTPersonDateNaissance": "<value>19/08/2026</value>"},
        "birth_date_in_future",
        "ENTPersonDateNaissance",
        ("19/08/2026",),
    ),
    (
        "birth-1899",
        {"ENTPersonDateNaissance": "<value>31/12/1899</value>"},
        "birth_date_before_1900",
        "ENTPersonDateNaissance",
        ("31/12/1899",),
    ),
    ("sn-long", {"sn": f"<value>{LONG}</value>"}, "name_too_long", "sn", (LONG[:40],)),
    ("sn-tab", {"sn": "<value>MAR&#9;TIN</value>"}, "name_control_characters", "sn", ("MAR\tTIN",)),
    ("given-line-break", {"givenName": "<value>Lé\na</value>"}, "name_control_characters", "givenName", ("Lé\na",)),
    (
        "given-c1-control",
        {"givenName": "<value>Lé&#x85;a</value>"},
        "name_control_characters",
        "givenName",
        ("Lé\x85a",),
    ),
    ("sn-zero-width", {"sn": "<value>MAR&#x200B;TIN</value>"}, "name_invisible_characters", "sn", ("MAR\u200bTIN",)),
    (
        "given-soft-hyphen",
        {"givenName": "<value>Lé&#xAD;a</value>"},
        "name_invisible_characters",
        "givenName",
        ("Lé\xada",),
    ),
    ("sn-blank", {"sn": "<value>   </value>"}, "name_blank", "sn", ()),
    ("given-nbsp-blank", {"givenName": "<value>&#xA0;&#x3000;</value>"}, "name_blank", "givenName", ()),
    (
        "nom-patro-long",
        {"ENTPersonNomPatro": f"<value>{LONG}</value>"},
        "name_too_long",
        "ENTPersonNomPatro",
        (LONG[:40],),
    ),
]
LOGIN = {"sn": "lea", "givenName": "martin"}  # the login from the name that remains


@pytest.mark.parametrize("values, reason, field, secrets", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_field_set_aside_account_still_made(cli, tmp_path, values, reason, field, secrets):
    delivery = edited(tmp_path, ELEVE, "1000002", values)
    line = request_lines(delivery / ELEVE)[1]
    code, result, out = cli.ingest(delivery)
    assert (code, result["status"], result["rejections"]) == (0, "applied", [])
    assert result["counts"]["fields_set_aside"] == 1
    assert result["counts"]["added"] == 11  # every record kept

    # the delivery lists where and why
    shown, text = cli.show(result["delivery_id"])
    expected = {"reason": reason, "file": ELEVE, "line": line, "record_id": "1000002", "field": field}
    assert [{k: s[k] for k in expected} for s in shown["set_aside"]] == [expected]
    assert shown["set_aside"][0]["message"]
    assert shown["counts"]["fields_set_aside"] == 1
    assert shown["rejections"] == [] and shown["rejected_records"] == 0

    # the anomaly operators list names the record and the field
    anomalies = [a for a in cli.json("anomalies") if a["anomaly"] == reason]
    assert [(a["jointure"], a["profile"]) for a in anomalies] == [("1000002", "ELEVE")]
    assert f"field {field} set aside: {ELEVE}:{line}" in anomalies[0]["detail"]
    _, anomalies_text = cli.run("anomalies")
    assert reason in anomalies_text

    # the account is pending, then created; the field is empty in what the directory uses
    account = cli.account("1000002")
    assert account["state"] == "pending"
    assert account["attributes"][field] == []
    assert [(f["field"], f["reason"], f["line"]) for f in account["set_aside"]] == [(field, reason, line)]
    assert reason in account["anomalies"]
    assert reason in {r for a in cli.json("accounts") if a["jointure"] == "1000002" for r in a["anomalies"]}
    code, ticked = cli.run("tick", "--now", CREATION, "--json")
    assert code == 0
    logins = {t["jointure"]: t["login"] for t in json.loads(ticked)["transitions"]}
    assert logins["1000002"] == LOGIN.get(field, "lea.martin")
    assert cli.account("1000002")["state"] == "active"

    # no value set aside in any output, history included
    _, history = cli.run("history", "1000002")
    _, history_json = cli.run("history", "1000002", "--json")
    assert "(set aside)" in history
    _, account_text = cli.run("account", "1000002")
    assert_no_leak(
        [
            out,
            json.dumps(json.loads(out), ensure_ascii=False),
            text,
            json.dumps(shown, ensure_ascii=False),
            anomalies_text,
            account_text,
            history,
            json.dumps(json.loads(history_json), ensure_ascii=False),
            json.dumps(cli.account("1000002"), ensure_ascii=False),
        ],
        secrets,
    )

    # the read model is what a rebuild from the log gives
    code, verified = cli.run("verify")
    assert code == 0, verified


def test_no_usable_name_rejects_the_record(cli, tmp_path):
    delivery = edited(
        tmp_path, ELEVE, "1000002", {"sn": "<value>   </value>", "givenName": "<value>Lé&#x200B;a</value>"}
    )
    line = request_lines(delivery / ELEVE)[1]
    code, result, out = cli.ingest(delivery)
    assert (code, result["status"]) == (3, "applied")
    assert [(r["reason"], r["file"], r["line"], r["record_id"], r["field"]) for r in result["rejections"]] == [
        ("no_usable_name", ELEVE, line, "1000002", "sn,givenName")
    ]
    assert "fields_set_aside" not in result["counts"]  # a rejected record has nothing set aside
    assert "1000002" not in cli.accounts()
    assert {"1000001", "1000003"} <= set(cli.accounts())
    shown, text = cli.show(result["delivery_id"])
    assert [r["reason"] for r in shown["rejections"]] == ["no_usable_name"]
    assert shown["set_aside"] == []
    assert "no_usable_name" in text and "sn,givenName" in text
    assert_no_leak([out, text], ("Lé\u200ba",))


def test_an_empty_family_name_is_still_a_fiche_incomplete(cli, tmp_path):
    # An empty value is not a name typed as blanks (domain-rules §5 stands).
    delivery = edited(tmp_path, ELEVE, "1000002", {"sn": "<value/>"})
    code, result, _ = cli.ingest(delivery)
    assert code == 3
    assert [(r["reason"], r["field"]) for r in result["rejections"]] == [("missing_field", "sn")]
    assert "1000002" not in cli.accounts()


def test_guardian_name_set_aside_keeps_the_guardian(cli, tmp_path):
    delivery = edited(tmp_path, GUARDIANS, "2000001", {"givenName": f"<value>{LONG}</value>"})
    code, result, out = cli.ingest(delivery)
    assert (code, result["counts"]["fields_set_aside"]) == (0, 1)
    guardian = cli.account("2000001")
    assert (guardian["profile"], guardian["attributes"]["givenName"]) == ("PARENT", [])
    assert [(a["anomaly"], a["jointure"]) for a in cli.json("anomalies") if a["anomaly"] == "name_too_long"] == [
        ("name_too_long", "2000001")
    ]
    code, ticked = cli.run("tick", "--now", CREATION, "--json")
    logins = {t["jointure"]: t["login"] for t in json.loads(ticked)["transitions"]}
    assert logins["2000001"] == "d-almeida"
    assert_no_leak([out], (LONG[:40],))


def test_same_bytes_keep_their_digest_and_record_nothing_new(cli, tmp_path):
    """The record with a field set aside, delivered again on another date:
    unchanged (its digest is the delivered bytes'), nothing set aside again,
    the anomaly still listed once."""
    delivery = edited(
        tmp_path, ELEVE, "1000002", {"sn": "<value>MAR&#x200B;TIN</value>", "givenName": "<value>Le\u0301a</value>"}
    )  # NFD é
    assert cli.ingest(delivery)[0] == 0
    code, again, _ = cli.ingest(redated(delivery, tmp_path, "20260901"), now=LATER)
    assert (code, again["status"]) == (0, "applied")
    assert again["counts"]["unchanged"] == 11
    assert "fields_set_aside" not in again["counts"]
    assert again["counts"].get("added", 0) == again["counts"].get("changed", 0) == 0
    assert [a["jointure"] for a in cli.json("anomalies") if a["anomaly"] == "name_invisible_characters"] == ["1000002"]
    shown, _ = cli.show(again["delivery_id"])
    assert shown["set_aside"] == []
    # the name kept as delivered (decomposed), its login folded all the same
    assert cli.account("1000002")["attributes"]["givenName"] == ["Le\u0301a"]
    code, ticked = cli.run("tick", "--now", LATER, "--json")
    assert {t["jointure"]: t["login"] for t in json.loads(ticked)["transitions"]}["1000002"] == "lea"


def test_a_corrected_record_gets_its_field_back(cli, tmp_path):
    bad = edited(
        tmp_path,
        ELEVE,
        "1000002",
        {"sn": "<value>MAR&#9;TIN</value>", "ENTPersonDateNaissance": "<value>03/04/1899</value>"},
    )
    assert cli.ingest(bad)[0] == 0
    assert {f["field"] for f in cli.account("1000002")["set_aside"]} == {"sn", "ENTPersonDateNaissance"}
    fixed = redated(FIX / "values", tmp_path, "20260901")
    code, result, _ = cli.ingest(fixed, now=LATER)
    assert (code, result["counts"]["changed"]) == (0, 1)
    account = cli.account("1000002")
    assert account["set_aside"] == []
    assert account["attributes"]["sn"] == ["MARTIN"]
    assert account["attributes"]["ENTPersonDateNaissance"] == ["03/04/2012"]
    assert not [a for a in cli.json("anomalies") if a["jointure"] == "1000002" and "set aside" in (a["detail"] or "")]
    code, verified = cli.run("verify")
    assert code == 0, verified


def test_a_delta_modify_keeps_what_is_set_aside(cli, tmp_path):
    """A modify that leaves the bad family name alone: the record stays, the
    name stays set aside (the stored record still has it)."""
    assert cli.ingest(edited(tmp_path, ELEVE, "1000002", {"sn": f"<value>{LONG}</value>"}))[0] == 0
    delta = tmp_path / "delta"
    delta.mkdir()
    src = (FIX / "delta" / "ENTTEST_Delta_20260819_Eleve_0000.xml").read_text(encoding="utf-8")
    head = src[: src.index("<modifyRequest>")]
    (delta / "ENTTEST_Delta_20260819_Eleve_0000.xml").write_text(
        head
        + """<modifyRequest>
    <operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>
    <identifier><id>1000002</id></identifier>
    <modifications>
      <modification name="ENTEleveGroupes" operation="replace"><value>4001$ESP2</value></modification>
    </modifications>
  </modifyRequest>
</ficAlimMENESR>
""",
        encoding="utf-8",
    )
    code, result, out = cli.ingest(delta, now="2026-08-19T06:00:00+00:00")
    assert (code, result["rejections"], result["counts"]["changed"]) == (0, [], 1)
    account = cli.account("1000002")
    assert account["attributes"]["ENTEleveGroupes"] == ["4001$ESP2"]
    assert [(f["field"], f["reason"]) for f in account["set_aside"]] == [("sn", "name_too_long")]
    assert_no_leak([out], (LONG[:40],))


# --------------------------------------------------------------------------- SIECLE exports


def test_siecle_fields_set_aside_are_recorded_and_listed(ctx, tmp_path):
    from datetime import datetime, timezone

    from events.usecases.siecle_import import ingest_siecle
    from projections import anomaly_queries, siecle_listings, siecle_schema
    from projections.siecle import SiecleProjection
    from tests.integration.test_siecle_ingest import LINKS, PERSONS, STUDENTS, UAI, eleves, responsables

    t1 = datetime(2026, 9, 2, 8, tzinfo=timezone.utc)
    students = [
        {**STUDENTS[0], "nom": "Cœur&#x200B; de Lion"},
        {**STUDENTS[1], "naiss": "01/01/2027"},
        {**STUDENTS[2], "nom": "   ", "prenom": "&#x85;"},
        *STUDENTS[3:],
    ]
    e = ingest_siecle(eleves(tmp_path / "e1.xml", "01/09/2026", students), ctx, t1)
    assert (e.status, e.exit_code) == ("applied", 3)  # 700003 has no usable name
    assert [(r.reason, r.record_id, r.field) for r in e.rejections] == [
        ("no_usable_name", "700003", "NOM_DE_FAMILLE,PRENOM")
    ]
    assert e.counts["fields_set_aside"] == 2
    assert sorted((a.record_id, a.field, a.reason) for a in e.set_aside) == [
        ("700001", "NOM_DE_FAMILLE", "name_invisible_characters"),
        ("700002", "DATE_NAISS", "birth_date_in_future"),
    ]
    persons = [PERSONS[0], (PERSONS[1][0], PERSONS[1][1], "X" * 400), *PERSONS[2:]]
    r = ingest_siecle(responsables(tmp_path / "r1.xml", "01/09/2026", persons, LINKS), ctx, t1)
    assert (r.exit_code, r.counts["fields_set_aside"]) == (0, 1)

    rows = {
        row["eleve_id"]: row
        for row in ctx.db.query_dicts("SELECT eleve_id, family_name, birth_date FROM siecle_students")
    }
    assert set(rows) == {"700001", "700002", "700004"}
    assert (rows["700001"]["family_name"], rows["700002"]["birth_date"]) == ("", "")
    listed = {(a["record_id"], a["field"], a["reason"]) for a in siecle_listings.set_asides(ctx.db, UAI)}
    assert listed == {
        ("700001", "NOM_DE_FAMILLE", "name_invisible_characters"),
        ("700002", "DATE_NAISS", "birth_date_in_future"),
        ("900002", "PRENOM", "name_too_long"),
    }
    anomalies = [
        a for a in anomaly_queries.anomalies(ctx.db, t1, ctx.policy.overdue_grace) if "SIECLE" in (a["detail"] or "")
    ]
    assert sorted(a["anomaly"] for a in anomalies) == [
        "birth_date_in_future",
        "name_invisible_characters",
        "name_too_long",
    ]
    assert all("Cœur" not in a["detail"] and "X" * 20 not in a["detail"] for a in anomalies)

    # a later export with the name corrected: the set-aside is no longer current
    t2 = datetime(2026, 10, 5, 8, tzinfo=timezone.utc)
    e2 = ingest_siecle(eleves(tmp_path / "e2.xml", "04/10/2026", STUDENTS), ctx, t2)
    assert "fields_set_aside" not in e2.counts and e2.counts["students_changed"] == 2
    assert {a["record_id"] for a in siecle_listings.set_asides(ctx.db, UAI)} == {"900002"}

    rebuilt = SiecleProjection(ctx.db, prefix="rebuild_")
    rebuilt.catch_up(ctx.log)
    assert rebuilt.dump() == ctx.siecle.dump()
    siecle_schema.drop(ctx.db, "rebuild_")
