"""The rules of a login rename (domain-rules §6, issue 13) as tables: the
shape of a new login, what the account decides, what the directory's
reservations decide."""

from __future__ import annotations

import pytest

from events.login_rules import LOGIN_MIN_LENGTH, RenameRefused, Reservation, check_free, check_rename, shape_refusal
from events.rules import LOGIN_MAX_LENGTH


@pytest.mark.parametrize(
    "login",
    [
        "lea.martin",
        "lea.martin2",
        "tino_-_suzanne.battistuta",
        "rene_et_suzanne.desinieres",
        "l2",
        "a" * LOGIN_MAX_LENGTH,
        "0.9",
    ],
)
def test_logins_of_the_generated_shape_are_accepted(login):
    assert shape_refusal(login) is None


@pytest.mark.parametrize(
    "login, says",
    [
        ("", "characters, not 0"),
        ("l", f"{LOGIN_MIN_LENGTH} to {LOGIN_MAX_LENGTH} characters, not 1"),
        ("a" * (LOGIN_MAX_LENGTH + 1), f"not {LOGIN_MAX_LENGTH + 1}"),
        ("Lea.martin", "lower case"),
        ("léa.martin", "lower case"),
        ("lea martin", "lower case"),
        ("lea@martin", "lower case"),
        ("-lea.martin", "starts and ends with a letter or a digit"),
        (".lea", "starts and ends"),
        ("lea.martin_", "starts and ends"),
        ("lea..martin", "no '..'"),
    ],
)
def test_other_logins_are_refused_with_what_is_wrong(login, says):
    refusal = shape_refusal(login)
    assert refusal is not None and says in refusal


@pytest.mark.parametrize(
    "state, current, new, reason, code",
    [
        ("active", "lea.martin", "lea.dupont", "", "no_reason"),
        ("active", "lea.martin", "lea.dupont", "   ", "no_reason"),
        ("removed", "lea.martin", "lea.dupont", "mariage", "removed"),
        ("pending", "", "lea.dupont", "mariage", "no_login"),
        ("withdrawn", "", "lea.dupont", "mariage", "no_login"),
        ("no_account", "", "lea.dupont", "mariage", "no_login"),
        ("active", "lea.martin", "Lea.Dupont", "mariage", "malformed"),
        ("active", "lea.martin", "lea.martin", "mariage", "unchanged"),
        ("active", "lea.martin", "lea.dupont", "mariage", None),
        ("departing", "lea.martin", "lea.dupont", "mariage", None),
        ("deactivated", "lea.martin", "lea.dupont", "mariage", None),
    ],
)
def test_what_the_account_decides(state, current, new, reason, code):
    if code is None:
        check_rename(state, current, new, reason)
        return
    with pytest.raises(RenameRefused) as refused:
        check_rename(state, current, new, reason)
    assert refused.value.code == code and str(refused.value)


@pytest.mark.parametrize(
    "holder, code, says",
    [
        (None, None, ""),
        (Reservation("other", "active", current=True), "taken", "another account's login"),
        (Reservation("other", "departing", current=True), "taken", "another account's login"),
        (Reservation("other", "active", current=False), "ever_used", "never reused"),
        (Reservation("other", "removed", current=True), "ever_used", "removed account's"),
        (Reservation("me", "active", current=False), "ever_used", "this account's login before"),
    ],
)
def test_what_the_directory_decides(holder, code, says):
    if code is None:
        check_free("lea.dupont", holder, "me")
        return
    with pytest.raises(RenameRefused) as refused:
        check_free("lea.dupont", holder, "me")
    assert refused.value.code == code and says in str(refused.value)
