"""What the store and the service wrote forgets an erased person (issue 17),
on the in-memory twin: the read models rewritten as a replay of the erased
log reads them (the three read models equal a rebuild), the staging area
purged, the inbox archive expired, the history saying when.

The world: a generated collège's rentrée and its second delivery after
Toussaint, a family that left removed at the next Toussaint; and a guardian
still there, without an account, whose SIECLE record was renamed (a ``Changed`` whose change,
sealed whole, reads ``{}`` once erased)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from adapters.sniff import kind_of
from daemon import bootstrap
from daemon.cli.history_commands import render
from daemon.history.build import account_history
from daemon.history.person import person_export
from daemon.http.console.timeline import row as timeline_row
from daemon.service import archive
from events import explanation
from events.erasure import Erasure
from events.login import login_id
from events.personal import ERASED, erased_value
from events.policy import Policy
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import tick
from generator.cli import run as generate
from projections.directory_erasure import erased_before
from projections.siecle_erasure import erased, read_erased
from tests.stored import rebuild_differences

UTC = timezone.utc
T0 = datetime(2026, 8, 18, 6, tzinfo=UTC)
T1 = datetime(2026, 11, 5, 6, tzinfo=UTC)
TOUSSAINT = datetime(2027, 10, 23, 6, tzinfo=UTC)


class _Out:
    rich = False

    def time(self, value: str) -> str:
        return value

    def value(self, value: str) -> str:
        return value


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("acad")
    assert generate([str(root), "--students", "12", "--seed", "3", "--sources", "aaf,siecle", "--churn", "0.3"]) == 0
    m = json.loads((root / "manifest.json").read_text())
    ctx = bootstrap.build("memory:", Policy(), simulation=True)

    def ingest(path: Path, at: datetime) -> None:
        dispatch(Arrival(kind_of(path), str(path)), ctx, at)

    ingest(root / m["deliveries"]["20260818-complet"]["path"], T0)
    tick(ctx, T0 + timedelta(days=2, hours=1))
    for date, at in (("20260818", T0 + timedelta(days=2, hours=2)), ("20261105", T1 + timedelta(hours=1))):
        if date == "20261105":
            ingest(root / m["deliveries"]["20261105-complet"]["path"], T1)
        for exports in m["sources"]["siecle"][date].values():
            ingest(root / exports["eleves"], at)
            ingest(root / exports["responsables"], at + timedelta(minutes=5))
    tick(ctx, T1 + timedelta(days=3))
    tick(ctx, TOUSSAINT)
    ctx.projection.catch_up(ctx.log)
    ctx.siecle.catch_up(ctx.log)
    left = m["churn"]["students_left"][0]
    student = _account(ctx, left)
    guardian = _account(ctx, json.loads(student["attrs"])["ENTEleveAutoriteParentale"][0])
    renamed = _account(ctx, m["churn"]["guardians_renamed"][0])
    before = {a["account_id"]: a for a in (student, guardian, renamed)}
    for member in (student, guardian, renamed):
        _erase(ctx, member, TOUSSAINT + timedelta(days=92))
    for view in (ctx.projection, ctx.siecle, ctx.imports):
        view.catch_up(ctx.log)
    yield ctx, before, (student, guardian, renamed)
    ctx.close()


def _account(ctx, jointure: str) -> dict:
    row = ctx.db.query_dicts("SELECT * FROM accounts WHERE jointure = ?", (jointure,))[0]
    row["records"] = [r[0] for r in ctx.db.query("SELECT aggregate_id FROM siecle_account_links WHERE account_id = ?",
                                                  (row["account_id"],))]  # fmt: skip
    row["logins"] = [r[0] for r in ctx.db.query("SELECT login FROM logins WHERE account_id = ?", (row["account_id"],))]
    # A guardian without an account (the renamed one: no_account) is not linked; its record is found by its id.
    row["records"] = row["records"] or [r[0] for r in ctx.db.query(
        "SELECT guardian_id FROM siecle_guardians WHERE personne_id = ?", (jointure,))]  # fmt: skip
    return row


def _erase(ctx, member: dict, at: datetime) -> None:
    subjects = [member["account_id"], *member["records"], *(str(login_id(ctx.pepper, x)) for x in member["logins"])]
    keys = ctx.keyring.destroy(subjects, at)
    removed = datetime.fromisoformat(member["removed_at"]) if member["removed_at"] else at - timedelta(days=92)
    ctx.log.save(Erasure(account_id=member["account_id"], jointure=member["jointure"], subjects=subjects, keys=keys,
                         removed_at=removed, retention_days=92, at=at))  # fmt: skip


def test_the_read_models_equal_a_rebuild_of_the_erased_log(world):
    ctx, _, _ = world
    assert rebuild_differences(ctx) == {}


def test_the_accounts_read_erased_and_their_logins_are_kept_without_the_login(world):
    ctx, before, members = world
    for member in members:
        aid = member["account_id"]
        row = ctx.db.query_dicts("SELECT * FROM accounts WHERE account_id = ?", (aid,))[0]
        attrs = json.loads(row["attrs"])
        assert attrs["sn"] == [ERASED] and attrs["givenName"] == [ERASED]
        assert (row["login"], row["identity"]) == (ERASED if before[aid]["login"] else "", "")
        assert ctx.db.query("SELECT family_key, given_birth_key FROM duplicate_keys WHERE account_id = ?", (aid,)) == [
            ("", "")
        ]
        # Each reservation kept by its key (the login's keyed hash), without the login.
        logins = ctx.db.query("SELECT login, login_key FROM logins WHERE account_id = ? ORDER BY login_key", (aid,))
        assert logins == sorted((ERASED, login_id(ctx.pepper, x).hex) for x in before[aid]["logins"])


def test_the_siecle_records_read_erased_whatever_their_changes(world):
    ctx, _, (student, guardian, renamed) = world
    (row,) = ctx.db.query_dicts("SELECT * FROM siecle_students WHERE student_id = ?", (student["records"][0],))
    assert (row["family_name"], row["given_name"], row["birth_date"], row["ine"]) == (ERASED,) * 4
    for g in (guardian, renamed):
        (row,) = ctx.db.query_dicts("SELECT * FROM siecle_guardians WHERE guardian_id = ?", (g["records"][0],))
        assert (row["family_name"], row["given_name"]) == (ERASED, ERASED)
        assert json.loads(row["attrs"]).get("address", {}) == {}
    # The renamed guardian's record had a change of name: it reads {} now.
    changes = [
        ev.changes
        for ev in ctx.log.events.get(__import__("uuid").UUID(renamed["records"][0]))
        if type(ev).__name__ == "Changed"
    ]
    assert any(c.get("family_name") == {} for c in changes)


def test_the_erased_form_does_not_depend_on_what_a_lost_change_set():
    assert erased({"family_name": "", "given_name": "Léa", "address": {"line": "x"}, "division": "3A"}) == {
        "family_name": ERASED,
        "given_name": ERASED,
        "address": {},
        "division": "3A",
    }
    assert read_erased(type("E", (), {"attrs": {"family_name": ERASED}, "changes": {}})())
    assert read_erased(type("E", (), {"attrs": {}, "changes": {"given_name": {}}})())
    assert not read_erased(type("E", (), {"attrs": {"family_name": "Martin"}, "changes": {"division": {}}})())
    assert [erased_value(v) for v in ("", [], {}, None, "x", ["x"], {"a": 1})] == ["", [], {}, None, ERASED,
                                                                                    [ERASED], {}]  # fmt: skip


def test_the_history_says_when_the_data_were_erased(world):
    ctx, _, (student, _, _) = world
    facts = account_history(ctx, student["account_id"])
    erasure = [f for f in facts if f["event"] == "Erasure.PersonErased"]
    assert len(erasure) == 1 and erasure[0]["at"].startswith("2028-01-23")
    assert "personal data erased on 2028-01-23" in render(facts, _Out())
    shown = timeline_row(erasure[0], "Europe/Paris", {})
    assert shown["event"] == "données personnelles effacées le 23/01/2028"
    why = {"state": "removed", "why": {"rule": "removed", "at": student["removed_at"], "erased_at": erasure[0]["at"]}}
    assert explanation.why(why, "fr", "console")[-1] == "Données personnelles effacées le 23 janvier 2028."
    assert explanation.why(why, "en")[-1] == "Personal data erased on 2028-01-23."


def test_the_person_export_says_it_and_shows_no_name(world):
    ctx, before, (student, _, _) = world
    doc = person_export(ctx, student["account_id"], datetime(2028, 2, 1, tzinfo=UTC))
    assert "Données personnelles effacées le 23 janvier 2028 (compte supprimé le 23 octobre 2027" in doc["summary"]
    names = json.loads(before[student["account_id"]]["attrs"])
    assert names["sn"][0] not in json.dumps(doc, ensure_ascii=False, default=str)
    english = person_export(ctx, student["account_id"], datetime(2028, 2, 1, tzinfo=UTC), "en")["summary"]
    assert "Personal data erased on 2028-01-23 (account removed on 2027-10-23, after 92 days)." in english


def test_the_archive_cut_off_is_the_latest_removal_erased(world):
    ctx, _, _ = world
    assert erased_before(ctx.db) == TOUSSAINT


def test_the_archive_expires_what_was_filed_before_the_cut_off(tmp_path):
    old, kept = tmp_path / "processed", tmp_path / "rejected"
    old.mkdir(), kept.mkdir()
    names = ["20261105T060000Z-ENTACAD_Complet.xml", "20261105T060000Z-ENTACAD_Complet.xml.report.json"]
    for name in names:
        (old / name).write_text("Dupont")
    (old / "20261105T070000Z-20261105-complet").mkdir()
    (old / "20261105T070000Z-20261105-complet" / "part.xml").write_text("Dupont")
    (kept / "20280201T060000Z-Eleves.xml").write_text("Martin")
    (kept / "notes.txt").write_text("an operator's file, not filed by the inbox")
    assert archive.expire(tmp_path, datetime(2027, 10, 23, 6, tzinfo=UTC)) == 3
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "20280201T060000Z-Eleves.xml", "notes.txt", "processed", "rejected"]  # fmt: skip


def test_an_erased_person_is_dropped_from_the_deliveries_staged_before(world):
    ctx, _, (student, _, _) = world
    # A delivery held since before the erasure, and one received after it, both naming the student.
    ctx.db.execute(
        "INSERT INTO deliveries VALUES ('held', '', 'aaf', 'complet', '', '', 'held', "
        "'2027-01-01T00:00:00+00:00', NULL, '', '', 0, '{}')"
    )
    ctx.db.execute(
        "INSERT INTO deliveries VALUES ('later', '', 'aaf', 'complet', '', '', 'held', "
        "'2029-01-01T00:00:00+00:00', NULL, '', '', 0, '{}')"
    )
    for did in ("held", "later"):
        ctx.db.execute(
            "INSERT INTO staging VALUES (?, 1, 'Eleve', ?, 'upsert', '{}', '', 'f', 1)", (did, student["jointure"])
        )
        ctx.db.execute(
            "INSERT INTO parked VALUES (?, 1, 'Eleve', 1, 'upsert', 'Eleve', ?, '{}', '[]')", (did, student["jointure"])
        )
    ctx.staging.forget(student["jointure"], "2028-01-23T06:00:00+00:00")
    assert ctx.db.query("SELECT delivery_id FROM staging") == [("later",)]
    assert ctx.db.query("SELECT delivery_id FROM parked") == [("later",)]
