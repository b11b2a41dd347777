"""Shapes of real AAF deliveries, on SQLite and PostgreSQL (formats §1,
domain-rules §12): a delta's modifyRequest for a record the directory does
not know arrives (a delivery was missed), `$`-compound structure names are
shown with `-`, and students' older relation attributes link their
guardians, who get accounts 48 h later."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from adapters.aaf.parser import read_records
from daemon.cli import main
from daemon.http import reads
from events.delivery import Delivery
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from projections import account_queries, delivery_queries, structure_queries
from projections.schema import dump
from tests.integration.conftest import T0, T_CREATE, rebuilt

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
LATER = T0 + timedelta(days=1)
DELTA_ELEVE = FIX / "modify-unknown" / "ENTTEST_Delta_20260819_Eleve_0000.xml"


def states(ctx) -> dict[str, str]:
    return {r["jointure"]: r["state"] for r in account_queries.accounts(ctx.db)}


def line_of(path: Path, needle: bytes) -> int:
    return next(i for i, line in enumerate(path.read_bytes().split(b"\n"), 1) if needle in line)


def request_line(path: Path, record_id: str) -> int:
    """The line of the modifyRequest whose identifier is ``record_id``."""
    lines = path.read_bytes().split(b"\n")
    at = line_of(path, f"<id>{record_id}</id>".encode())
    return next(i for i in range(at, 0, -1) if b"<modifyRequest" in lines[i - 1])


def applied_counts(ctx, delivery_id: str) -> dict:
    """The counts of the delivery's recorded ``Applied`` event."""
    found = [
        ev.counts
        for _, ev in ctx.log.iter_events()
        if isinstance(ev, Delivery.Applied) and str(ev.originator_id) == delivery_id
    ]
    assert len(found) == 1
    return found[0]


# --------------------------------------------------------------------------- modifyRequest of unknown records


def test_modify_of_unknown_records_arrives_as_an_add(ctx):
    assert ingest(str(FIX / "values"), ctx, T0).status == "applied"
    assert "1000005" not in states(ctx)

    result = ingest(str(FIX / "modify-unknown"), ctx, LATER)

    assert result.status == "applied", result.message
    # The whole records (a structure and a student) arrive; the partial ones
    # are rejected for what they lack, not as unknown.
    assert (
        result.counts["arrived_by_modify"],
        result.counts["added"],
        result.counts["changed"],
        result.counts["rejected"],
    ) == (2, 2, 1, 2)
    assert [(r.reason, r.line, r.record_id, r.field) for r in result.rejections] == [
        ("missing_field", request_line(DELTA_ELEVE, "1000006"), "1000006", "ENTPersonJointure"),
        ("missing_field", request_line(DELTA_ELEVE, "1000007"), "1000007", "sn"),
    ]
    assert result.exit_code == 3
    # The delivery's recorded events say what happened.
    assert applied_counts(ctx, result.delivery_id)["arrived_by_modify"] == 2
    shown = delivery_queries.delivery(ctx.db, result.delivery_id)
    assert shown["counts"]["arrived_by_modify"] == 2
    assert {r["reason"] for r in shown["rejections"]} == {"missing_field"}

    a = account_queries.account_detail(ctx.db, "1000005")
    assert a["state"] == "pending"
    assert a["creation_due"] == (LATER + timedelta(hours=48)).isoformat()
    assert a["attributes"]["ENTEleveINE"] == ["070123460AF"]
    assert a["attributes"]["ENTEleveClasses"] == ["4003$6EME1"]  # a modification without @operation
    assert a["structures"] == [{"jointure": "4003", "uai": "0880054F"}]
    assert a["memberships"] == [{"structure": "4003", "kind": "class", "code": "6EME1"}]
    assert [(g["jointure"], g["resp_legal"]) for g in a["guardians"]] == [("2000001", "1")]
    assert "1000006" not in states(ctx) and "1000007" not in states(ctx)
    assert account_queries.account_detail(ctx.db, "1000002")["attributes"]["ENTEleveGroupes"] == ["4001$ESP2"]
    assert rebuilt(ctx) == dump(ctx.db)

    _, due = tick(ctx, LATER + timedelta(hours=49))
    assert "1000005" in {t.jointure for t in due if t.kind == "create"}
    assert states(ctx)["1000005"] == "active"


def test_a_record_that_arrived_is_known_to_the_next_delta(ctx, tmp_path):
    ingest(str(FIX / "values"), ctx, T0)
    ingest(str(FIX / "modify-unknown"), ctx, LATER)
    # The same requests in the next day's delta: what arrived is known now.
    for f in (FIX / "modify-unknown").iterdir():
        (tmp_path / f.name.replace("20260819", "20260820")).write_bytes(f.read_bytes())
    again = ingest(str(tmp_path), ctx, LATER + timedelta(days=1))
    assert again.status == "applied", again.message
    assert "arrived_by_modify" not in again.counts
    assert (again.counts["unchanged"], again.counts.get("added", 0), again.counts.get("changed", 0)) == (3, 0, 0)
    assert [(r.reason, r.record_id) for r in again.rejections] == [
        ("missing_field", "1000006"),
        ("missing_field", "1000007"),
    ]
    assert states(ctx)["1000005"] == "pending"


def test_ingest_report_says_the_records_arrived(store_url, capsys):
    def run(*args):
        capsys.readouterr()
        code = main(["--store", store_url, *args])
        return code, capsys.readouterr().out

    assert run("ingest", str(FIX / "values"), "--now", T0.isoformat())[0] == 0
    code, text = run("ingest", str(FIX / "modify-unknown"), "--now", LATER.isoformat())
    assert code == 3
    assert "arrived_by_modify 2" in text and "added 2" in text
    assert "unknown_record" not in text
    code, out = run("ingest", str(FIX / "modify-unknown"), "--now", LATER.isoformat(), "--json")
    assert json.loads(out)["status"] == "already-applied"
    code, out = run("deliveries", "--json")
    assert [d["counts"].get("arrived_by_modify") for d in json.loads(out)] == [None, 2]


# --------------------------------------------------------------------------- structure names


def test_compound_structure_name_is_served_with_hyphens(ctx):
    ingest(str(FIX / "values"), ctx, T0)
    ingest(str(FIX / "modify-unknown"), ctx, LATER)
    names = {s["uai"]: s["name"] for s in structure_queries.structures(ctx.db)}
    assert names == {
        "0011068F": "LYCEE DU BOIS-JOLI",
        "0571994H": "CLG-VAL D'ARGENT-ac-NANCY-METZ",
        "0880054F": "CLG-CLG INTEGRATION-PARIS",
    }
    served = {s["uai"]: s["name"] for s in reads.structures(ctx, scope=None)["structures"]}
    assert served["0880054F"] == "CLG-CLG INTEGRATION-PARIS"
    # The read model keeps the name as delivered: converted where it is shown.
    assert ctx.db.scalar("SELECT name FROM structures WHERE uai = ?", ("0880054F",)) == "CLG$CLG INTEGRATION$PARIS"


# --------------------------------------------------------------------------- older relation attributes


def test_older_relation_attributes_link_guardians_who_get_accounts(ctx):
    path = FIX / "older-relations"
    assert b"ENTAuxPersRelEleveEleve" not in (path / "ENTTEST_Complet_20260818_PersRelEleve_0000.xml").read_bytes()
    with open(path / "ENTTEST_Complet_20260818_Eleve_0000.xml", "rb") as fh:
        students = list(read_records(fh, "Eleve", "Eleve"))
    assert len(students) == 3 and not any(r.attrs.get("ENTElevePersRelEleve") for r in students)
    result = ingest(str(path), ctx, T0)
    assert result.status == "applied", result.message
    assert result.rejections == []
    links = sorted(
        ctx.db.query(
            "SELECT a.jointure, l.guardian_jointure, l.resp_legal, l.lien FROM guardian_links l "
            "JOIN accounts a ON a.account_id = l.student_id"
        )
    )
    assert [tuple(r) for r in links] == [
        ("1000001", "2000001", "1", "20"),  # ENTElevePere, in ENTEleveAutoriteParentale
        ("1000001", "2000002", "1", "10"),  # ENTEleveMere, in ENTEleveAutoriteParentale
        ("1000002", "2000003", "1", "50"),  # ENTElevePersRelEleve1, TUTEUR, in the authority list
        ("1000002", "2000004", "0", "90"),  # ENTElevePersRelEleve2, not in the authority list
        ("1000003", "2000005", "1", "10"),  # ENTEleveMere `id$…`, no authority list
    ]
    assert set(states(ctx).values()) == {"pending"}

    _, early = tick(ctx, T0 + timedelta(hours=47))
    assert early == []
    _, due = tick(ctx, T_CREATE)
    assert {(t.jointure, t.kind) for t in due if t.profile == "PARENT"} == {
        ("2000001", "create"),
        ("2000002", "create"),
        ("2000003", "create"),
        ("2000005", "create"),
        ("2000004", "decline"),
    }
    assert states(ctx) == {
        "1000001": "active",
        "1000002": "active",
        "1000003": "active",
        "2000001": "active",
        "2000002": "active",
        "2000003": "active",
        "2000004": "no_account",
        "2000005": "active",
    }
    mother = account_queries.account_detail(ctx.db, "2000005")
    assert [(s["jointure"], s["resp_legal"], s["state"]) for s in mother["students"]] == [("1000003", "1", "active")]
    assert rebuilt(ctx) == dump(ctx.db)


# --------------------------------------------------------------------------- the VE1301 fixtures

VE1301_T0 = datetime(2026, 9, 1, 6, 0, tzinfo=timezone.utc)


def test_ve1301_delta_modify_of_unknown_student_arrives(ctx):
    assert ingest(str(FIX / "ve1301"), ctx, VE1301_T0).status == "applied"
    tick(ctx, VE1301_T0 + timedelta(hours=49))
    # 1100002 names its mother only in the older attributes (empty ENTElevePersRelEleve).
    assert [
        (g["jointure"], g["resp_legal"], g["state"])
        for g in account_queries.account_detail(ctx.db, "1100002")["guardians"]
    ] == [("2100003", "1", "active")]

    result = ingest(str(FIX / "ve1301-delta"), ctx, VE1301_T0 + timedelta(days=2, hours=2))

    assert result.status == "applied", result.message
    assert result.rejections == []
    assert (result.counts["arrived_by_modify"], result.counts["added"]) == (1, 1)
    assert applied_counts(ctx, result.delivery_id)["arrived_by_modify"] == 1
    noe = account_queries.account_detail(ctx.db, "1100003")
    assert noe["state"] == "pending"
    assert noe["attributes"]["ENTEleveRegime"] == ["EXTERNE"]  # a modification without @operation
    assert [(g["jointure"], g["resp_legal"]) for g in noe["guardians"]] == [("2100002", "1")]
    assert rebuilt(ctx) == dump(ctx.db)
