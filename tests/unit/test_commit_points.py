"""Where the writes tell the Faults port they are durable (events/faults.py):
the event log once per save that records events, the read model once per
batch, the staging area once per write; each point reached after its commit,
as a second connection to the store sees. The log runs on the in-memory
event store, the read model and the staging area on an embedded SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.account import Account
from events.application import DirectoryLog
from events.faults import CountingFaults, StopAt
from events.new_accounts import NewAccounts
from events.usecases.aaf_ports import StagedRow
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.staging import Staging, create_tables

AT = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = AT + timedelta(hours=48)


def account(jointure: str) -> Account:
    return Account(
        jointure=jointure,
        category="Eleve",
        attrs={"sn": ["DUPONT"], "givenName": ["Zoé"]},
        digest="d1",
        delivery_id="dl",
        file="ENT_Complet_20260818_Eleve_0000.xml",
        line=1,
        at=AT,
        creation_due=DUE,
    )


def test_the_log_reaches_a_point_per_save_that_records_events():
    faults = CountingFaults()
    log = DirectoryLog(faults=faults)
    first = account("1000001")
    log.save(first)
    assert faults.counts == {"log.saved": 1}
    log.save(first)  # nothing new: nothing committed
    assert faults.counts == {"log.saved": 1}
    # One transaction per batch of about 2 items: 2 + 2 + 1.
    log.save_in_batches([(account(f"200000{i}"),) for i in range(5)], 2)
    assert faults.counts == {"log.saved": 4}
    # A batch with events already encoded (the bulk path for new accounts) too.
    bulk = NewAccounts(log.mapper, "Eleve", "dl", AT, DUE).stored_event("3000001", "{}", "d1", "f.xml", 1)
    log.save_in_batches([(bulk,), (account("3000002"),)], 10)
    assert faults.counts == {"log.saved": 5} and log.max_position() == 8


def test_the_log_reaches_its_point_once_the_events_are_stored():
    seen: list[int] = []
    log = DirectoryLog(faults=StopAt(2, stop=lambda: seen.append(log.max_position())))
    log.save_in_batches([(account(f"100000{i}"),) for i in range(3)], 2)
    assert seen == [3]


@pytest.fixture
def store(tmp_path):
    """The store, and a second connection to it: what it sees is committed."""
    url = f"sqlite:///{tmp_path / 'entsync.db'}"
    db, other = Database(url), Database(url)
    yield db, other
    db.close()
    other.close()


def test_the_read_model_reaches_a_point_per_batch_once_committed(store):
    db, other = store
    log = DirectoryLog()
    log.save_in_batches([(account(f"100000{i}"),) for i in range(5)], 10)
    seen: list[int] = []
    faults = StopAt(2, stop=lambda: seen.append(other.scalar("SELECT COUNT(*) FROM accounts")))
    projection = DirectoryProjection(db, faults=faults)
    assert projection.catch_up(log, batch=2) == 5
    assert faults.counts == {"readmodel.committed": 3} and seen == [4]


# What a second connection reads when each staging point is reached.
LOOKS = {
    "staging.written": "SELECT seq FROM staging",
    "staging.phase": "SELECT phase FROM ingest_state",
    "staging.cleared": "SELECT COUNT(*) FROM staging",
    "staging.parked": "SELECT line FROM parked",
    "staging.file_kept": "SELECT file FROM held_files",
    "staging.followed": "SELECT delivery_id FROM follow_ups",
}


class Looking(CountingFaults):
    """Counts, and at the first time each point is reached looks at the store
    through another connection."""

    def __init__(self, other: Database) -> None:
        super().__init__()
        self.other, self.seen = other, {}

    def reached(self, point: str) -> None:
        super().reached(point)
        self.seen.setdefault(point, self.other.query(LOOKS[point]))


def test_every_staging_write_reaches_its_point_once_committed(store):
    db, other = store
    faults = Looking(other)
    create_tables(db)
    staging = Staging(db, faults)
    staging.add("d1", [StagedRow(0, "Eleve", "1000001", "upsert", '{"sn": ["X"]}', "h", "f.xml", 1)])
    staging.set_phase("d1", "applying", 0, "/inbox/f.zip")
    staging.clear("d1")
    staging.park("d2", [Raw()])
    staging.keep_file("i1", "eleves.xml", b"<x/>")
    staging.followed("siecle_relink", ["d1"], AT.isoformat())
    staging.unpark("d2")
    staging.drop_file("i1")
    assert faults.seen == {
        "staging.written": [(0,)],
        "staging.phase": [("applying",)],
        "staging.cleared": [(0,)],
        "staging.parked": [(7,)],
        "staging.file_kept": [("eleves.xml",)],
        "staging.followed": [("d1",)],
    }
    assert faults.counts == {
        "staging.written": 1,
        "staging.phase": 1,
        "staging.cleared": 1,
        "staging.parked": 2,
        "staging.file_kept": 2,
        "staging.followed": 1,
    }


class Raw:
    """A parked record, as the AAF readers yield them."""

    file, line, op, category, id = "f.xml", 7, "c", "Eleve", "1000001"
    attrs = {"sn": ["X"]}
    unsupported = ()
