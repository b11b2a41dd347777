"""The rules of one account's transitions as tables of cases (domain-rules
§4: back in a source; §5 and §12: an overwrite, with values set aside)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from events.account_rules import Overwrite, Reentry, overwrite, reentry

T0 = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)
DELAY = timedelta(hours=48)


@pytest.mark.parametrize(
    "state, expected",
    [
        ("departing", Reentry("active", None)),
        ("deactivated", Reentry("active", None)),
        ("withdrawn", Reentry("pending", T0 + DELAY)),
        ("removed", Reentry("pending", T0 + DELAY)),
        ("no_account", Reentry("pending", T0 + DELAY)),
    ],
)
def test_back_in_a_source(state, expected):
    assert reentry(state, T0, DELAY) == expected


LEA = {"sn": ["Martin"], "givenName": ["Léa"], "ENTPersonDateNaissance": ["2012-03-04"]}
LEA_RENAMED = {"sn": ["Martin-Durand"], "givenName": ["Léa"], "ENTPersonDateNaissance": ["2012-03-04"]}
JEAN = {"sn": ["Dupont"], "givenName": ["Jean"], "ENTPersonDateNaissance": ["2012-03-04"]}
LEA_OTHER_BIRTH = {"sn": ["Martin"], "givenName": ["Léa"], "ENTPersonDateNaissance": ["2011-07-08"]}
NO_BIRTH = {"sn": ["Martin"], "givenName": ["Léa"]}
BAD_SN = {"sn": "name_too_long"}
BAD_BIRTH = {"ENTPersonDateNaissance": "birth_date_in_future"}


@pytest.mark.parametrize(
    "before, aside_before, after, aside_after, expected",
    [
        (LEA, {}, LEA, {}, None),
        (LEA, {}, LEA_RENAMED, {}, None),  # a name corrected, not another person
        (LEA, {}, JEAN, {}, Overwrite(LEA, JEAN)),
        (LEA, {}, LEA_OTHER_BIRTH, {}, Overwrite(LEA, LEA_OTHER_BIRTH)),
        (LEA, {}, NO_BIRTH, {}, None),  # a birth date missing on one side says nothing
        (NO_BIRTH, {}, JEAN, {}, Overwrite({**NO_BIRTH, "ENTPersonDateNaissance": []}, JEAN)),
        # a name set aside on either side is compared on neither; the given
        # names still tell (issue 15: the names are judged part by part)
        (LEA, BAD_SN, JEAN, {}, Overwrite({**LEA, "sn": []}, JEAN)),
        (LEA, {}, JEAN, BAD_SN, Overwrite(LEA, {**JEAN, "sn": []})),
        (LEA, BAD_SN, {**LEA_RENAMED, "sn": ["Dupont"]}, {}, None),  # the given name kept, the family not judged
        # the names still tell; the birth date is blanked where it was set aside
        (LEA, BAD_BIRTH, JEAN, {}, Overwrite({**LEA, "ENTPersonDateNaissance": []}, JEAN)),
        (LEA, {}, LEA_OTHER_BIRTH, BAD_BIRTH, None),
        ({**LEA, "mail": ["x@y"]}, {}, {**JEAN, "mail": ["z@y"]}, {}, Overwrite(LEA, JEAN)),  # identity values only
    ],
)
def test_an_overwrite_is_judged_on_the_identity_values_kept(before, aside_before, after, aside_after, expected):
    found = overwrite(before, aside_before, after, aside_after, threshold=0.75)
    assert (found and found[:2]) == (expected and expected[:2])
    assert found is None or (found.score < 0.75 and found.reasons)
