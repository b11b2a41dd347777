"""The account aggregate: given these events, when this command, then these events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from adapters.aaf.summary import record_digest as keyed_digest
from events.account import Account, account_id
from events.account_commands import TransitionRefused
from events.usecases.aaf_scan import record_digester

T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
DELAY = timedelta(hours=48)
ATTRS = {"sn": ["Martin"], "givenName": ["Léa"]}


def new_account() -> Account:
    return Account(
        jointure="1234567",
        category="Eleve",
        attrs=ATTRS,
        digest="d0",
        delivery_id="D1",
        file="f.xml",
        line=5,
        at=T0,
        creation_due=T0 + DELAY,
    )


def names(account: Account) -> list[str]:
    return [type(e).__name__ for e in account.collect_events()]


def test_appeared_is_pending_with_deterministic_id():
    a = new_account()
    assert a.id == account_id("1234567") and a.state == "pending" and a.creation_due == T0 + DELAY
    assert names(a) == ["Appeared"]


def test_creation_only_when_due():
    a = new_account()
    with pytest.raises(TransitionRefused):
        a.create_account("lea.martin", T0 + DELAY - timedelta(seconds=1))
    a.create_account("lea.martin", T0 + DELAY)
    assert (a.state, a.login) == ("active", "lea.martin")
    assert names(a) == ["Appeared", "AccountCreated"]


def test_leaving_while_pending_means_never_created():
    a = new_account()
    a.leave("absent_from_complete", "D2", T0 + timedelta(hours=1), T0, False)
    assert a.state == "withdrawn"
    with pytest.raises(TransitionRefused):
        a.create_account("lea.martin", T0 + DELAY)


def test_departing_then_back_keeps_the_login():
    a = new_account()
    a.create_account("lea.martin", T0 + DELAY)
    a.leave("absent_from_complete", "D2", T0 + timedelta(days=80), T0 + timedelta(days=400), False)
    assert a.state == "departing"
    a.record({"sn": ["Martin"], "givenName": ["Léa"]}, "d1", "D3", "g.xml", 9, T0 + timedelta(days=90), DELAY)
    assert (a.state, a.login) == ("active", "lea.martin")
    assert names(a)[-2:] == ["Departed", "Reappeared"]


def test_name_correction_does_not_change_the_login():
    a = new_account()
    a.create_account("lea.martin", T0 + DELAY)
    a.record({"sn": ["Martin-Durand"], "givenName": ["Léa"]}, "d2", "D2", "g.xml", 9, T0 + timedelta(days=3), DELAY)
    assert a.login == "lea.martin" and a.attrs["sn"] == ["Martin-Durand"]


def test_removed_only_from_departing_active_or_deactivated():
    a = new_account()
    with pytest.raises(TransitionRefused):
        a.remove("toussaint", T0)
    a.create_account("lea.martin", T0 + DELAY)
    a.deactivate_duplicate("7654321", "D2", T0 + timedelta(days=5), T0 + timedelta(days=47))
    assert a.state == "deactivated" and a.removal_due == T0 + timedelta(days=47)
    a.remove("duplicate_deleted", T0 + timedelta(days=47))
    assert a.state == "removed"


def facts(account: Account) -> list[tuple[str, object]]:
    """Each new fact's name and the field that tells it apart."""
    keys = ("reason", "removal_due", "at")
    return [(type(e).__name__, next(getattr(e, k) for k in keys if hasattr(e, k))) for e in account.collect_events()]


def test_leaving_again_while_departing_changes_nothing_but_presence():
    a = new_account()
    a.create_account("lea.martin", T0 + DELAY)
    a.leave("absent_from_complete", "D2", T0 + timedelta(days=80), T0 + timedelta(days=400), False)
    a.collect_events()
    a.leave("deleted_by_delta", "D3", T0 + timedelta(days=81), T0 + timedelta(days=500), False)
    assert facts(a) == [("LeftSource", "deleted_by_delta")]
    assert (a.state, a.present, a.removal_due) == ("departing", False, T0 + timedelta(days=400))


def test_a_pending_duplicate_is_never_created_and_then_only_leaves_the_source():
    a = new_account()
    a.collect_events()
    a.deactivate_duplicate("7654321", "D2", T0 + timedelta(days=1), T0 + timedelta(days=47))
    a.deactivate_duplicate("7654321", "D3", T0 + timedelta(days=2), T0 + timedelta(days=47))
    assert facts(a) == [("Withdrawn", "duplicate_of:7654321"), ("LeftSource", "absent_from_complete")]
    assert (a.state, a.removal_due) == ("withdrawn", None)


def test_declined_then_eligible_is_due_at_once():
    a = new_account()
    a.decline("no_legal_link", T0 + DELAY)
    assert a.state == "no_account"
    a.collect_events()
    a.become_eligible(T0 + timedelta(days=9))
    assert facts(a) == [("Eligible", T0 + timedelta(days=9))]
    assert (a.state, a.creation_due) == ("pending", T0 + timedelta(days=9))
    with pytest.raises(TransitionRefused, match="not no_account"):
        a.become_eligible(T0 + timedelta(days=10))


def test_the_removal_date_moves_only_while_departing():
    a = new_account()
    a.create_account("lea.martin", T0 + DELAY)
    with pytest.raises(TransitionRefused, match="not departing"):
        a.reschedule_removal(T0 + timedelta(days=60), False, T0 + timedelta(days=5))
    a.leave("absent_from_complete", "D2", T0 + timedelta(days=10), T0 + timedelta(days=50), True)
    a.collect_events()
    a.reschedule_removal(T0 + timedelta(days=60), False, T0 + timedelta(days=11))
    a.defer_removal(T0 + timedelta(days=70), T0 + timedelta(days=10), 15, T0 + timedelta(days=11))
    assert facts(a) == [("RemovalRescheduled", T0 + timedelta(days=60)), ("RemovalDeferred", T0 + timedelta(days=70))]
    assert a.removal_due == T0 + timedelta(days=70)


def test_a_withdrawn_person_back_starts_a_new_clock():
    a = new_account()
    a.leave("absent_from_complete", "D2", T0 + timedelta(hours=1), T0, False)
    back = T0 + timedelta(days=30)
    a.record(ATTRS, "d1", "D3", "g.xml", 9, back, DELAY)
    assert (a.state, a.present, a.creation_due, a.login) == ("pending", True, back + DELAY, "")
    assert names(a)[-1] == "Reappeared"


def record_digest(attrs: dict[str, list[str]]) -> str:
    return keyed_digest(attrs, record_digester(b"pepper"))


def test_digest_ignores_attribute_order_but_not_value_order():
    a = {"sn": ["X"], "ENTEleveCodeEnseignements": ["1", "2"]}
    b = {"ENTEleveCodeEnseignements": ["1", "2"], "sn": ["X"]}
    c = {"sn": ["X"], "ENTEleveCodeEnseignements": ["2", "1"]}
    assert record_digest(a) == record_digest(b) != record_digest(c)
    assert record_digest({"a": ["b c"]}) != record_digest({"a": ["b", "c"]})


# ---- fields set aside for implausible values (domain-rules §12) -------------------

T1 = T0 + timedelta(days=1)
BAD_SN = {"sn": ["MAR\u200bTIN"], "givenName": ["Léa"]}


def test_a_new_account_records_its_fields_set_aside_after_appeared():
    a = Account(
        jointure="1234567",
        category="Eleve",
        attrs=BAD_SN,
        digest="d0",
        delivery_id="D1",
        file="f.xml",
        line=5,
        at=T0,
        creation_due=T0 + DELAY,
    )
    a.set_aside_fields({"sn": "name_invisible_characters"}, "D1", "f.xml", 5, T0)
    a.set_aside_fields({"sn": "name_invisible_characters"}, "D1", "f.xml", 5, T0)  # the same: nothing new
    events = a.collect_events()
    assert [type(e).__name__ for e in events] == ["Appeared", "FieldsSetAside"]
    assert events[0].attrs == BAD_SN  # the record as the source gave it
    assert (events[1].fields, events[1].delivery_id, events[1].line) == ({"sn": "name_invisible_characters"}, "D1", 5)
    assert a.set_aside == {"sn": "name_invisible_characters"}


def test_a_changed_record_sets_aside_before_it_is_recorded_and_clears_when_fixed():
    a = new_account()
    a.collect_events()
    a.record(BAD_SN, "d1", "D2", "g.xml", 9, T1, DELAY, set_aside={"sn": "name_invisible_characters"})
    assert names(a) == ["FieldsSetAside", "Changed"]
    a.record(
        {**BAD_SN, "ENTEleveGroupes": ["4001$ALL2"]},
        "d2",
        "D3",
        "g.xml",
        9,
        T1,
        DELAY,
        set_aside={"sn": "name_invisible_characters"},
    )
    assert names(a) == ["Changed"]  # still set aside: nothing to record again
    a.record(ATTRS, "d3", "D4", "g.xml", 9, T1, DELAY, set_aside={})
    events = a.collect_events()
    assert [type(e).__name__ for e in events] == ["FieldsSetAside", "Changed"]
    assert events[0].fields == {} and a.set_aside == {}


def test_a_name_set_aside_is_no_evidence_of_an_overwrite():
    # Without it, "Martin Léa" → "Léa" alone would look like another person.
    a = new_account()
    a.collect_events()
    a.record(
        {"sn": ["Z" * 5000], "givenName": ["Léa"]}, "d1", "D2", "g.xml", 9, T1, DELAY, set_aside={"sn": "name_too_long"}
    )
    assert names(a) == ["FieldsSetAside", "Changed"]
    a.record({"sn": ["Dupont"], "givenName": ["Léa"]}, "d2", "D3", "g.xml", 9, T1, DELAY, set_aside={})
    assert names(a) == ["FieldsSetAside", "Changed"]  # compared with a name set aside: not judged
    a.record({"sn": ["Dupont"], "givenName": ["Jean"]}, "d3", "D4", "g.xml", 9, T1, DELAY, set_aside={})
    assert names(a) == ["Changed", "OverwriteSuspected"]  # the given name still tells


def test_an_overwrite_records_no_value_set_aside():
    a = Account(
        jointure="1234567",
        category="Eleve",
        attrs={**ATTRS, "ENTPersonDateNaissance": ["03/04/2012"]},
        digest="d0",
        delivery_id="D1",
        file="f.xml",
        line=5,
        at=T0,
        creation_due=T0 + DELAY,
    )
    a.collect_events()
    a.record(
        {"sn": ["Dupont"], "givenName": ["Jean"], "ENTPersonDateNaissance": ["01/01/2099"]},
        "d1",
        "D2",
        "g.xml",
        9,
        T1,
        DELAY,
        set_aside={"ENTPersonDateNaissance": "birth_date_in_future"},
    )
    events = a.collect_events()
    assert [type(e).__name__ for e in events] == ["FieldsSetAside", "Changed", "OverwriteSuspected"]
    assert events[2].after == {"sn": ["Dupont"], "givenName": ["Jean"], "ENTPersonDateNaissance": []}


def test_an_overwrite_spread_over_two_deliveries_is_caught_against_the_creation():
    patrick = {"sn": ["Dumont"], "givenName": ["Patrick"], "personalTitle": ["M"]}
    a = Account(
        jointure="g1", category="PersRelEleve", attrs=patrick, digest="d0", delivery_id="D1", file="f.xml", line=5,
        at=T0, creation_due=T0 + DELAY,
    )  # fmt: skip
    a.collect_events()
    a.record({**patrick, "personalTitle": ["Mme"]}, "d1", "D2", "g.xml", 9, T1, DELAY)
    assert names(a) == ["Changed"]  # a civility corrected alone: the same person
    patricia = {**patrick, "givenName": ["Patricia"], "personalTitle": ["Mme"]}
    a.record(patricia, "d2", "D3", "g.xml", 9, T1, DELAY)  # close to the previous record, not to the creation
    events = a.collect_events()
    assert [type(e).__name__ for e in events] == ["Changed", "OverwriteSuspected"]
    assert events[1].before["personalTitle"] == ["Mme"]
    assert events[1].after == {**patricia, "ENTPersonDateNaissance": []}
    assert events[1].score < 0.75 and events[1].reasons == ("given_name_replaced", "civility_changed")
    # The new holder is judged from then on: her own corrections are not flagged again.
    a.record({**patricia, "ENTPersonAutresPrenoms": ["Marie"]}, "d3", "D4", "g.xml", 9, T1, DELAY)
    assert names(a) == ["Changed"]


def test_the_identity_at_creation_is_rebuilt_by_a_replay():
    a = new_account()
    a.set_aside_fields({"sn": "name_too_long"}, "D1", "f.xml", 5, T0)  # the creation's own, as aaf_apply does
    a.record({"sn": ["Dupont"], "givenName": ["Léa"]}, "d1", "D2", "g.xml", 9, T1, DELAY, set_aside={})
    replayed = None
    for event in a.collect_events():
        replayed = event.mutate(replayed)
    assert replayed.creation_identity == a.creation_identity
    assert a.creation_identity == {"sn": [], "givenName": ["Léa"], "ENTPersonDateNaissance": []}
