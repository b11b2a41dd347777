"""The domain rules as tables of cases (domain-rules §2–§6, §11)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from adapters.validators import code_is_valid, uai_is_valid
from events.policy import Policy, shipped_toussaint
from events.rules import (
    LOGIN_MAX_LENGTH,
    Removal,
    category_contradicts_functions,
    computed_toussaint_start,
    creation_due,
    creation_overdue,
    login_base,
    login_for,
    looks_like_couple,
    mass_departure_exceeded,
    national_function,
    normalised_identity,
    removal_due,
    removal_with_notice,
    staff_profile,
)


@pytest.mark.parametrize(
    "uai, valid",
    [
        ("0571994H", True),
        ("0011068F", True),
        ("0880054F", True),
        ("0571994A", False),
        ("571994H", False),
        ("0571994h", False),
        ("05719940", False),
        ("", False),
    ],
)
def test_uai_check_letter(uai, valid):
    assert uai_is_valid(uai) is valid


@pytest.mark.parametrize(
    "code, valid",
    [
        ("3EME1", True),
        ("2GT1", True),
        ("ALL2", True),
        ("3 A", True),
        ("T-S_3", True),
        ("12345678", True),
        ("123456789", False),
        ("3EME/1", False),
        ("", False),
        ("3ÈME1", False),
        ("TS.3", False),
    ],
)
def test_division_and_group_codes(code, valid):
    assert code_is_valid(code) is valid


@pytest.mark.parametrize(
    "given, family, login",
    [
        ("Léa", "Martin", "lea.martin"),
        ("René Et Suzanne", "Desinieres", "rene_et_suzanne.desinieres"),
        ("Guy Et Yvette", "M. MME MANENTE", "guy_et_yvette.m._mme_manente"),
        ("Tino & Suzanne", "Battistuta", "tino_-_suzanne.battistuta"),
        ("Jean-Baptiste", "D'Arco", "jean-baptiste.d-arco"),
        ("Chloé", "Cœur", "chloe.coeur"),
        ("  Anne ", " Le Gall ", "anne.le_gall"),
    ],
)
def test_login_base_from_the_seed_examples(given, family, login):
    assert login_base(given, family) == login


def test_login_collisions_get_a_suffix_from_2_and_never_reuse():
    assert login_for("Léa", "Martin", set()) == "lea.martin"
    assert login_for("Léa", "Martin", {"lea.martin"}) == "lea.martin2"
    assert login_for("Léa", "Martin", {"lea.martin", "lea.martin2"}) == "lea.martin3"
    # A removed account's login stays taken: the new person does not inherit it.
    assert login_for("Lea", "MARTIN", {"lea.martin", "lea.martin2", "lea.martin3"}) == "lea.martin4"


@pytest.mark.parametrize(
    "given, family, taken, login",
    [
        # one name set aside (domain-rules §12): the other alone, no dangling dot
        ("Léa", "", set(), "lea"),
        ("", "Martin", set(), "martin"),
        ("", "Martin", {"martin"}, "martin2"),
        # the NFC and NFD spellings of one name give one login
        ("Le\u0301a", "Martin", set(), "lea.martin"),
        # bounded, collision suffix included; each part keeps at least half the room
        ("Léa", "A" * 100, set(), "lea." + "a" * 60),
        ("B" * 100, "Martin", set(), "b" * 57 + ".martin"),
        ("B" * 100, "A" * 100, set(), "b" * 31 + "." + "a" * 32),
        ("B" * 100, "A" * 100, {"b" * 31 + "." + "a" * 32}, "b" * 31 + "." + "a" * 31 + "2"),
        (
            "Léa",
            "A" * 100,
            {"lea." + "a" * 60} | {"lea." + "a" * 59 + str(n) for n in range(2, 10)},
            "lea." + "a" * 58 + "10",
        ),
        ("Z" * 200, "", set(), "z" * 64),
        # a cut never leaves a separator at its end
        ("Jean-" * 20, "Roy", set(), "jean-" * 11 + "jean.roy"),
        ("Léa", "", {"lea"}, "lea2"),
        ("", "", set(), "compte"),
    ],
)
def test_logins_are_bounded(given, family, taken, login):
    got = login_for(given, family, taken)
    assert got == login
    assert len(got) <= LOGIN_MAX_LENGTH and got not in taken


@pytest.mark.parametrize(
    "year, first_day",
    [
        (2021, date(2021, 10, 23)),
        (2022, date(2022, 10, 22)),
        (2023, date(2023, 10, 21)),
        (2024, date(2024, 10, 19)),
        (2025, date(2025, 10, 18)),
        (2026, date(2026, 10, 17)),
    ],
)
def test_computed_toussaint_reproduces_known_years(year, first_day):
    assert computed_toussaint_start(year) == first_day


def test_shipped_calendar_has_2024_to_2027():
    cal = shipped_toussaint()
    assert cal[2024] == date(2024, 10, 19) and cal[2025] == date(2025, 10, 18) and cal[2026] == date(2026, 10, 17)
    assert 2027 in cal


@pytest.mark.parametrize(
    "departed, due, provisional",
    [
        (date(2026, 7, 4), date(2026, 10, 17), False),  # end of year leaver: this Toussaint
        (date(2026, 10, 16), date(2026, 10, 17), False),
        (date(2026, 10, 17), date(2027, 10, 23), False),  # strictly after the departure date
        (date(2026, 11, 5), date(2027, 10, 23), False),
        (date(2027, 12, 1), computed_toussaint_start(2028), True),  # 2028 not configured: provisional
    ],
)
def test_removal_at_the_first_toussaint_strictly_after(departed, due, provisional):
    assert removal_due(departed, Policy().calendar()) == (due, provisional)


def test_configured_year_overrides_and_is_not_provisional():
    cal = Policy(toussaint={2028: date(2028, 10, 21)}).calendar()
    assert removal_due(date(2027, 12, 1), cal) == (date(2028, 10, 21), False)


@pytest.mark.parametrize(
    "departed, recorded, expected",
    [
        # Recorded in time: the Toussaint after the departure.
        (date(2026, 7, 4), date(2026, 7, 6), Removal(date(2026, 10, 17), False, "toussaint")),
        # Learned days before that Toussaint: 30 days of notice from the recording.
        (date(2026, 7, 4), date(2026, 10, 1), Removal(date(2026, 10, 31), False, "minimum_notice")),
        # A provisional Toussaint far enough: kept, still provisional.
        (date(2027, 12, 1), date(2027, 12, 1), Removal(computed_toussaint_start(2028), True, "toussaint")),
    ],
)
def test_removal_never_sooner_than_the_minimum_notice(departed, recorded, expected):
    assert removal_with_notice(departed, recorded, Policy().calendar(), 30) == expected


def test_creation_due_and_overdue_with_grace():
    seen = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
    due = creation_due(seen, timedelta(hours=48))
    assert due == datetime(2026, 8, 20, 6, tzinfo=timezone.utc)
    assert not creation_overdue(due, due + timedelta(minutes=59), timedelta(hours=1))
    assert not creation_overdue(due, due + timedelta(hours=1), timedelta(hours=1))
    assert creation_overdue(due, due + timedelta(hours=1, seconds=1), timedelta(hours=1))


@pytest.mark.parametrize(
    "departing, total, held",
    [
        (30, 299, True),
        (30, 300, False),
        (29, 100, False),
        (31, 310, False),
        (200, 1000, True),
        (0, 0, False),
    ],
)
def test_mass_departure_brake_needs_share_and_count(departing, total, held):
    assert mass_departure_exceeded(departing, total, 0.10, 30) is held


@pytest.mark.parametrize(
    "given, family, couple",
    [
        ("Guy Et Yvette", "MANENTE", True),
        ("Tino & Suzanne", "BATTISTUTA", True),
        ("Guy", "M. MME MANENTE", True),
        ("Yvette", "MANENTE", False),
        ("Etienne", "Etcheverry", False),
        ("Anne-Laure", "Dupont", False),
    ],
)
def test_couple_typed_as_one_guardian(given, family, couple):
    assert looks_like_couple(given, family) is couple


@pytest.mark.parametrize(
    "category, presence, functions, profile",
    [
        ("O", "", [], "ENSEIGNANT"),
        ("N", "O", ["ENS"], "NON_ENSEIGNANT"),
        ("", "O", [], "ENSEIGNANT"),
        # domain-rules §12: without the category an ENS/DOC function decides, whatever the presence says
        ("", "N", ["ENS"], "ENSEIGNANT"),
        ("", "N", ["DOC"], "ENSEIGNANT"),
        ("", "", ["DOC"], "ENSEIGNANT"),
        ("", "", ["EDU"], "NON_ENSEIGNANT"),
        ("", "O", ["EDU"], "ENSEIGNANT"),
        ("", "N", [], "NON_ENSEIGNANT"),
        ("", "", [], "NON_ENSEIGNANT"),
        ("", "N", ["DIR", "ENS"], "ENSEIGNANT"),
    ],
)
def test_teacher_or_not(category, presence, functions, profile):
    assert staff_profile(category, presence, functions) == profile


@pytest.mark.parametrize(
    "category, functions, contradicts",
    [
        ("N", ["ENS"], True),
        ("O", ["EDU"], True),
        ("O", ["ENS"], False),
        ("N", ["EDU"], False),
        ("O", [], False),
        ("N", ["-"], False),
        ("", ["ENS"], False),
        ("O", ["DIR", "DOC"], False),
    ],
)
def test_teacher_category_that_contradicts_the_functions(category, functions, contradicts):
    assert category_contradicts_functions(category, functions) is contradicts


def test_national_functions():
    assert national_function(["DIR"]) == "direction"
    assert national_function(["AED"]) == "vie_scolaire"
    assert national_function(["ADF"]) == "administratif_technique"
    assert national_function([]) == ""


def test_normalised_identity_ignores_accents_case_and_punctuation():
    assert normalised_identity("Lefèvre", "Chloé") == normalised_identity("LEFEVRE", "chloe") == "LEFEVRE CHLOE"
    assert normalised_identity("D'Arco", "Jean-Baptiste") == "D ARCO JEAN BAPTISTE"
