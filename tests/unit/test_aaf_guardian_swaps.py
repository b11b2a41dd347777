"""Two guardian accounts of one student exchanging identities in one AAF
delivery (issue 15, domain-rules §5, §11), on the in-memory twin: one
``Delivery.GuardiansSwapped``, listed once as guardians_swapped and
acknowledged only, and no suspected overwrite for either account; one
guardian retyped alone stays a suspected overwrite."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from daemon import bootstrap
from events.policy import Policy
from events.usecases import aaf_apply
from events.usecases.aaf_ingest import ingest
from events.usecases.anomaly_review import ConfirmAnomaly, confirm
from generator.cli import run as generate
from projections.anomaly_queries import anomalies

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T1 = datetime(2026, 9, 18, 6, tzinfo=timezone.utc)
IDENTITY = ("personalTitle", "sn", "givenName", "ENTPersonNomPatro")


@pytest.fixture(scope="module")
def academie(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("swaps")
    assert generate([str(root), "--students", "20", "--seed", "3", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    return root / manifest["deliveries"][f"{manifest['dates']['first']}-complet"]["path"]


def _requests(part: Path):
    tree = etree.parse(str(part))
    return tree, {r.findtext("identifier/id"): r for r in tree.getroot().iter("addRequest")}


def _value(request, name: str) -> str:
    return request.find(f"attributes/attr[@name='{name}']/value").text or ""


def _set(request, name: str, value: str) -> None:
    request.find(f"attributes/attr[@name='{name}']/value").text = value


def later(src: Path, dest: Path, swap: bool) -> Path:
    """The delivery a month later, with two guardians of one child exchanged
    (``swap``) or the second retyped as the first."""
    dest.mkdir(parents=True)
    for part in src.iterdir():
        shutil.copy(part, dest / part.name.replace("20260818", "20260918"))
    (part,) = dest.glob("*_PersRelEleve_*.xml")
    tree, requests = _requests(part)
    of_child = defaultdict(list)
    for jointure, request in requests.items():
        for child in request.iterfind("attributes/attr[@name='ENTAuxPersRelEleveEleve']/value"):
            of_child[child.text].append(jointure)
    a, b = next(
        js[:2]
        for js in of_child.values()
        if len(js) > 1 and _value(requests[js[0]], "givenName") != _value(requests[js[1]], "givenName")
    )
    ida, idb = ({n: _value(requests[j], n) for n in IDENTITY} for j in (a, b))
    for name in IDENTITY:
        _set(requests[b], name, ida[name])
        if swap:
            _set(requests[a], name, idb[name])
    tree.write(str(part), xml_declaration=True, encoding="ISO-8859-1")
    return dest


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", Policy(), simulation=True)
    yield ctx
    ctx.close()


def kinds(uow) -> list[str]:
    wanted = ("suspected_overwrite", "guardians_swapped")
    return sorted(a["anomaly"] for a in anomalies(uow.db, T1, timedelta(hours=1)) if a["anomaly"] in wanted)


def test_two_guardians_exchanged_are_one_swap_and_no_overwrite(uow, academie, tmp_path):
    ingest(str(academie), uow, T0)
    result = ingest(str(later(academie, tmp_path / "swapped", swap=True)), uow, T1)
    assert result.status == "applied" and result.counts["guardians_swapped"] == 1
    assert kinds(uow) == ["guardians_swapped"]
    names = [type(e).__name__ for _, e in uow.log.iter_events()]
    assert names.count("GuardiansSwapped") == 1 and "OverwriteSuspected" not in names
    (row,) = [a for a in anomalies(uow.db, T1, timedelta(hours=1)) if a["anomaly"] == "guardians_swapped"]
    assert row["source"] == "aaf" and len(row["others"]) == 2 and "_PersRelEleve_" in row["detail"]
    decided = confirm(ConfirmAnomaly(row["id"][:8], "alice", "told the school"), uow, T1 + timedelta(hours=1))
    assert decided.effects == {"source": "aaf", "delivery_id": result.delivery_id} | {
        "action": "correct the two guardians' records in SIECLE"
    }


def test_one_guardian_retyped_as_the_other_stays_an_overwrite(uow, academie, tmp_path):
    ingest(str(academie), uow, T0)
    result = ingest(str(later(academie, tmp_path / "retyped", swap=False)), uow, T1)
    assert result.status == "applied" and "guardians_swapped" not in result.counts
    assert kinds(uow) == ["suspected_overwrite"]


def test_an_apply_interrupted_between_the_two_guardians_keeps_one_swap(uow, academie, tmp_path, monkeypatch):
    from tests.unit.test_aaf_ingest import Crash, CrashingStaging

    ingest(str(academie), uow, T0)
    monkeypatch.setattr(aaf_apply, "BATCH", 1)
    real = uow.staging
    uow.staging = CrashingStaging(real, after=1)  # the first guardian recorded, then the process stops
    swapped = later(academie, tmp_path / "swapped", swap=True)
    with pytest.raises(Crash):
        ingest(str(swapped), uow, T1)
    assert sum(type(e).__name__ == "Changed" for _, e in uow.log.iter_events(after=0)) == 1
    uow.staging = real
    result = ingest(str(swapped), uow, T1)
    assert result.status == "applied" and result.counts["guardians_swapped"] == 1
    names = [type(e).__name__ for _, e in uow.log.iter_events()]
    assert names.count("GuardiansSwapped") == 1 and "OverwriteSuspected" not in names
    assert kinds(uow) == ["guardians_swapped"]
