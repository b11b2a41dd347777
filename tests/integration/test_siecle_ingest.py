"""SIECLE exports recorded as facts, on SQLite and PostgreSQL: a school year
of one collège told by its exports (formats §2; domain-rules §4, §5, §11)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from events.usecases.siecle_import import ingest_siecle
from projections import siecle_listings, siecle_schema
from projections.siecle import SiecleProjection

UAI = "0693834T"
T1 = datetime(2026, 9, 2, 8, tzinfo=timezone.utc)
T2 = datetime(2026, 10, 5, 8, tzinfo=timezone.utc)


# ---------------------------------------------------------------------- hand-written exports


def _params(uai: str, on: str) -> str:
    return (
        f"  <PARAMETRES>\n    <UAJ>{uai}</UAJ>\n    <ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE>\n"
        f"    <DATE_EXPORT>{on}</DATE_EXPORT>\n    <HORODATAGE>{on} 07:00:00</HORODATAGE>\n  </PARAMETRES>\n"
    )


def eleves(path: Path, on: str, students: list[dict], uai: str = UAI, broken: bool = False) -> Path:
    """A BEE_ELEVES export in ISO-8859-15 (raw `œ`), as SIECLE writes it."""
    rows, structures = [], []
    for s in students:
        rows.append(
            f'      <ELEVE ELEVE_ID="{s["id"]}">\n        <ID_NATIONAL>{s["ine"]}</ID_NATIONAL>\n'
            f"        <NOM_DE_FAMILLE>{s['nom']}</NOM_DE_FAMILLE>\n        <PRENOM>{s['prenom']}</PRENOM>\n"
            f"        <DATE_NAISS>{s.get('naiss', '14/05/2012')}</DATE_NAISS>\n        <CODE_SEXE>1</CODE_SEXE>\n"
            f"        <DATE_ENTREE>01/09/2026</DATE_ENTREE>\n"
            f"        <DATE_SORTIE>{s.get('sortie', '31/12/9999')}</DATE_SORTIE>\n"
            f"        <CODE_MEF>10310019110</CODE_MEF>\n      </ELEVE>\n"
        )
        groups = "".join(
            f"        <STRUCTURE><CODE_STRUCTURE>{g}</CODE_STRUCTURE><TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE>\n"
            for g in s.get("groups", ())
        )
        structures.append(
            f'      <STRUCTURES_ELEVE ELEVE_ID="{s["id"]}">\n        <STRUCTURE><CODE_STRUCTURE>'
            f"{s['classe']}</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE>\n"
            f"{groups}      </STRUCTURES_ELEVE>\n"
        )
    text = (
        '<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.1">\n'
        + _params(uai, on)
        + "  <DONNEES>\n    <ELEVES>\n"
        + "".join(rows)
        + ("      <ELEVE>\n" if broken else "")
        + "    </ELEVES>\n    <STRUCTURES>\n"
        + "".join(structures)
        + "    </STRUCTURES>\n  </DONNEES>\n</BEE_ELEVES>\n"
    )
    path.write_bytes(text.encode("iso8859_15"))
    return path


def responsables(path: Path, on: str, persons: list[tuple[str, str, str]], links: list[tuple[str, str, int]]) -> Path:
    """A BEE_RESPONSABLES export (2018 form), UTF-8 with a BOM."""
    people = "".join(
        f'      <PERSONNE PERSONNE_ID="{pid}">\n        <NOM_DE_FAMILLE>{nom}</NOM_DE_FAMILLE>\n'
        f"        <PRENOM>{prenom}</PRENOM>\n      </PERSONNE>\n"
        for pid, nom, prenom in persons
    )
    rel = "".join(
        f"      <RESPONSABLE_ELEVE>\n        <ELEVE_ID>{eid}</ELEVE_ID>\n        <PERSONNE_ID>{pid}</PERSONNE_ID>\n"
        f"        <NIVEAU_RESPONSABILITE>{level}</NIVEAU_RESPONSABILITE>\n"
        f"        <CODE_PARENTE>10</CODE_PARENTE>\n      </RESPONSABLE_ELEVE>\n"
        for eid, pid, level in links
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<BEE_RESPONSABLES VERSION="3.1">\n'
        + _params(UAI, on)
        + "  <DONNEES>\n    <PERSONNES>\n"
        + people
        + "    </PERSONNES>\n    <RESPONSABLES>\n"
        + rel
        + "    </RESPONSABLES>\n  </DONNEES>\n</BEE_RESPONSABLES>\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


STUDENTS = [
    {
        "id": "700001",
        "ine": "0701234567K",
        "nom": "Cœur de Lion",
        "prenom": "Jean-Baptiste",
        "classe": "3 A",
        "groups": ["ALL2"],
    },
    {"id": "700002", "ine": "0701234568L", "nom": "D'Arco", "prenom": "Zoé", "classe": "3 B"},
    {"id": "700003", "ine": "0701234569M", "nom": "Le Bœuf", "prenom": "Anne-Sophie", "classe": "3 A"},
    {"id": "700004", "ine": "0701234570A", "nom": "O'Neil-Martin", "prenom": "Kévin", "classe": "3 B"},
]
PERSONS = [
    ("900001", "Cœur de Lion", "Hélène"),
    ("900002", "Cœur de Lion", "Jean-Marc"),
    ("900003", "D'Arco", "Marie-Thérèse"),
    ("900004", "Lefèvre", "Henri"),
]
LINKS = [("700001", "900001", 1), ("700001", "900002", 2), ("700002", "900003", 1), ("700002", "900004", 3)]


def topics(ctx, after: int = 0) -> Counter:
    """Recorded facts after a log position, by versioned topic."""
    out: Counter = Counter()
    position = after
    while notes := ctx.log.notifications(position, 1000):
        out.update(n.topic for n in notes)
        position = notes[-1].id
    return out


def siecle_only(counter: Counter) -> dict:
    return {t.removeprefix("entsync:"): n for t, n in counter.items() if ":Siecle" in t}


@pytest.fixture
def first_year(ctx, tmp_path):
    """The rentrée exports: students, then guardians."""
    e = ingest_siecle(eleves(tmp_path / "e1.xml", "01/09/2026", STUDENTS), ctx, T1)
    r = ingest_siecle(responsables(tmp_path / "r1.xml", "01/09/2026", PERSONS, LINKS), ctx, T1 + timedelta(minutes=1))
    return e, r


def test_first_export_records_every_record_once(ctx, first_year):
    e, r = first_year
    assert (e.status, e.exit_code, r.status, r.exit_code) == ("applied", 0, "applied", 0)
    assert siecle_only(topics(ctx)) == {
        "SiecleImport.Received.v1": 2,
        "SiecleImport.ApplyStarted.v1": 2,
        "SiecleImport.Applied.v1": 2,
        "SiecleStudent.Enrolled.v1": 4,
        "SiecleStudent.LinkUnresolved.v1": 4,
        "SiecleGuardian.Appeared.v1": 4,
        "SiecleStudent.GuardianLinked.v1": 4,
        # 900004 is only a contact (level 3): no account expected, no correlation recorded
        "SiecleGuardian.LinkUnresolved.v1": 3,
    }
    rows = {r["eleve_id"]: r for r in ctx.db.query_dicts("SELECT * FROM siecle_students")}
    # Latin-9 names, apostrophes and hyphens survive the file, the log and both stores
    assert (rows["700001"]["family_name"], rows["700001"]["given_name"]) == ("Cœur de Lion", "Jean-Baptiste")
    assert (rows["700002"]["family_name"], rows["700003"]["family_name"]) == ("D'Arco", "Le Bœuf")
    assert rows["700004"]["family_name"] == "O'Neil-Martin"
    assert (rows["700001"]["division"], rows["700001"]["groups"]) == ("3 A", '["ALL2"]')
    assert sorted(ctx.db.query("SELECT eleve_id, personne_id, level FROM siecle_links")) == sorted(
        (e, p, lv) for e, p, lv in LINKS
    )
    assert {(u["kind"], u["key"]) for u in siecle_listings.unresolved(ctx.db, UAI)} == {
        ("student", s["id"]) for s in STUDENTS
    } | {("guardian", p) for p in ("900001", "900002", "900003")}


def test_same_file_again_is_rejected_as_a_duplicate_and_nothing_applied(ctx, first_year, tmp_path):
    before = topics(ctx)
    again = ingest_siecle(tmp_path / "e1.xml", ctx, T2)
    assert (again.status, again.reason, again.exit_code) == ("rejected", "duplicate_file", 2)
    assert siecle_only(topics(ctx) - before) == {"SiecleImport.Received.v1": 1, "SiecleImport.Rejected.v1": 1}
    rows = siecle_listings.imports(ctx.db, UAI)
    assert [r["status"] for r in rows].count("rejected") == 1
    dup = next(r for r in rows if r["status"] == "rejected")
    assert dup["duplicate_of"] == first_year[0].import_id


def test_second_export_records_only_the_changes(ctx, first_year, tmp_path):
    before = topics(ctx)
    second = [
        {**STUDENTS[0], "classe": "3 B"},  # class changed
        {**STUDENTS[1], "sortie": "30/09/2026"},  # left last week: departed
        {**STUDENTS[2], "sortie": "24/10/2026"},  # leaves later: scheduled
        # STUDENTS[3] absent: unenrolled
        {"id": "700005", "ine": "0701234571B", "nom": "Nguyen-Cœur", "prenom": "Maël", "classe": "3 A"},
    ]
    e = ingest_siecle(eleves(tmp_path / "e2.xml", "04/10/2026", second), ctx, T2)
    assert (e.status, e.exit_code) == ("applied", 0)
    assert siecle_only(topics(ctx) - before) == {
        "SiecleImport.Received.v1": 1,
        "SiecleImport.ApplyStarted.v1": 1,
        "SiecleImport.Applied.v1": 1,
        "SiecleStudent.Changed.v1": 1,
        "SiecleStudent.LeavingDateSet.v1": 2,
        "SiecleStudent.Unenrolled.v1": 1,
        "SiecleStudent.Enrolled.v1": 1,
        "SiecleStudent.LinkUnresolved.v1": 1,
    }
    assert e.counts["students_unchanged"] == 0 and e.counts["students_added"] == 1
    rows = {r["eleve_id"]: r for r in ctx.db.query_dicts("SELECT * FROM siecle_students")}
    assert rows["700001"]["division"] == "3 B"
    assert (rows["700002"]["left_on"], rows["700002"]["leaving_status"]) == ("2026-09-30", "departed")
    assert (rows["700003"]["left_on"], rows["700003"]["leaving_status"]) == ("2026-10-24", "scheduled")
    assert rows["700004"]["enrolled"] == 0 and rows["700005"]["family_name"] == "Nguyen-Cœur"

    # The same content once more, exported later: every record unchanged, no student fact.
    before = topics(ctx)
    e3 = ingest_siecle(eleves(tmp_path / "e3.xml", "05/10/2026", second), ctx, T2 + timedelta(hours=1))
    assert e3.counts["students_unchanged"] == 4
    assert siecle_only(topics(ctx) - before) == {
        "SiecleImport.Received.v1": 1,
        "SiecleImport.ApplyStarted.v1": 1,
        "SiecleImport.Applied.v1": 1,
    }


def test_guardian_levels_exchanged_and_legal_contact_swap(ctx, first_year, tmp_path):
    before = topics(ctx)
    links = [
        ("700001", "900001", 2),
        ("700001", "900002", 1),  # guardians 1/2 exchanged
        ("700002", "900003", 3),
        ("700002", "900004", 1),
    ]  # legal ↔ contact
    r = ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", PERSONS, links), ctx, T2)
    assert r.status == "applied"
    new = topics(ctx) - before
    assert siecle_only(new) == {
        "SiecleImport.Received.v1": 1,
        "SiecleImport.ApplyStarted.v1": 1,
        "SiecleImport.Applied.v1": 1,
        "SiecleStudent.GuardianLinkChanged.v1": 4,
        # 900004 now gets an account: its correlation is looked for (none yet)
        "SiecleGuardian.LinkUnresolved.v1": 1,
    }
    changed = [ev for _, ev in ctx.log.iter_events() if type(ev).__name__ == "GuardianLinkChanged"]
    assert sorted((ev.personne_id, ev.changes["level"]["before"], ev.changes["level"]["after"]) for ev in changed) == [
        ("900001", 1, 2),
        ("900002", 2, 1),
        ("900003", 1, 3),
        ("900004", 3, 1),
    ]
    assert sorted(ctx.db.query("SELECT eleve_id, personne_id, level FROM siecle_links")) == sorted(links)


def test_malformed_file_is_rejected_whole_and_nothing_applied(ctx, first_year, tmp_path):
    before = topics(ctx)
    changed = [{**s, "classe": "4 A"} for s in STUDENTS]
    bad = ingest_siecle(eleves(tmp_path / "bad.xml", "04/10/2026", changed, broken=True), ctx, T2)
    assert (bad.status, bad.reason, bad.exit_code) == ("rejected", "malformed_xml", 2)
    assert "bad.xml:" in bad.message and "Cœur" not in bad.message
    wrong = ingest_siecle(eleves(tmp_path / "uai.xml", "04/10/2026", changed, uai="0693834A"), ctx, T2)
    assert (wrong.status, wrong.reason) == ("rejected", "invalid_uai")
    assert siecle_only(topics(ctx) - before) == {"SiecleImport.Received.v1": 2, "SiecleImport.Rejected.v1": 2}
    assert {d for (d,) in ctx.db.query("SELECT division FROM siecle_students")} == {"3 A", "3 B"}


def test_an_older_export_is_refused(ctx, first_year, tmp_path):
    old = ingest_siecle(eleves(tmp_path / "old.xml", "20/08/2026", STUDENTS[:2]), ctx, T2)
    assert (old.status, old.reason) == ("rejected", "older_export")
    assert ctx.db.scalar("SELECT COUNT(*) FROM siecle_students WHERE enrolled = 1") == 4


def test_records_rejected_in_a_later_export_are_not_departures(ctx, first_year, tmp_path):
    second = [dict(s) for s in STUDENTS]
    second[3]["ine"] = ""  # fiche incomplète: rejected, but still enrolled
    e = ingest_siecle(eleves(tmp_path / "e2.xml", "04/10/2026", second), ctx, T2)
    assert (e.status, e.exit_code) == ("applied", 3)
    assert [(r.reason, r.record_id) for r in e.rejections] == [("missing_ine", "700004")]
    assert e.counts.get("event_Unenrolled", 0) == 0
    assert siecle_listings.imports(ctx.db, UAI)[0]["rejected_records"] == 1


def test_links_of_a_student_never_enrolled_are_rejected_records(ctx, first_year, tmp_path):
    r = ingest_siecle(
        responsables(tmp_path / "r2.xml", "04/10/2026", PERSONS, [*LINKS, ("799999", "900004", 1)]), ctx, T2
    )
    assert (r.exit_code, [(x.reason, x.record_id) for x in r.rejections]) == (3, [("unknown_student", "799999")])


def test_a_rebuild_equals_the_live_read_model(ctx, first_year, tmp_path):
    ingest_siecle(eleves(tmp_path / "e2.xml", "04/10/2026", [{**STUDENTS[0], "sortie": "30/09/2026"}]), ctx, T2)
    ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", PERSONS[:2], LINKS[:1]), ctx, T2)
    ingest_siecle(tmp_path / "e2.xml", ctx, T2)  # duplicate
    live = ctx.siecle.dump()
    rebuilt = SiecleProjection(ctx.db, prefix="rebuild_")
    rebuilt.catch_up(ctx.log)
    assert rebuilt.dump() == live
    assert all(
        live[t]
        for t in (
            "siecle_imports",
            "siecle_students",
            "siecle_guardians",
            "siecle_links",
            "siecle_account_links",
            "siecle_records",
        )
    )
    siecle_schema.drop(ctx.db, "rebuild_")


def test_an_interrupted_import_is_invisible_until_the_same_file_finishes_it(ctx, tmp_path, monkeypatch):
    from events.siecle.intake import SiecleImport

    path = eleves(tmp_path / "e1.xml", "01/09/2026", STUDENTS)

    def crash(self, counts, at):
        raise RuntimeError("power cut")

    with monkeypatch.context() as m:
        m.setattr(SiecleImport, "applied", crash)
        with pytest.raises(RuntimeError):
            ingest_siecle(path, ctx, T1)
    ctx.siecle.catch_up(ctx.log)
    assert ctx.db.scalar("SELECT COUNT(*) FROM siecle_students") == 0  # written, not visible
    with pytest.raises(ValueError, match="interrupted"):
        ingest_siecle(responsables(tmp_path / "r1.xml", "01/09/2026", PERSONS, LINKS), ctx, T1)
    done = ingest_siecle(path, ctx, T2)
    assert (done.status, done.counts.get("event_Enrolled", 0)) == ("applied", 0)  # already written
    counts = siecle_only(topics(ctx))
    assert counts["SiecleStudent.Enrolled.v1"] == 4 and counts["SiecleImport.Applied.v1"] == 1
    assert ctx.db.scalar("SELECT COUNT(*) FROM siecle_students WHERE enrolled = 1") == 4


def partial(path: Path, stamp: str, students: list[dict]) -> Path:
    """The same export as a partial extract: no DATE_EXPORT, only HORODATAGE (formats §2)."""
    eleves(path, "01/01/2000", students)
    data = path.read_bytes().replace(b"    <DATE_EXPORT>01/01/2000</DATE_EXPORT>\n", b"")
    path.write_bytes(data.replace(b"01/01/2000 07:00:00", stamp.encode()))
    return path


def test_partial_extracts_are_ordered_by_their_horodatage(ctx, first_year, tmp_path):
    """The rentrée export is stamped 01/09/2026 07:00:00; a partial extract
    stamped before it is older, one stamped that evening is applied, dated
    by its HORODATAGE, and its `_` group codes are kept."""
    regrouped = [dict(s, groups=["_301P1", "_3LATIN"]) if s["id"] == "700001" else s for s in STUDENTS]
    early = ingest_siecle(partial(tmp_path / "p0.xml", "31/08/2026 18:00:00", regrouped), ctx, T2)
    assert (early.status, early.reason) == ("rejected", "older_export")
    late = ingest_siecle(partial(tmp_path / "p1.xml", "01/09/2026 18:30:00", regrouped), ctx, T2)
    assert (late.status, late.exit_code, late.counts["students_changed"]) == ("applied", 0, 1)
    row = ctx.db.query_dicts(
        "SELECT exported_on, exported_at FROM siecle_imports WHERE import_id = ?", (late.import_id,)
    )[0]
    assert (row["exported_on"], row["exported_at"]) == ("2026-09-01", "2026-09-01T18:30:00")
    groups = ctx.db.scalar("SELECT groups FROM siecle_students WHERE eleve_id = '700001'")
    assert json.loads(groups) == ["_301P1", "_3LATIN"]
    assert ctx.db.scalar("SELECT COUNT(*) FROM siecle_students WHERE enrolled = 1") == 4
