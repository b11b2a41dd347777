"""A student whose structure's record was rejected (issue 18, point 8): the
student is kept — the structure may be delivered again, corrected — and
listed with the orphaned memberships, naming the rejection that orphaned
them (domain-rules §12: nothing dropped silently)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from events.usecases.aaf_ingest import ingest
from projections.served import NO_KNOWN_STRUCTURE, structure_anomalies

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf" / "values"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


def test_students_of_a_rejected_structure_are_listed_with_the_rejection(ctx, tmp_path):
    delivery = tmp_path / "structure-rejected"
    shutil.copytree(FIX, delivery)
    etab = next(delivery.glob("*EtabEducNat*"))
    text = etab.read_text(encoding="utf-8")
    broken = text.replace('<attr name="ENTStructureJointure"><value>4001</value></attr>', "", 1)
    assert broken != text
    etab.write_text(broken, encoding="utf-8")

    result = ingest(str(delivery), ctx, T0)
    assert result.status == "applied"
    (rejected,) = [r for r in result.rejections if r.record_id == "4001"]
    assert rejected.reason == "missing_field"
    assert ctx.db.scalar("SELECT COUNT(*) FROM structures WHERE jointure = '4001'") == 0
    students = {
        j
        for (j,) in ctx.db.query(
            "SELECT a.jointure FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
            "WHERE a.category = 'Eleve' AND s.structure = '4001'"
        )
    }
    assert students  # kept: nothing of theirs was wrong

    listed = {
        a["jointure"]: a["detail"]
        for a in structure_anomalies(ctx.db, ctx.policy)
        if a["anomaly"] == NO_KNOWN_STRUCTURE
    }
    assert students <= set(listed)
    for jointure in students:
        assert listed[jointure] == (
            f"attached to 4001, none of which the directory holds; a record 4001 was "
            f"rejected (missing_field, {etab.name}:{rejected.line})"
        )
