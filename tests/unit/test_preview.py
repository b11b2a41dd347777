"""The preview's twin (daemon/preview.py): given a store's log, the twin
holds the same stored events in the same order, the same declaration, and
an import on it answers what the same import on the store answers, while
the store records nothing."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from daemon import bootstrap
from daemon.preview import copy_log, previewed, twin
from events.policy import Policy
from events.usecases.intake import Arrival, dispatch
from events.usecases.result import Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AT = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)
LATER = datetime(2026, 9, 28, 8, tzinfo=timezone.utc)


def stored(log) -> list[tuple]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in log.notifications(0, 100_000)]


def test_the_twin_holds_the_same_log_in_the_same_order():
    store = bootstrap.build("memory:", simulation=True)
    copy = bootstrap.build("memory:")
    try:
        dispatch(Arrival("aaf", str(FIXTURES / "aaf" / "values")), store, AT)
        assert copy_log(store.log, copy.log, batch=7) == store.log.max_position() > 7
        assert stored(copy.log) == stored(store.log)
    finally:
        store.close()
        copy.close()


def test_an_import_on_the_twin_answers_what_it_would_on_the_store_and_the_store_records_nothing():
    store = bootstrap.build("memory:", simulation=True)
    path = str(FIXTURES / "aaf" / "delta")
    try:
        dispatch(Arrival("aaf", str(FIXTURES / "aaf" / "values")), store, AT)
        before = stored(store.log)
        ctx, copied = twin(store.log, Policy(), keys=store.keyring.rows())
        try:
            assert ctx.simulation and copied == len(before)
            found = previewed(ctx, path, "aaf", LATER, copied)
        finally:
            ctx.close()
        assert stored(store.log) == before
        real = dispatch(Arrival("aaf", path), store, LATER)
        assert isinstance(real, Result) and isinstance(found.result, Result)
        assert found.result.as_dict() == real.as_dict()
        assert found.facts == store.log.max_position() - len(before) > 0
    finally:
        store.close()
