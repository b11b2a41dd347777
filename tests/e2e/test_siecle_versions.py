"""SIECLE exports as académies send them, through the installed `entsync`
script on SQLite and PostgreSQL (issue 9, formats §2): a BEE_ELEVES of
version 2.1 (old `NOM`), one of version 3.0 with group and division codes
starting with `_`, and a partial extract without DATE_EXPORT, recorded with
its HORODATAGE as the export date."""

from __future__ import annotations

import json
from pathlib import Path

from projections.db import Database
from tests.e2e.daemon_process import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "siecle"
NOW = ("--now", "2026-04-20T08:00:00+00:00")


def ingest(store_url: str, path: Path, tmp_path: Path, code: int) -> dict:
    return json.loads(cli(store_url, "ingest", str(path), "--json", *NOW, cwd=tmp_path, code=code).stdout)


def test_exports_of_both_versions_and_a_partial_extract_are_imported(store_url, tmp_path):
    old = ingest(store_url, FIXTURES / "version-2.1/ElevesSansAdresses.xml", tmp_path, 0)
    assert (old["status"], old["uai"], old["kind"], old["rejections"]) == ("applied", "0690021Y", "eleves", [])
    assert old["counts"]["event_Enrolled"] == 3
    current = ingest(store_url, FIXTURES / "version-3.0/ElevesAvecAdresses.xml", tmp_path, 0)
    assert (current["status"], current["uai"], current["rejections"]) == ("applied", "0691495A", [])
    assert current["counts"]["event_Enrolled"] == 3
    partial = ingest(store_url, FIXTURES / "partiel/ElevesSansAdresses.xml", tmp_path, 3)  # applied, records rejected
    assert (partial["status"], partial["uai"]) == ("applied", "0694152N")
    assert partial["counts"]["event_Enrolled"] == 2
    assert {(r["reason"], r["record_id"]) for r in partial["rejections"]} == {
        ("missing_field", "630003"),
        ("missing_field", "630004"),
    }

    imports = json.loads(cli(store_url, "siecle", "imports", "--json", cwd=tmp_path).stdout)
    assert sorted((i["uai"], i["status"], i["exported_on"]) for i in imports) == [
        ("0690021Y", "applied", "2016-09-14"),
        ("0691495A", "applied", "2026-03-30"),
        ("0694152N", "applied", "2026-04-17"),  # the day of HORODATAGE: the file has no DATE_EXPORT
    ]
    db = Database(store_url)
    try:
        recorded = dict(db.query("SELECT uai, exported_at FROM siecle_imports"))
        assert recorded["0694152N"] == "2026-04-17T10:05:33"
        assert recorded["0690021Y"] == "2016-09-14T17:32:08"
        students = {
            eid: (uai, family, division, json.loads(groups))
            for eid, uai, family, division, groups in db.query(
                "SELECT eleve_id, uai, family_name, division, groups FROM siecle_students WHERE enrolled = 1"
            )
        }
    finally:
        db.close()
    assert students["610001"] == ("0690021Y", "Bœuf", "3EME1", ["LATIN3"])  # NOM of a 2.1 file
    assert students["620001"] == ("0691495A", "Lefèvre-Bœuf", "301", ["_301P1", "_3LATIN"])
    assert students["620003"][2:] == ("_3SEGPA", ["_301P1"])
    assert students["630001"][2:] == ("4A", ["_4A_G1", "_4ESP2"])  # two agreeing sections, merged
    assert students["630002"][2:] == ("4B", ["_4B-G2"])
    assert not {"630003", "630004"} & set(students)
    cli(store_url, "verify", cwd=tmp_path)


def test_an_export_without_any_export_date_is_rejected_naming_the_file(store_url, tmp_path):
    source = (FIXTURES / "partiel" / "ElevesSansAdresses.xml").read_bytes()
    undated = tmp_path / "ElevesSansAdresses.xml"
    undated.write_bytes(source.replace(b"    <HORODATAGE>17/04/2026 10:05:33</HORODATAGE>\n", b""))
    result = ingest(store_url, undated, tmp_path, 2)
    assert (result["status"], result["reason"]) == ("rejected", "invalid_header")
    assert "ElevesSansAdresses.xml" in result["message"] and "HORODATAGE" in result["message"]
    imports = json.loads(cli(store_url, "siecle", "imports", "--json", cwd=tmp_path).stdout)
    assert [(i["status"], i["reason"], i["exported_on"]) for i in imports] == [("rejected", "invalid_header", "")]
