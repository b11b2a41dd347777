"""AAF deliveries with bad records and bad files, through the `entsync` CLI
in-process, on both store backends (formats §1, domain-rules §5, §11).

Record-level problems set one record aside (exit 3, the rest applied, the
rejection recorded with file, line, record, field and reason and without any
personal value); delivery-level problems and missing parts apply nothing
(exit 2); ingesting the same delivery again records nothing new.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.integration.cli import Cli as BaseCli

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
NOW = "2026-08-18T06:00:00+00:00"
LATER = "2026-08-19T06:00:00+00:00"
ELEVE = "ENTTEST_Complet_20260818_Eleve_0000.xml"
ETAB = "ENTTEST_Complet_20260818_EtabEducNat_0000.xml"
REQUEST_TAGS = (b"<addRequest", b"<modifyRequest", b"<deleteRequest")

# Personal values of the bad record of the bad-* fixtures (domain-rules §11).
SECRETS = ("ZORGLUB", "Anaïs-Maëlle", "Anaïs", "14/07/2011", "071234567ZZ")


# --------------------------------------------------------------------------- helpers


class Cli(BaseCli):
    def ingest(self, path: Path, now: str = NOW) -> tuple[int, dict, str]:
        code, out = self.run("ingest", str(path), "--now", now, "--json")
        return code, json.loads(out), out

    def accounts(self) -> list[str]:
        return [a["jointure"] for a in self.json("accounts")]

    def account(self, key: str) -> dict:
        return self.json("account", key)

    def structures(self) -> list[str]:
        return [s["uai"] for s in self.json("structures")]

    def deliveries(self) -> list[dict]:
        return self.json("deliveries")

    def show(self, delivery_id: str) -> tuple[dict, str]:
        data = self.json("deliveries", "show", delivery_id)
        code, text = self.run("deliveries", "show", delivery_id)
        assert code == 0
        return data, text


@pytest.fixture
def cli(store_url, capsys) -> Cli:
    return Cli(store_url, capsys)


def request_lines(path: Path) -> list[int]:
    return [i for i, line in enumerate(path.read_bytes().split(b"\n"), 1) if any(tag in line for tag in REQUEST_TAGS)]


def line_of(path: Path, needle: bytes) -> int:
    return next(i for i, line in enumerate(path.read_bytes().split(b"\n"), 1) if needle in line)


def assert_no_leak(texts: list[str], secrets) -> None:
    for text in texts:
        for value in secrets:
            assert value not in text, f"personal value {value!r} leaked"


# --------------------------------------------------------------------------- good deliveries


def test_good_delivery_of_six_categories_is_applied(cli):
    code, result, _ = cli.ingest(FIX / "values")
    assert code == 0
    assert result["status"] == "applied"
    assert result["rejections"] == []
    assert result["counts"]["added"] == 11
    assert cli.accounts() == ["1000001", "1000002", "1000003", "2000001", "2000002", "3000001"]
    assert cli.structures() == ["0011068F", "0571994H"]
    a = cli.account("1000001")
    assert a["attributes"]["sn"] == ["D'ALMEIDA"]  # trimmed, apostrophe kept
    assert a["attributes"]["givenName"] == ["Jean-Baptiste"]
    assert a["attributes"]["ENTPersonAutresPrenoms"] == ["Jean-Baptiste", "Marie-José", "Noé"]
    assert a["attributes"]["mail"] == []


@pytest.mark.parametrize(
    "fixture, sn, given, structure",
    [
        ("latin1-ncr", "Cœur", "Hélène", "COLLÈGE JEAN-MOÏSE D'ARGENT"),
        ("latin9", "BŒUF", "Cœline", None),
    ],
)
def test_encodings_reach_the_read_model(cli, fixture, sn, given, structure):
    code, result, _ = cli.ingest(FIX / fixture)
    assert (code, result["status"]) == (0, "applied")
    a = cli.account("1000001")
    assert a["attributes"]["sn"] == [sn]
    assert a["attributes"]["givenName"] == [given]
    if structure:
        assert [s["name"] for s in cli.json("structures")] == [structure]


def _zip(src: Path, dest: Path) -> Path:
    archive = dest / "ENT2D.20260818.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(src.iterdir()):
            zf.write(f, f"ENT2D.20260818/{f.name}")
    return archive


def _tgz(src: Path, dest: Path) -> Path:
    archive = dest / "ENT2D.20260818.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src, arcname=".")
    return archive


@pytest.mark.parametrize("build", [_zip, _tgz], ids=["zip", "tgz"])
def test_archive_is_the_same_delivery_as_the_directory(cli, tmp_path, build):
    archive = build(FIX / "values", tmp_path)
    code, result, _ = cli.ingest(archive)
    assert (code, result["status"]) == (0, "applied")
    assert cli.accounts() == ["1000001", "1000002", "1000003", "2000001", "2000002", "3000001"]
    code, again, _ = cli.ingest(FIX / "values")  # same content, other container
    assert (code, again["status"], again["delivery_id"]) == (0, "already-applied", result["delivery_id"])
    assert len(cli.deliveries()) == 1


def test_delta_modify_delete_and_add_after_a_complete(cli):
    assert cli.ingest(FIX / "values")[0] == 0
    code, result, _ = cli.ingest(FIX / "delta", now=LATER)
    assert (code, result["status"], result["rejections"]) == (0, "applied", [])
    assert (result["counts"]["changed"], result["counts"]["deleted"], result["counts"]["added"]) == (1, 1, 1)
    a = cli.account("1000001")
    assert a["attributes"]["sn"] == ["D'ALMEIDA-MARTIN"]
    assert a["attributes"]["ENTEleveGroupes"] == ["4001$ESP2"]
    assert a["attributes"]["givenName"] == ["Jean-Baptiste"]  # not replaced: kept
    assert {(m["kind"], m["code"]) for m in a["memberships"]} == {("class", "3EME1"), ("group", "ESP2")}
    gone = cli.account("1000003")
    assert gone["state"] not in ("pending", "active")
    assert gone["state_reason"] == "deleted_by_delta"
    assert "1000004" in cli.accounts()


def test_delta_of_unknown_records_rejects_them_and_applies_the_rest(cli):
    path = FIX / "delta" / "ENTTEST_Delta_20260819_Eleve_0000.xml"
    code, result, _ = cli.ingest(FIX / "delta", now=LATER)
    assert (code, result["status"]) == (3, "applied")
    lines = request_lines(path)
    assert [(r["reason"], r["line"], r["record_id"], r["field"]) for r in result["rejections"]] == [
        # a modify of an unknown record is an arrival (formats §1): this one is not a whole record
        ("missing_field", lines[0], "1000001", "ENTPersonJointure"),
        ("unknown_record", lines[1], "1000003", "identifier/id"),
    ]
    assert cli.accounts() == ["1000004"]


# --------------------------------------------------------------------------- record-level rejections

RECORD_CASES = [
    # fixture, part file, reason, record id, field, accounts applied, extra personal values
    ("bad-code-long", ELEVE, "invalid_code", "1000002", "ENTEleveClasses", ["1000001", "1000003"], ()),
    ("bad-code-char", ELEVE, "invalid_code", "1000002", "ENTEleveGroupes", ["1000001", "1000003"], ()),
    ("bad-date", ELEVE, "invalid_date", "1000002", "ENTPersonDateNaissance", ["1000001", "1000003"], ("31/02/2011",)),
    ("bad-jointure", ELEVE, "jointure_mismatch", "1000002", "ENTPersonJointure", ["1000001", "1000003"], ()),
    ("no-ine", ELEVE, "missing_ine", "1000002", "ENTEleveINE", ["1000001", "1000003"], ()),
    ("bad-ine", ELEVE, "invalid_ine", "1000002", "ENTEleveINE", ["1000001", "1000003"], ("07123456",)),
    ("no-sn", ELEVE, "missing_field", "1000002", "sn", ["1000001", "1000003"], ()),
    ("duplicate-id", ELEVE, "duplicate_record", "1000001", "identifier/id", ["1000001", "1000003"], ()),
]


@pytest.mark.parametrize(
    "fixture, part, reason, record_id, field, applied, extra", RECORD_CASES, ids=[c[0] for c in RECORD_CASES]
)
def test_bad_record_among_good_ones(cli, fixture, part, reason, record_id, field, applied, extra):
    line = request_lines(FIX / fixture / part)[1]  # the bad record is the second of its file
    if part == ELEVE:  # the values checked for leaks below are really in the bad record
        raw = (FIX / fixture / part).read_text(encoding="utf-8")
        assert sum(value in raw for value in SECRETS + extra) >= 4
    code, result, out = cli.ingest(FIX / fixture)
    assert code == 3
    assert result["status"] == "applied"
    assert result["counts"]["rejected"] == 1
    assert len(result["rejections"]) == 1
    rejection = result["rejections"][0]
    expected = {"reason": reason, "file": part, "line": line, "record_id": record_id, "field": field}
    assert {k: rejection[k] for k in expected} == expected
    assert rejection["message"]

    # the good records are applied, the bad one is not
    assert cli.accounts() == applied
    assert cli.structures() == ["0571994H"]
    if fixture == "duplicate-id":
        assert cli.account("1000001")["attributes"]["sn"] == ["MARTIN"]  # the first one, not the duplicate

    # recorded with where and why
    shown, text = cli.show(result["delivery_id"])
    assert shown["status"] == "applied"
    assert shown["rejected_records"] == 1
    assert [{k: r[k] for k in expected} for r in shown["rejections"]] == [expected]
    assert f"{part}" in text and reason in text
    assert_no_leak([out, json.dumps(shown, ensure_ascii=False), text], SECRETS + extra)

    # the same delivery again records nothing new
    code, again, again_out = cli.ingest(FIX / fixture)
    assert (code, again["status"]) == (0, "already-applied")
    assert again["delivery_id"] == result["delivery_id"]
    assert cli.show(result["delivery_id"])[0]["rejections"] == shown["rejections"]
    assert len(cli.deliveries()) == 1
    assert cli.accounts() == applied
    assert_no_leak([again_out], SECRETS + extra)


def test_rejection_text_output_names_where_and_why_without_values(cli):
    code, out = cli.run("ingest", str(FIX / "bad-date"), "--now", NOW)
    assert code == 3
    line = request_lines(FIX / "bad-date" / ELEVE)[1]
    assert f"rejected: {ELEVE}:{line} record 1000002 field ENTPersonDateNaissance: invalid_date" in out
    assert_no_leak([out], SECRETS + ("31/02/2011",))


# --------------------------------------------------------------------------- delivery-level rejections


def _line(fixture: str, needle: bytes, record_start: bool = False) -> int:
    path = FIX / fixture / ELEVE
    n = line_of(path, needle)
    return max(x for x in request_lines(path) if x <= n) if record_start else n


DELIVERY_CASES = [
    ("malformed", "malformed_xml", lambda: _line("malformed", b"<value>Paul</attr>")),
    ("wrong-root", "wrong_root", lambda: _line("wrong-root", b"<ficAlimAcademie>")),
    ("unknown-category", "unknown_category", lambda: _line("unknown-category", b"<id>1000003</id>", True)),
    ("category-mismatch", "category_mismatch", lambda: _line("category-mismatch", b"<id>1000003</id>", True)),
    ("system-entity", "entity_declaration", lambda: 0),
    # libxml2 stops the expansion at once and reports it at line 1 of this file.
    ("entity-bomb", "entity_declaration", lambda: 1),
]


@pytest.mark.parametrize(
    "fixture, reason, line",
    DELIVERY_CASES,
    ids=["malformed", "wrong-root", "unknown-category", "category-mismatch", "system-entity", "entity-bomb"],
)
def test_delivery_level_rejection_applies_nothing(cli, fixture, reason, line):
    line = line()
    code, result, out = cli.ingest(FIX / fixture)
    assert code == 2
    assert (result["status"], result["reason"]) == ("rejected", reason)
    assert ELEVE in result["message"]
    if line:
        assert f"{ELEVE}:{line}" in result["message"]
    # nothing applied, not even the well-formed EtabEducNat part read before
    assert cli.accounts() == []
    assert cli.structures() == []

    shown, text = cli.show(result["delivery_id"])
    assert (shown["status"], shown["reason"]) == ("rejected", reason)
    assert shown["details"]["file"] == ELEVE
    assert shown["details"]["line"] == line
    assert shown["rejections"] == [] and shown["rejected_records"] == 0
    assert_no_leak([out, text], ("Paul", "DURAND", "lollol"))

    code, again, _ = cli.ingest(FIX / fixture)
    assert (code, again["status"]) == (2, "already-rejected")
    assert again["delivery_id"] == result["delivery_id"]
    assert len(cli.deliveries()) == 1
    assert cli.show(result["delivery_id"])[0] == shown
    assert cli.accounts() == [] and cli.structures() == []


def test_entity_bomb_is_refused_and_applies_nothing(cli):
    code, result, out = cli.ingest(FIX / "entity-bomb")
    assert (code, result["status"]) == (2, "rejected")
    assert result["reason"] in ("entity_declaration", "malformed_xml")
    assert "lollol" not in out
    assert cli.accounts() == [] and cli.structures() == []
    code, again, _ = cli.ingest(FIX / "entity-bomb")
    assert (code, again["status"]) == (2, "already-rejected")


def test_system_entity_content_never_appears(cli, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("S3CRET-LOCAL-FILE-CONTENT")
    target = tmp_path / "system-entity"
    shutil.copytree(FIX / "system-entity", target)
    f = target / ELEVE
    f.write_bytes(f.read_bytes().replace(b"file:///etc/hostname", secret.as_uri().encode()))
    code, result, out = cli.ingest(target)
    assert (code, result["reason"]) == (2, "entity_declaration")
    shown, text = cli.show(result["delivery_id"])
    _, accounts_out = cli.run("accounts", "--json")
    assert_no_leak([out, json.dumps(shown), text, accounts_out], ("S3CRET",))


def test_unreadable_delivery_is_rejected_once(cli, tmp_path):
    # AAF content that makes no delivery (a ficAlimMENESR file without any
    # record): rejected and recorded, once.
    empty = tmp_path / "ENT2D.20260818"
    empty.mkdir()
    (empty / "annuaire.xml").write_text("<ficAlimMENESR/>")
    code, result, _ = cli.ingest(empty)
    assert (code, result["status"], result["reason"]) == (2, "rejected", "no_aaf_files")
    code, again, _ = cli.ingest(empty)
    assert (code, again["status"]) == (2, "already-rejected")
    assert [d["status"] for d in cli.deliveries()] == ["rejected"]


def test_a_directory_without_aaf_content_records_nothing(cli, tmp_path):
    # No AAF at all (issue 9): the inbox's answer, nothing recorded.
    empty = tmp_path / "ENT2D.20260818"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing here")
    code, result, _ = cli.ingest(empty)
    assert (code, result["status"], result["reason"]) == (2, "rejected", "unknown_format")
    assert cli.deliveries() == []


# --------------------------------------------------------------------------- coverage: a missing part holds


def test_missing_part_holds_the_delivery(cli):
    code, result, _ = cli.ingest(FIX / "missing-part")
    assert code == 2
    assert (result["status"], result["reason"]) == ("held", "missing_part")
    assert "Eleve" in result["message"] and "1" in result["message"]
    assert cli.accounts() == []
    assert cli.structures() == []
    shown, _ = cli.show(result["delivery_id"])
    assert (shown["status"], shown["reason"]) == ("held", "missing_part")
    assert shown["details"] == {"missing": {"Eleve": ["0001"]}}

    code, again, _ = cli.ingest(FIX / "missing-part")
    assert (code, again["status"]) == (2, "already-held")
    assert len(cli.deliveries()) == 1
    assert cli.accounts() == []
