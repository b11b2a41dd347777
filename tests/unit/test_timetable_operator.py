"""An operator's commands on a timetable import, on the in-memory twin
(domain-rules §7, §11, §12): given an import awaiting validation or rejected
over a threshold, when it is matched by hand, validated, retried with a
threshold lifted or cancelled, then these facts — or the command is refused
and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from events.imports import TransitionRefused
from events.timetable.decision import LockedThreshold
from events.usecases.timetable_apply import retry, validate
from events.usecases.timetable_cancel import cancel
from events.usecases.timetable_hand_match import match
from events.usecases.timetable_receive import receive
from events.usecases.timetable_work import ImportRefused
from tests.unit.timetable_twin import (
    BY_HAND,
    T1,
    T2,
    UAI,
    applied_first,
    awaiting_first,
    cut_export,
    export,
    facts,
    twin,
)


@pytest.fixture
def uow():
    ctx = twin()
    yield ctx
    ctx.close()


def test_a_hand_match_is_recorded_and_resolves_the_import(uow, tmp_path):
    iid = awaiting_first(uow, tmp_path)
    result = match(iid[:8], "P2", "3000002", "alice", uow, T1 + timedelta(minutes=1))
    assert result.status == "awaiting_validation" and "teacher P2 matched to 3000002 by alice" in result.message
    assert facts(uow, iid)[-2:] == ["MatchedByHand", "Resolved"]
    p2 = next(m for m in uow.log.get(UUID(iid)).matches if m["ident"] == "P2")
    assert (p2["key"], p2["by"]) == ("3000002", "hand")
    assert [(r.kind, r.ident, r.key) for r in uow.timetable_queries.hand_matches(iid)] == [("teacher", "P2", "3000002")]


@pytest.mark.parametrize(
    ("ident", "target", "kind", "error", "says"),
    [
        ("P5", "3000002", None, ValueError, "already matched to teacher P2"),
        ("P5", "1000001", None, ValueError, "ELEVE account"),
        ("P5", "9999999", None, LookupError, "no account"),
        ("P9", "3000003", None, LookupError, "no item with ident 'P9'"),
        ("C1", "9Z", "class", LookupError, "has no class '9Z'"),
    ],
)
def test_a_hand_match_that_cannot_be_is_refused_and_records_nothing(uow, tmp_path, ident, target, kind, error, says):
    iid = awaiting_first(uow, tmp_path)
    match(iid, "P2", "3000002", "alice", uow, T1 + timedelta(minutes=1))
    before = facts(uow, iid)
    with pytest.raises(error, match=says):
        match(iid, ident, target, "alice", uow, T1 + timedelta(minutes=2), kind)
    assert facts(uow, iid) == before


def test_validated_the_import_is_applied_up_to_15_july_only_when_the_operator_says_so(uow, tmp_path):
    iid = awaiting_first(uow, tmp_path)
    for ident, account in BY_HAND:
        match(iid, ident, account, "alice", uow, T1 + timedelta(minutes=5))
    before = facts(uow, iid)
    with pytest.raises(ImportRefused, match="accept-end-date"):
        validate(iid, "alice", uow, T1 + timedelta(minutes=10))
    assert facts(uow, iid) == before
    applied = validate(iid, "alice", uow, T1 + timedelta(minutes=10), accept_end_date=True)
    assert (applied.status, applied.exit_code) == ("applied", 0) and applied.counts["services_added"] > 0
    assert facts(uow, iid)[len(before) :] == ["EndDateAccepted", "Resolved", "Validated", "Applied"]
    q = uow.timetable_queries
    now = q.current_timetable(UAI, "edt", 2026)
    assert now.calendar["ends_on"] == "2027-07-15"
    assert now.services[("4B", "HIGEO")] == frozenset({"3000005"})
    assert q.awaiting(UAI, "edt") is None and q.applied_count(UAI, "edt", 2026) == 1
    assert {(r.ident, r.key) for r in q.remembered(UAI, "edt", 2026)} == set(BY_HAND)
    with pytest.raises(TransitionRefused, match="is applied"):
        validate(iid, "alice", uow, T1 + timedelta(minutes=11))


def test_a_change_over_a_threshold_is_rejected_then_applied_with_the_threshold_lifted(uow, tmp_path):
    applied_first(uow, tmp_path)
    receive(export(tmp_path, "export_2", T2 - timedelta(hours=1)), uow, T2)
    sessions = uow.policy.timetable_thresholds["sessions_removed"].model_copy(update={"count": 2, "percent": 20})
    uow.policy = uow.policy.model_copy(
        update={"timetable_thresholds": {**uow.policy.timetable_thresholds, "sessions_removed": sessions}}
    )
    q = uow.timetable_queries
    before = q.current_timetable(UAI, "edt")
    big = receive(cut_export(tmp_path), uow, T2 + timedelta(days=7))
    assert (big.status, big.reason, big.exit_code) == ("rejected", "threshold_exceeded", 2)
    assert set(big.details["thresholds"]) == {"sessions_removed"}
    assert facts(uow, big.import_id) == ["Received", "Read", "Rejected"]
    assert q.current_timetable(UAI, "edt") == before  # nothing applied
    with pytest.raises(LockedThreshold, match="can never be lifted"):
        retry(big.import_id, ["structures_deleted_with_sessions"], "bob", uow, T2 + timedelta(days=7, hours=1))
    lifted = retry(big.import_id, ["sessions_removed"], "bob", uow, T2 + timedelta(days=7, hours=1))
    assert lifted.status == "applied"
    assert facts(uow, big.import_id)[3:] == ["ThresholdsLifted", "Retried", "Resolved", "Applied"]
    assert q.current_timetable(UAI, "edt") != before


def test_an_import_awaiting_validation_is_cancelled(uow, tmp_path):
    iid = awaiting_first(uow, tmp_path)
    result = cancel(iid, "alice", "wrong base", uow, T1 + timedelta(hours=1))
    assert (result.status, result.message) == ("cancelled", "cancelled by alice; nothing applied")
    assert facts(uow, iid)[-1] == "Cancelled"
    q = uow.timetable_queries
    assert q.awaiting(UAI, "edt") is None and q.current_timetable(UAI, "edt") is None
    with pytest.raises(TransitionRefused, match="is cancelled"):
        cancel(iid, "alice", "again", uow, T1 + timedelta(hours=2))
    with pytest.raises(LookupError, match="no timetable import"):
        cancel("ffffffff", "alice", "unknown", uow, T1 + timedelta(hours=2))
