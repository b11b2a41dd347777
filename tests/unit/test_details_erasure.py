"""The details of deliveries and imports erased on time, on the in-memory
twin (events/usecases/details_erasure.py, issue 17): an AAF delivery with a
rejected record, one rejected whole, a SIECLE export with rejected records
and a timetable export naming a teacher it could not match are received at
the rentrée; three months later the tick destroys their keys, records
``DetailsErased`` once each, and the three read models read their messages
erased as a rebuild of the log reads them. Not while purges are held; a
crash between the keys and the record is recorded by the next run."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from adapters.sniff import kind_of
from daemon import bootstrap
from daemon.service.due import due_state
from events.erasure import details_erasure_id
from events.faults import StopAt
from events.personal import ERASED
from events.usecases.details_erasure import erase_details_due
from events.usecases.intake import Arrival, dispatch
from events.usecases.tick import hold_removals, lift_hold, tick
from tests.stored import rebuild_differences

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = T0 + timedelta(minutes=3, days=92)  # the last one received, three months (92 days) later
TEACHER = "CŒURDEROY"  # the timetable's teacher P1, not matched: named in the import's people


class Crash(Exception):
    pass


def crash() -> None:
    raise Crash


def received(uow) -> dict[str, str]:
    """Each kind of delivery or import with details, received at the rentrée: kind → stream id."""
    paths = [
        ("aaf", FIXTURES / "aaf" / "bad-ine"),
        ("rejected", FIXTURES / "aaf" / "category-mismatch"),
        ("siecle", FIXTURES / "siecle" / "rejets" / "ElevesSansAdresses.xml"),
        ("timetable", FIXTURES / "timetable" / "export_edt_0571994H_bad_records.xml"),
    ]
    out = {}
    for minutes, (name, path) in enumerate(paths):
        result = dispatch(Arrival(kind_of(path), str(path)), uow, T0 + timedelta(minutes=minutes))
        out[name] = result.delivery_id or result.import_id
    tick(uow, T0 + timedelta(days=3))  # the accounts the delivery asked for: nothing left due but the details
    for view in (uow.projection, uow.siecle, uow.imports):
        view.catch_up(uow.log)
    return out


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    yield ctx
    ctx.close()


def details(uow, streams: dict[str, str]) -> dict[str, object]:
    db = uow.db
    return {
        "rejections": {
            m for (m,) in db.query("SELECT message FROM rejections WHERE delivery_id = ?", (streams["aaf"],))
        },
        "rejected": db.scalar("SELECT details FROM deliveries WHERE delivery_id = ?", (streams["rejected"],)),
        "siecle": {m for (m,) in db.query("SELECT message FROM siecle_rejections")},
        "people": db.scalar("SELECT people FROM imports"),
        "record_rejections": db.scalar("SELECT record_rejections FROM imports"),
    }


def rebuilt_equal(uow) -> None:
    assert rebuild_differences(uow) == {}


def erasing(transitions) -> list[tuple[str, str, str]]:
    return sorted((t.kind, t.profile, t.account_id) for t in transitions if t.kind.startswith("erase-details"))


def test_the_details_are_erased_three_months_after_they_were_received(uow):
    streams = received(uow)
    before = details(uow, streams)
    assert TEACHER in before["people"] and "PersEducNat" in before["rejected"]
    assert erasing(tick(uow, T0 + timedelta(days=92, minutes=-1))[1]) == []  # the first received, not a minute early

    _, listed = tick(uow, DUE + timedelta(days=1))
    kinds = {"aaf": "aaf", "rejected": "aaf", "siecle": "siecle", "timetable": "timetable"}
    assert erasing(listed) == sorted(("erase-details", kinds[k], sid) for k, sid in streams.items())
    after = details(uow, streams)
    assert after["rejections"] == {ERASED} and after["siecle"] == {ERASED} and after["people"] == "{}"
    assert '"message":"[effacé]"' in after["rejected"] and "PersEducNat" not in after["rejected"]
    assert TEACHER not in after["record_rejections"] and after["record_rejections"].count(ERASED) == 9
    # Nothing of the teacher anywhere in the read models, and a rebuild reads the same.
    tables = [t for (t,) in uow.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert [t for t in tables if TEACHER in str(uow.db.query(f"SELECT * FROM {t}"))] == []
    rebuilt_equal(uow)

    for sid in streams.values():  # recorded once each, never again
        fact = uow.log.get(details_erasure_id(sid))
        assert (fact.version, fact.stream_id) == (1, sid)
    assert erasing(tick(uow, DUE + timedelta(days=30))[1]) == []
    assert uow.erasure_queries.details_erased() == 4


def test_held_with_the_purges(uow):
    streams = received(uow)
    assert due_state(uow, DUE).due_now  # the service's recheck sees details due (no date in its timer)
    hold_removals(uow, "ops", "audit", DUE)
    assert not due_state(uow, DUE + timedelta(hours=1)).due_now
    position = uow.log.max_position()
    _, listed = tick(uow, DUE + timedelta(days=1))
    assert {t.kind for t in listed if t.kind.startswith("erase-details")} == {"erase-details-held"}
    assert uow.log.max_position() == position and TEACHER in details(uow, streams)["people"]

    lift_hold(uow, "ops", DUE + timedelta(days=2))
    assert len(erasing(tick(uow, DUE + timedelta(days=2, hours=1))[1])) == 4
    assert details(uow, streams)["people"] == "{}"


def test_a_crash_between_the_keys_and_the_record_is_recorded_by_the_next_run():
    uow = bootstrap.build("memory:", simulation=True, faults=StopAt(1, frozenset({"details.destroyed"}), crash))
    try:
        streams = received(uow)
        with pytest.raises(Crash):
            erase_details_due(uow, DUE)
        assert all(uow.log.find(details_erasure_id(sid)) is None for sid in streams.values())

        # The first due (the earliest received) had its keys destroyed: recorded with that time.
        report = erase_details_due(uow, DUE + timedelta(hours=6))
        erased_at = {e.stream_id: e.erased_at for e in report.erased}
        assert erased_at == {sid: DUE if k == "aaf" else DUE + timedelta(hours=6) for k, sid in streams.items()}
        assert erase_details_due(uow, DUE + timedelta(days=1)).erased == []
        rebuilt_equal(uow)
    finally:
        uow.close()
