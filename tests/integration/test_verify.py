"""`entsync verify` on both stores: the directory, timetable-imports and
SIECLE read models rebuilt under a prefix and compared with the live ones,
table by table; the rebuild's tables are dropped afterwards."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from daemon.cli import store_commands
from daemon.cli.exits import EXIT_ERROR, EXIT_OK
from daemon.cli.render import Output
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.timetable_apply import validate
from events.usecases.timetable_receive import receive
from tests.integration.conftest import T0, Academie, make_academie


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("verify-academie"),
        "--students",
        "150",
        "--seed",
        "4",
        "--sources",
        "aaf,siecle,timetable",
        "--no-second",
    )


def verify(ctx) -> tuple[int, dict]:
    out = io.StringIO()
    code = store_commands.verify(SimpleNamespace(json=True), ctx, Output(as_json=True, stream=out))
    return code, json.loads(out.getvalue())


def test_verify_compares_the_three_read_models(ctx, acad):
    day = acad.manifest["dates"]["first"]
    uai, paths = next(iter(acad.manifest["sources"]["siecle"][day].items()))
    assert ingest(str(acad.first), ctx, T0).status == "applied"
    assert ingest_siecle(acad.root / paths["eleves"], ctx, T0 + timedelta(days=3)).status == "applied"
    first = receive(acad.root / acad.manifest["sources"]["timetable"][day][uai], ctx, T0 + timedelta(days=10))
    assert validate(first.import_id, "alice", ctx, T0 + timedelta(days=10, hours=1)).status == "applied"

    code, report = verify(ctx)
    assert (code, report["equal"], report["differences"]) == (EXIT_OK, True, {})
    assert {t.split(".")[0] for t in report["tables"]} == {"directory", "imports", "siecle"}
    assert report["tables"]["siecle.siecle_students"]["rows"] > 0
    assert report["tables"]["imports.timetable_groups"]["rows"] > 0
    assert not [
        t
        for t in ("verify_accounts", "verify_imports", "verify_siecle_students", "verify_tracking")
        if ctx.db.table_exists(t)
    ]

    ctx.db.execute(
        "UPDATE siecle_students SET division = 'XX' WHERE student_id IN "
        "(SELECT student_id FROM siecle_students ORDER BY student_id LIMIT 1)"
    )
    ctx.db.execute("DELETE FROM timetables")
    code, report = verify(ctx)
    assert code == EXIT_ERROR and report["equal"] is False
    assert report["differences"] == {
        "siecle.siecle_students": {"live_only": 1, "rebuild_only": 1},
        "imports.timetables": {"live_only": 0, "rebuild_only": 1},
    }
