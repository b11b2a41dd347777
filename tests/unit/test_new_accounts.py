"""The bulk path for new accounts writes exactly the event the aggregate would."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from events.account import Account, account_id
from events.application import DirectoryLog
from events.new_accounts import NewAccounts

AT = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DUE = AT + timedelta(hours=48)


@pytest.mark.parametrize(
    "jointure, file, attrs",
    [
        ("1000001", "ENT_Complet_20260818_Eleve_0000.xml", {"sn": ["DUPONT"], "givenName": ["Zoé"], "mail": []}),
        (
            '10"0\\2',
            'part é "q".xml',
            {"sn": ["D'ALMEIDA-MARTIN"], "cn": ['Cœur \\ "x" \n'], "ENTEleveGroupes": ["a$b", "c$d"]},
        ),
    ],
)
def test_bulk_event_equals_the_aggregate_event(jointure, file, attrs):
    log = DirectoryLog()  # in-memory event store: the mapper is what is tested
    aggregate = Account(
        jointure=jointure,
        category="Eleve",
        attrs=attrs,
        digest="d1",
        delivery_id="dl",
        file=file,
        line=42,
        at=AT,
        creation_due=DUE,
    )
    reference = log.mapper.to_stored_event(aggregate.collect_events()[0])
    bulk = NewAccounts(log.mapper, "Eleve", "dl", AT, DUE).stored_event(
        jointure, json.dumps(attrs, ensure_ascii=False), "d1", file, 42
    )

    assert (
        (bulk.originator_id, bulk.originator_version, bulk.topic)
        == (reference.originator_id, reference.originator_version, reference.topic)
        == (account_id(jointure), 1, Account.Appeared.TOPIC)
    )
    ours, theirs = json.loads(bulk.state), json.loads(reference.state)
    assert ours.pop("timestamp")["_type_"] == theirs.pop("timestamp")["_type_"] == "datetime_iso"
    assert ours == theirs

    log.recorder.insert_events([bulk])
    replayed = log.get(account_id(jointure))
    assert (replayed.jointure, replayed.attrs, replayed.state, replayed.first_seen, replayed.creation_due) == (
        jointure,
        attrs,
        "pending",
        AT,
        DUE,
    )
