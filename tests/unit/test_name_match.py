"""The console search's matching rules (projections/name_match.py), as tables."""

from __future__ import annotations

import re

import pytest

from projections.name_match import differs, fold, like_pattern, matches, matching, shown, words


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Hélène  d'Arc", ["HELENE", "D", "ARC"]),
        ("DÉPRÉAUX-ménétrier", ["DEPREAUX", "MENETRIER"]),
        ("  ", []),
        ("Éloïse", ["ELOISE"]),
    ],
)
def test_words_fold_accents_case_and_punctuation(query, expected):
    assert words(query) == expected


@pytest.mark.parametrize(
    ("query", "names", "found"),
    [
        ("rola mohamed", ("MOHAMED", "Rola"), True),
        ("Mohamed", ("MOHAMED", "Rola"), True),
        ("moha", ("MOHAMED", "Rola"), True),  # a word is a part of a name
        ("rola martin", ("MOHAMED", "Rola"), False),  # every word, not any
        ("dimitaux christophe", ("Dimitaux", "Christophe"), True),
        ("eloise depreaux menetrier", ("Dépréaux-Ménétrier", "Éloïse"), True),
        ("", ("MOHAMED", "Rola"), False),
        ("rola", ("", ""), False),
    ],
)
def test_matches_every_word_in_the_names(query, names, found):
    assert matches(words(query), names) is found


def test_matching_takes_one_name_at_a_time():
    known = [("MARTIN", "Paul"), ("DURAND", "Rola")]
    assert matching(words("rola durand"), known) == ("DURAND", "Rola")
    assert matching(words("paul durand"), known) is None  # a family name of one, a given name of another
    assert matching(words("paul"), []) is None


@pytest.mark.parametrize(
    ("one", "other", "different"),
    [
        (("Dépréaux", "Éloïse"), ("DEPREAUX", "eloise"), False),
        (("MARTIN", "Paul"), ("MARTIN", "Pierre"), True),
    ],
)
def test_differs_once_folded(one, other, different):
    assert differs(one, other) is different


def test_shown_writes_the_family_name_in_capitals():
    assert shown(("Mohamed", "Rola")) == "MOHAMED Rola"
    assert fold("Ça") == "CA"


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("Éloïse", "ELOISE"),
        ("Dépréaux-Ménétrier", "MENETRIER"),
        ("François", "FRANCOIS"),
        ("Œdipe", "OEDIPE"),  # a ligature: no narrowing
        ("d'Arc", "ARC"),
    ],
)
def test_like_pattern_lets_every_spelling_of_the_word_through(name, word):
    pattern = like_pattern(word)
    regex = "^" + re.escape(pattern).replace("%", ".*").replace("_", ".") + "$"
    assert re.match(regex, name.lower()), (pattern, name)


def test_like_pattern_narrows():
    assert not re.match("^" + like_pattern("MARTIN").replace("%", ".*").replace("_", ".") + "$", "durand")
