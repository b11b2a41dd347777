"""The overwrite rule (domain-rules §5, issue 15): same person or another,
as tables, and its quality on the labelled pairs' tune split."""

from __future__ import annotations

import pytest

from bench.overwrite_detector import measure, pairs
from events.identity_rules import Identity, IdentityVerdict, birth_similarity, identity_verdict, overwrite_of
from events.policy import Policy

THRESHOLD = Policy().overwrite_name_similarity


def person(family: str, given: str, birth: str = "", usage: str = "", civility: str = "") -> Identity:
    return Identity(family, tuple(given.split("|")), birth, usage, civility)


LEA = person("MARTIN", "Léa", "2012-03-04")
PIERRE = person("DUPONT", "Pierre", civility="M")


@pytest.mark.parametrize(
    "before, after, overwrite",
    [
        (LEA, person("MRATIN", "Léa", "2012-03-04"), False),  # a typo corrected
        (LEA, person("Martin", "Lea|Sophie", "2012-03-04"), False),  # accent, case, a second given name
        (LEA, person("MARTIN", "Léa", "2012-03-04", usage="DURAND"), False),  # a usage name added
        (LEA, person("DURAND", "Léa", "2012-03-04"), False),  # the family name changed, nothing else
        (LEA, person("MARTIN", "Léa", "2012-04-03"), False),  # day and month swapped
        (LEA, person("MARTIN", "Léa", "2012-03-05"), False),  # one digit of the birth date
        (LEA, person("MARTIN", "Léa"), False),  # a birth date unknown says nothing
        (PIERRE, person("DUPONT", "Pierre", civility="MME"), False),  # a civility corrected alone
        (person("ROUSSEAU", "Jean-Pierre"), person("ROUSSEAU", "Jean Pierre"), False),  # compound shortened
        (person("NGUYEN", "Van Minh"), person("NGUYEN", "Minh|Van"), False),  # given names swapped
        (person("N'DIAYE", "Awa"), person("NDIAYE", "Awa"), False),  # an apostrophe dropped
        (PIERRE, person("DUPONT", "Sophie", civility="MME"), True),  # the other parent
        (PIERRE, person("DUPONT", "Patricia", civility="MME"), True),  # close given name, other civility
        (LEA, person("MARTIN", "Hugo", "2012-03-04"), True),  # a twin
        (LEA, person("MARTIN", "Emma", "2014-09-01"), True),  # a sibling
        (LEA, person("MARTIN", "Léa", "1983-06-21"), True),  # a homonym: the mother typed over her daughter
        (LEA, person("ZELLER", "Octave", "2012-02-02"), True),  # someone unrelated
    ],
)
def test_same_person_or_another(before, after, overwrite):
    verdict = identity_verdict(before, after, THRESHOLD)
    assert verdict.overwrite is overwrite, verdict
    assert 0 <= verdict.score <= 1


def test_an_identical_record_scores_one_and_gives_no_reason():
    assert identity_verdict(LEA, person("Martin", "Lea", "2012-03-04"), THRESHOLD) == IdentityVerdict(False, 1.0, ())


def test_the_reasons_say_what_changed():
    verdict = identity_verdict(PIERRE, person("DUPONT", "Sophie", civility="MME"), THRESHOLD)
    assert verdict.reasons == ("given_name_replaced", "civility_changed")
    assert identity_verdict(LEA, person("MARTIN", "Léa", "2011-07-08"), THRESHOLD).reasons == ("birth_date_changed",)


@pytest.mark.parametrize(
    "before, after, expected",
    [("2012-03-04", "2012-03-04", 1.0), ("", "2012-03-04", None), ("2012-03-04", "2012-03-40", 0.95)],
)
def test_birth_dates(before, after, expected):
    assert birth_similarity(before, after) == expected


def test_a_change_spread_over_two_deliveries_is_caught_against_the_creation():
    created = person("DUMONT", "Patrick", civility="M")
    step1 = person("DUMONT", "Patrick", civility="MME")  # a civility "corrected": the same person
    step2 = person("DUMONT", "Patricia", civility="MME")  # the given name "corrected": close to step 1
    assert not identity_verdict(created, step1, THRESHOLD).overwrite
    assert not identity_verdict(step1, step2, THRESHOLD).overwrite
    verdict = overwrite_of(created, step1, step2, THRESHOLD)
    assert verdict.overwrite and verdict == identity_verdict(created, step2, THRESHOLD)
    assert overwrite_of(None, step1, step2, THRESHOLD) == identity_verdict(step1, step2, THRESHOLD)


# Measured on the tune split at the policy's threshold when it was tuned
# (python -m bench.overwrite_detector): 31 of 33 overwrites found, no false
# alarm. A change of the rule may not fall below that.
TUNE_PRECISION, TUNE_RECALL = 1.0, 0.93


def test_the_tune_split_is_judged_at_least_as_well_as_measured():
    tune = [p for p in pairs() if p.split == "tune"]
    assert len(tune) >= 60
    result = measure(tune, THRESHOLD)
    assert result.precision >= TUNE_PRECISION, [p.id for p in result.wrong]
    assert result.recall >= TUNE_RECALL, [p.id for p in result.wrong]
