"""The rules of an admin's attachment as tables (issue 13): which account
may be attached where and until when, which attachment an admin may end,
and which ones the clock ends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.attachment_rules import AttachmentRefused, check_attach, check_detach, check_establishment, ended_by

AT = datetime(2026, 9, 3, 9, tzinfo=timezone.utc)
UNTIL = datetime(2027, 7, 4, tzinfo=timezone.utc)
OWN = frozenset({"0740263J"})
THERE = "0011068F"


@pytest.mark.parametrize(
    "state, attached, uai, until, reason, code",
    [
        ("active", {}, THERE, UNTIL, "service partagé", None),
        ("pending", {}, THERE, UNTIL, "x", None),  # the teacher the AAF is about to create
        ("active", {THERE: UNTIL}, THERE, UNTIL + timedelta(days=30), "x", None),  # a new end date
        ("active", {THERE: UNTIL}, THERE, AT + timedelta(days=1), "x", None),  # an earlier one too
        ("active", {THERE: UNTIL}, THERE, UNTIL, "x", "already_attached"),
        ("active", {}, THERE, UNTIL, "  ", "reason_required"),
        ("active", {}, "0740263J", UNTIL, "x", "own_establishment"),
        ("active", {}, THERE, AT, "x", "end_in_past"),
        ("active", {}, THERE, AT - timedelta(days=1), "x", "end_in_past"),
        ("removed", {}, THERE, UNTIL, "x", "not_attachable"),
        ("deactivated", {}, THERE, UNTIL, "x", "not_attachable"),
        ("departing", {}, THERE, UNTIL, "x", "not_attachable"),
        ("withdrawn", {}, THERE, UNTIL, "x", "not_attachable"),
        ("no_account", {}, THERE, UNTIL, "x", "not_attachable"),
    ],
)
def test_which_account_may_be_attached_where_until_when(state, attached, uai, until, reason, code):
    if code is None:
        check_attach("E1", state, OWN, attached, uai, until, AT, reason)
        return
    with pytest.raises(AttachmentRefused) as refused:
        check_attach("E1", state, OWN, attached, uai, until, AT, reason)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "known, served, code",
    [(True, True, None), (False, False, "unknown_uai"), (True, False, "not_served")],
)
def test_an_attachment_goes_to_an_establishment_the_ent_serves(known, served, code):
    if code is None:
        check_establishment(THERE, known, served)
        return
    with pytest.raises(AttachmentRefused) as refused:
        check_establishment(THERE, known, served)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "attached, uai, reason, code",
    [
        ({THERE: UNTIL}, THERE, "fin du service partagé", None),
        ({THERE: UNTIL}, THERE, "", "reason_required"),
        ({}, THERE, "x", "not_attached"),
        ({THERE: UNTIL}, "0880054F", "x", "not_attached"),
        ({}, "0740263J", "x", "aaf_attachment"),  # the AAF's attachments stay the AAF's
    ],
)
def test_which_attachment_an_admin_may_end(attached, uai, reason, code):
    if code is None:
        check_detach("E1", OWN, attached, uai, reason)
        return
    with pytest.raises(AttachmentRefused) as refused:
        check_detach("E1", OWN, attached, uai, reason)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "attached, at, ended",
    [
        ({}, AT, []),
        ({THERE: UNTIL}, UNTIL - timedelta(seconds=1), []),
        ({THERE: UNTIL}, UNTIL, [THERE]),
        ({THERE: UNTIL, "0880054F": UNTIL + timedelta(days=1)}, UNTIL + timedelta(days=2), ["0011068F", "0880054F"]),
    ],
)
def test_the_clock_ends_an_attachment_at_its_end_date(attached, at, ended):
    assert ended_by(attached, at) == ended
