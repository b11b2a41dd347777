"""The suspected-duplicate score (events/duplicate_score.py) as a table."""

from __future__ import annotations

import pytest

from events.duplicate_score import SUSPECTED, Person, duplicate_score
from events.identity_rules import Identity


def guardian(key, family, given, civility="MME", **links):
    return Person(
        key, True, Identity(family, (given,), "", civility=civility), **{k: frozenset(v) for k, v in links.items()}
    )


def pupil(key, family, given, birth):
    return Person(key, False, Identity(family, (given,), birth))


CASES = [
    # siblings not "rapprochés": one mother typed twice, another e-mail, the same address, children siblings
    (
        "one parent typed for two siblings",
        guardian(
            "g1",
            "MARTIN",
            "Sophie",
            emails={"s.martin@x.fr"},
            addresses={"12 RUE DU MOULIN 57000"},
            children={"e1"},
            families={"MARTIN|12 RUE DU MOULIN 57000"},
        ),
        guardian(
            "g2",
            "Martin",
            "Sophie",
            emails={"sophie.m@y.fr"},
            addresses={"12 RUE DU MOULIN 57000"},
            children={"e2"},
            families={"MARTIN|12 RUE DU MOULIN 57000"},
        ),
        True,
        {"siblings", "same_address"},
    ),
    (
        "a given name retyped, the same phone",
        guardian("g1", "DUPONT", "Mathieu", "M", phones={"0600000011"}),
        guardian("g2", "DUPONT", "Matthieu", "M", phones={"0600000011"}),
        True,
        {"given_name_corrected", "same_phone"},
    ),
    (
        "two parents of one child",
        guardian("g1", "MARTIN", "Sophie", "MME", addresses={"A"}, children={"e1"}),
        guardian("g2", "MARTIN", "Patrick", "M", addresses={"A"}, children={"e1"}),
        False,
        {"given_name_replaced", "civility_changed", "shared_child"},
    ),
    (
        "same-name guardians, nothing in common",
        guardian("g1", "MARTIN", "Sophie", emails={"a@x.fr"}),
        guardian("g2", "MARTIN", "Sophie", emails={"b@x.fr"}),
        False,
        {"no_shared_contact"},
    ),
    (
        "a pupil typed twice",
        pupil("e1", "Lefèvre", "Noé", "2012-03-04"),
        pupil("e2", "LEFEVRE", "NOE", "2012-03-04"),
        True,
        {"names_equal", "birth_equal"},
    ),
    (
        "a pupil typed twice, the date mistyped",
        pupil("e1", "LEFEVRE", "Noé", "2012-03-04"),
        pupil("e2", "LEFEVRE", "Noé", "2012-04-03"),
        True,
        {"birth_close"},
    ),
    (
        "homonyms in two establishments",
        pupil("e1", "MARTIN", "Emma", "2012-03-04"),
        pupil("e2", "MARTIN", "Emma", "2011-11-20"),
        False,
        {"birth_different"},
    ),
    ("twins", pupil("e1", "MARTIN", "Emma", "2012-03-04"), pupil("e2", "MARTIN", "Chloé", "2012-03-04"), False, set()),
    (
        "staff without a birth date on one side",
        pupil("p1", "DURAND", "Anne", ""),
        pupil("p2", "DURAND", "Anne", "1980-01-02"),
        True,
        {"birth_unknown"},
    ),
]


@pytest.mark.parametrize(("case", "a", "b", "suspected", "reasons"), CASES, ids=[c[0] for c in CASES])
def test_duplicate_score(case, a, b, suspected, reasons):
    found = duplicate_score(a, b)
    assert (found.score >= SUSPECTED) is suspected, (case, found)
    assert reasons <= set(found.reasons), (case, found)
    assert duplicate_score(b, a) == found  # a pair has one score, whichever side comes first
    assert 0.0 <= found.score <= 1.0


def test_more_evidence_scores_higher():
    base = dict(children={"e1"}, families={"F"})
    weak = duplicate_score(
        guardian("g1", "MARTIN", "Sophie", **base), guardian("g2", "MARTIN", "Sophie", children={"e2"}, families={"F"})
    )
    strong = duplicate_score(
        guardian("g1", "MARTIN", "Sophie", emails={"m"}, **base),
        guardian("g2", "MARTIN", "Sophie", emails={"m"}, children={"e2"}, families={"F"}),
    )
    assert weak.score < strong.score
