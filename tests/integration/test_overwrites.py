"""A SIECLE record retyped for another person reaches the AAF under the same
jointure: the ingest records a suspected overwrite with before and after
values, the delivery, file and line (domain-rules §5)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from lxml import etree

from daemon import bootstrap
from daemon.history.account import history
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from projections import account_queries, anomaly_queries
from tests.integration.conftest import T1, academie_started


@pytest.fixture
def started(request, backend, academie):
    """A context on a copy of the store where the first delivery was applied
    at T0 and its accounts created at T_CREATE (made once per backend)."""
    ctx = bootstrap.build(academie_started(request, backend, academie), Policy())
    yield ctx
    ctx.close()


def _retype(src, dest, jointure, family, given, birth):
    shutil.copytree(src, dest)
    for part in dest.glob("*_Eleve_*.xml"):
        tree = etree.parse(str(part))
        for request in tree.getroot().iter("addRequest"):
            if request.findtext("identifier/id") == jointure:
                for name, value in (("sn", family), ("givenName", given), ("ENTPersonDateNaissance", birth)):
                    request.find(f"attributes/attr[@name='{name}']/value").text = value
                tree.write(str(part), xml_declaration=True, encoding="ISO-8859-1")
                return request.sourceline
    raise AssertionError(f"{jointure} not found")


def test_retyped_student_is_flagged_and_explained(started, academie, tmp_path):
    ctx = started
    victim = next(
        j
        for j in academie.manifest["deliveries"]["20260818-complet"]["jointures"]["Eleve"]
        if j not in academie.manifest["churn"]["students_left"]
        and j not in {d for pair in academie.manifest["duplicates"] for d in pair}
    )
    login = account_queries.account_detail(ctx.db, victim)["login"]
    _retype(academie.second, tmp_path / "retyped", victim, "Zeller", "Octave", "02/02/2012")
    result = ingest(str(tmp_path / "retyped"), ctx, T1)
    assert result.status == "applied", result.message
    flagged = [
        a for a in anomaly_queries.anomalies(ctx.db, T1, timedelta(hours=1)) if a["anomaly"] == "suspected_overwrite"
    ]
    assert [a["jointure"] for a in flagged] == [victim]
    assert "_Eleve_" in flagged[0]["detail"]
    entry = [e for e in history(ctx.log, victim) if e["event"] == "OverwriteSuspected"][0]
    assert entry["delivery_id"] == result.delivery_id and entry["file"].endswith(".xml") and entry["line"] > 0
    assert entry["changes"]["sn"]["after"] == ["Zeller"]
    assert entry["changes"]["sn"]["before"] != ["Zeller"]
    assert account_queries.account_detail(ctx.db, victim)["login"] == login  # the login never changes


def test_name_corrections_are_not_overwrites(started, academie):
    ctx = started
    ingest(str(academie.second), ctx, T1)
    assert academie.manifest["churn"]["guardians_renamed"]
    assert ctx.db.query("SELECT * FROM overwrites") == []
