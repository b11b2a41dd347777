"""`entsync history` on the logs of earlier releases (tests/fixtures/log_v1,
log_v2), on the in-memory twin: every account's history reads, one entry per
event of its stream, and no group fact (those logs hold no ManualGroups
stream). The logs' replay is tests/integration/test_log_compatibility.py."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from daemon import bootstrap
from daemon.history.account import history
from events.account import Account
from projections.group_queries import manual_group_streams

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("name", ["log_v1", "log_v2"])
def test_every_accounts_history_reads_on_an_old_log(name):
    lines = [json.loads(line) for line in (FIXTURES / name / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    ctx = bootstrap.build("memory:", simulation=True)
    try:
        ctx.log.recorder.insert_events(
            [
                StoredEvent(UUID(e["originator_id"]), e["originator_version"], e["topic"], e["state"].encode("utf-8"))
                for e in lines
                if not e["topic"].startswith("entsync:Store.")  # the twin declared its own store
            ]
        )
        ctx.projection.catch_up(ctx.log)
        streams = manual_group_streams(ctx.db)
        assert streams == []
        accounts = {
            UUID(e["originator_id"])
            for e in lines
            if e["topic"].startswith("entsync:Account.") and e["originator_version"] == 1
        }
        assert accounts
        for aid in accounts:
            jointure = ctx.log.get(aid).jointure
            entries = history(ctx.log, jointure, streams)
            assert len(entries) == len(list(ctx.log.events.get(aid)))
            assert entries[0]["event"] in {"Appeared", Account.ManualCreated.__name__}
            assert all(e.get("stream") != "groups" for e in entries)
    finally:
        ctx.close()
