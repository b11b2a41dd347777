"""The AAF ingest on the in-memory twin (domain-rules §4, §5, §11, §12):
given the facts of earlier deliveries, when a delivery is ingested, released
or rejected, then these facts are recorded and this is answered. The
deliveries are the hand-written fixtures of tests/fixtures/aaf and small
académies of the generator; the same stories run on SQLite and PostgreSQL
in tests/integration (test_lifecycle, test_brakes, test_crash_resume)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from events.faults import StopAt
from events.policy import Policy
from events.usecases import aaf_apply
from events.usecases.aaf_ingest import IngestRefused, ingest
from events.usecases.aaf_operator import reject, release
from generator.cli import run as generate
from projections import account_queries, delivery_queries
from projections.staging import Staging
from tests.stored import snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)  # the rentrée delivery
T1 = datetime(2026, 11, 5, 6, tzinfo=timezone.utc)  # a delivery of November, same school year
# A quarter of a school's students, and more than five, departing at once is held.
# Two stores compared: the same secret for their keyed digests and login streams.
PEPPER = b"test pepper: two stores compared"
POLICY = Policy(brakes={"students": {"share": 0.25, "minimum": 5}})


@pytest.fixture(scope="module")
def academie(tmp_path_factory) -> tuple[Path, dict]:
    """A collège of 40 students: its rentrée delivery (academie-wide, ENTACAD)."""
    root = tmp_path_factory.mktemp("academie")
    assert generate([str(root), "--students", "40", "--seed", "3", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    first = manifest["deliveries"][f"{manifest['dates']['first']}-complet"]
    return root / first["path"], first


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", POLICY, simulation=True)
    yield ctx
    ctx.close()


def recorded_since(uow, position: int) -> list[str]:
    """The facts recorded after ``position``, by name (Delivery.Received…)."""
    return [type(event).__qualname__ for _, event in uow.log.iter_events(after=position)]


def states(uow) -> dict[str, str]:
    return {a["jointure"]: a["state"] for a in account_queries.accounts(uow.db)}


def write_delta(out: Path, date: str, deletes: dict[str, list[str]]) -> Path:
    """An académie-wide delta of ``deleteRequest``s, one part per category (formats §1)."""
    out.mkdir(parents=True)
    for category, ids in deletes.items():
        body = "".join(
            f'<deleteRequest><operationalAttributes><attr name="categoriePersonne"><value>{category}</value>'
            f"</attr></operationalAttributes><identifier><id>{i}</id></identifier></deleteRequest>\n"
            for i in ids
        )
        (out / f"ENTACAD_Delta_{date}_{category}_0000.xml").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- versionAF="AAF-VE1803" -->\n<ficAlimMENESR>\n{body}'
            "</ficAlimMENESR>\n",
            encoding="utf-8",
        )
    return out


def test_a_complete_delivery_is_applied_its_accounts_pending_for_48_hours(uow, academie):
    path, manifest = academie
    result = ingest(str(path), uow, T0)
    assert (result.status, result.exit_code, result.rejections) == ("applied", 0, [])
    added = {category: n["add"] for category, n in manifest["records"].items()}
    assert result.counts["added"] == sum(added.values())
    accounts = account_queries.accounts(uow.db)
    assert len(accounts) == added["Eleve"] + added["PersRelEleve"] + added["PersEducNat"]
    assert {a["state"] for a in accounts} == {"pending"}
    assert {a["creation_due"] for a in accounts} == {(T0 + timedelta(hours=48)).isoformat()}
    assert delivery_queries.delivery(uow.db, result.delivery_id)["status"] == "applied"
    # The working rows are gone once the delivery is applied.
    assert uow.staging.count(result.delivery_id) == 0 and uow.staging.interrupted() == []


def test_the_same_delivery_again_is_answered_already_applied_and_records_nothing(uow, academie):
    path, _ = academie
    first = ingest(str(path), uow, T0)
    position = uow.log.max_position()
    again = ingest(str(path), uow, T0 + timedelta(days=1))
    assert (again.delivery_id, again.status, again.exit_code) == (first.delivery_id, "already-applied", 0)
    assert "nothing recorded" in again.message
    assert recorded_since(uow, position) == []


def test_a_delta_changes_withdraws_and_adds(uow):
    ingest(str(FIXTURES / "values"), uow, T0)
    position = uow.log.max_position()
    result = ingest(str(FIXTURES / "delta"), uow, T0 + timedelta(days=1))
    assert result.status == "applied", result.message
    assert {k: result.counts[k] for k in ("changed", "deleted", "added")} == {"changed": 1, "deleted": 1, "added": 1}
    assert sorted(recorded_since(uow, position)) == sorted(
        [
            "Delivery.Received",
            "Delivery.ApplyStarted",
            "Account.Changed",  # 1000001: sn, groups and mail replaced
            "Account.Withdrawn",  # 1000003 deleted while still pending: never created
            "Account.Appeared",  # 1000004
            "Delivery.Applied",
        ]
    )
    now = states(uow)
    assert (now["1000003"], now["1000004"]) == ("withdrawn", "pending")


def test_a_mass_departure_is_held_without_effect_then_released(uow, academie, tmp_path):
    path, manifest = academie
    ingest(str(path), uow, T0)
    before = states(uow)
    leaving = manifest["jointures"]["Eleve"][:15]  # 15 of 41 students: over a quarter
    held = ingest(str(write_delta(tmp_path / "wipe", "20261105", {"Eleve": leaving})), uow, T1)
    assert (held.status, held.reason, held.exit_code) == ("held", "mass_departure", 2)
    assert "students (15 of 41, 0 expected not counted)" in held.message
    assert states(uow) == before, "a held delivery has no visible effect"

    position = uow.log.max_position()
    done = release(uow.log.delivery(held.delivery_id), "ops", uow, T1 + timedelta(minutes=5))
    assert (done.status, done.followed) == ("applied", [])
    recorded = recorded_since(uow, position)
    assert recorded[:2] == ["Delivery.Released", "Delivery.ApplyStarted"] and recorded[-1] == "Delivery.Applied"
    assert recorded.count("Account.Withdrawn") == 15
    after = states(uow)
    assert {j for j, s in after.items() if s != before[j]} == set(leaving)


@pytest.mark.parametrize("decision", ["release", "reject"])
def test_a_delta_waits_behind_a_held_delivery_and_is_applied_once_it_is_decided(uow, academie, tmp_path, decision):
    path, manifest = academie
    ingest(str(path), uow, T0)
    students = manifest["jointures"]["Eleve"]
    held = ingest(str(write_delta(tmp_path / "wipe", "20261105", {"Eleve": students[:15]})), uow, T1)
    before = states(uow)
    later_path = write_delta(tmp_path / "later", "20261106", {"Eleve": [students[-1]]})
    later = ingest(str(later_path), uow, T1 + timedelta(days=1))
    assert (later.status, later.reason, later.exit_code) == ("waiting", "behind_held_delivery", 2)
    assert held.delivery_id in later.message and later.counts == {"records": 1}
    assert states(uow) == before
    for part in later_path.iterdir():  # what waits is kept in the staging area, not in the files
        part.unlink()

    at = T1 + timedelta(days=2)
    if decision == "release":
        followed = release(uow.log.delivery(held.delivery_id), "ops", uow, at).followed
        gone = set(students[:15]) | {students[-1]}
    else:
        followed = reject(uow.log.delivery(held.delivery_id), "ops", uow, at)
        gone = {students[-1]}
    assert [(r.delivery_id, r.status) for r in followed] == [(later.delivery_id, "applied")]
    after = states(uow)
    assert {j for j, s in after.items() if s != before[j]} == gone
    assert delivery_queries.delivery(uow.db, later.delivery_id)["status"] == "applied"
    assert not uow.staging.has_parked(later.delivery_id)


def test_a_delivery_with_too_many_rejected_records_is_rejected_whole(tmp_path):
    strict = Policy(max_rejected_share=0.01, rejected_share_minimum=0)  # one rejected record is too many
    uow = bootstrap.build("memory:", strict, simulation=True)
    try:
        position = uow.log.max_position()
        result = ingest(str(FIXTURES / "bad-date"), uow, T0)
        assert (result.status, result.reason, result.exit_code) == ("rejected", "too_many_rejected_records", 2)
        assert "invalid_date 1" in result.message and "nothing of this delivery is applied" in result.message
        assert recorded_since(uow, position) == ["Delivery.Received", "Delivery.Rejected"]
        assert account_queries.accounts(uow.db) == [] and uow.staging.count(result.delivery_id) == 0
        again = ingest(str(FIXTURES / "bad-date"), uow, T0 + timedelta(hours=1))
        assert (again.status, again.reason) == ("already-rejected", "too_many_rejected_records")
    finally:
        uow.close()


class Crash(Exception):
    """The process stopping at a commit point (a power cut, in a test)."""


def _crash() -> None:
    raise Crash


def _snapshot(uow) -> tuple[list, dict]:
    return snapshot(uow)


@pytest.mark.parametrize(
    "nth",
    [
        pytest.param(1, id="before-apply-started"),  # the apply's state written, ApplyStarted not yet recorded
        pytest.param(2, id="after-apply-started"),  # ApplyStarted recorded, no account yet
    ],
)
def test_an_interrupted_apply_is_finished_by_ingesting_the_delivery_again(academie, nth):
    path, _ = academie
    reference = bootstrap.build("memory:", POLICY, simulation=True, pepper=PEPPER)
    ingest(str(path), reference, T0)
    expected = _snapshot(reference)
    reference.close()

    uow = bootstrap.build(
        "memory:", POLICY, simulation=True, faults=StopAt(nth, frozenset({"staging.phase"}), _crash), pepper=PEPPER
    )
    try:
        with pytest.raises(Crash):
            ingest(str(path), uow, T0)
        assert [i.source for i in uow.staging.interrupted()] == [str(path)]
        if nth == 2:  # its apply recorded as begun: nothing else starts before it is finished
            with pytest.raises(IngestRefused, match="interrupted while applying"):
                ingest(str(FIXTURES / "values"), uow, T0)
        result = ingest(str(path), uow, T0)  # as an operator would run the command again
        assert result.status == "applied", result.message
        assert uow.staging.interrupted() == []
        assert _snapshot(uow) == expected
    finally:
        uow.close()


class CrashingStaging(Staging):
    """The staging area of a process that stops while applying: after
    ``after`` staged rows have been read in phase 2."""

    def __init__(self, real: Staging, after: int):
        super().__init__(real.db, real.faults)
        self.after = after

    def rows(self, delivery_id: str, batch: int = 5000):
        for n, row in enumerate(super().rows(delivery_id, batch)):
            if n == self.after:
                raise Crash
            yield row


def test_an_apply_interrupted_between_batches_records_each_stream_once(academie, monkeypatch):
    path, _ = academie
    monkeypatch.setattr(aaf_apply, "BATCH", 10)
    reference = bootstrap.build("memory:", POLICY, simulation=True, pepper=PEPPER)
    ingest(str(path), reference, T0)
    expected = _snapshot(reference)
    reference.close()

    uow = bootstrap.build("memory:", POLICY, simulation=True, pepper=PEPPER)
    real = uow.staging
    try:
        uow.staging = CrashingStaging(real, after=35)
        with pytest.raises(Crash):
            ingest(str(path), uow, T0)
        streams = {e.originator_id for _, e in uow.log.iter_events() if type(e).__qualname__.endswith("Appeared")}
        assert len(streams) == 30  # three batches of ten new records recorded before the stop
        uow.staging = real  # the process starts again
        result = ingest(str(path), uow, T0)
        assert result.status == "applied", result.message
        assert _snapshot(uow) == expected
    finally:
        uow.close()
