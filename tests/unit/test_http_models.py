"""The API's response models (daemon/http/models.py, import_models.py) on
answers the walkthrough's capture does not hold (issue 12): a delivery held
by the mass-departure brake, with the counts, the departures and the delta
waiting behind it, read on the in-memory twin. FastAPI validates each answer
against its model and writes it back leaving out what was not set: the
answer must come back unchanged, key order included."""

from __future__ import annotations

import json
from datetime import timedelta

from daemon.http import reads
from daemon.http.import_models import DeliveryDetail, DeliveryList
from events.usecases.aaf_ingest import ingest
from tests.unit.test_aaf_ingest import T0, T1, academie, uow, write_delta  # noqa: F401 (fixtures)


def served(model, body: dict) -> str:
    return json.dumps(model.model_validate(body).model_dump(mode="json", exclude_unset=True), ensure_ascii=False)


def test_a_held_delivery_is_served_as_read(uow, academie, tmp_path):  # noqa: F811
    path, manifest = academie
    ingest(str(path), uow, T0)
    students = manifest["jointures"]["Eleve"]
    held = ingest(str(write_delta(tmp_path / "wipe", "20261105", {"Eleve": students[:15]})), uow, T1)
    later = ingest(str(write_delta(tmp_path / "later", "20261106", {"Eleve": [students[-1]]})), uow, T1 + timedelta(1))
    assert (held.status, later.status) == ("held", "waiting")

    body = reads.delivery(uow, key=held.delivery_id)
    assert len(body["departures"]) == 15 and body["brake"] and body["waiting"] == [later.delivery_id]
    assert served(DeliveryDetail, body) == json.dumps(body, ensure_ascii=False)
    waiting = reads.delivery(uow, key=later.delivery_id)
    assert "brake" not in waiting and served(DeliveryDetail, waiting) == json.dumps(waiting, ensure_ascii=False)
    listed = reads.deliveries(uow)
    assert served(DeliveryList, listed) == json.dumps(listed, ensure_ascii=False)
