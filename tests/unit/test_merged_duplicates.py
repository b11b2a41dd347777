"""The corrected-duplicate rule meeting a merge, as a table (issue 14,
domain-rules §11): a person who leaves a complete delivery while an account
of the same identity stays is a corrected duplicate — unless the one that
stays is merged with it (either side, or another account absorbed by the
same survivor): the merge already says they are one person, and the side
that leaves departs as any absent person does."""

from __future__ import annotations

import pytest

from events.usecases.aaf_ports import Identity, MergedPair
from events.usecases.aaf_stage import duplicates_among

# S absorbed A and B; X is a third account of the same identity; Y another person.
IDENTITIES = [Identity("A", "dupont|jean|2010"), Identity("B", "dupont|jean|2010"), Identity("S", "dupont|jean|2010")]
THIRD = [*IDENTITIES, Identity("X", "dupont|jean|2010"), Identity("Y", "martin|lea|2011")]
MERGED = [MergedPair("S", "A"), MergedPair("S", "B")]


@pytest.mark.parametrize(
    "leaving, identities, merged, expected",
    [
        ({"A"}, IDENTITIES, [], {"A": "B"}),  # no merge: the rule as before, the first that stays
        ({"A"}, IDENTITIES, MERGED, {}),  # the absorbed leaves, its survivor stays
        ({"S"}, IDENTITIES, MERGED, {}),  # the survivor leaves, its absorbed stay
        ({"A"}, IDENTITIES[::2], [MergedPair("S", "A")], {}),
        ({"B"}, IDENTITIES, MERGED, {}),  # two absorbed by one survivor are one person too
        ({"A"}, THIRD, MERGED, {"A": "X"}),  # a third account of that identity: still a duplicate
        ({"S", "A", "B"}, THIRD, MERGED, {"A": "X", "B": "X", "S": "X"}),
        ({"A", "B", "S"}, IDENTITIES, MERGED, {}),  # all leave: nobody stays
        ({"Y"}, THIRD, MERGED, {}),
    ],
)
def test_a_merge_is_no_duplicate(leaving, identities, merged, expected):
    assert duplicates_among(leaving, identities, merged) == expected


@pytest.mark.parametrize(
    "leaving, identities, expected",
    [
        # a pupil who changed school under a new jointure: a transfer, not a duplicate
        (
            {"A"},
            [
                Identity("A", "dupont|jean|2010", frozenset({"0570001A"})),
                Identity("B", "dupont|jean|2010", frozenset({"0570002B"})),
            ],
            {},
        ),
        # typed twice in one establishment: the corrected duplicate
        (
            {"A"},
            [
                Identity("A", "dupont|jean|2010", frozenset({"0570001A"})),
                Identity("B", "dupont|jean|2010", frozenset({"0570001A", "0570002B"})),
            ],
            {"A": "B"},
        ),
        # an establishment unknown on one side: compared as before
        (
            {"A"},
            [Identity("A", "dupont|jean|2010"), Identity("B", "dupont|jean|2010", frozenset({"0570002B"}))],
            {"A": "B"},
        ),
    ],
)
def test_the_corrected_duplicate_rule_holds_within_one_establishment(leaving, identities, expected):
    assert duplicates_among(leaving, identities, []) == expected
