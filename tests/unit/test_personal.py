"""The keyed hash of personal data (events/personal.py, issue 17): a digest
of a name is found again only by whoever holds the store's pepper."""

from __future__ import annotations

import hashlib

import pytest

from events.personal import ERASED, keyed


@pytest.mark.parametrize(
    "a, b, same",
    [
        ((b"pepper", "login", "lea.martin"), (b"pepper", "login", "lea.martin"), True),
        ((b"pepper", "login", "lea.martin"), (b"other", "login", "lea.martin"), False),
        ((b"pepper", "login", "lea.martin"), (b"pepper", "timetable-name", "lea.martin"), False),
        ((b"pepper", "login", "lea.martin"), (b"pepper", "login", "lea.martin2"), False),
        # The separator keeps the purpose and the value apart.
        ((b"pepper", "ab", "c"), (b"pepper", "a", "bc"), False),
    ],
)
def test_keyed(a, b, same):
    assert (keyed(*a) == keyed(*b)) is same


@pytest.mark.parametrize("size", [16, 32, 64])
def test_keyed_is_hex_cut_to_size(size):
    digest = keyed(b"pepper", "login", "lea.martin", size)
    assert len(digest) == size and int(digest, 16) >= 0
    assert keyed(b"pepper", "login", "lea.martin").startswith(digest[:16])


def test_keyed_is_not_the_plain_hash():
    plain = hashlib.sha256(b"login\0lea.martin").hexdigest()
    assert keyed(b"pepper", "login", "lea.martin", 64) != plain
    assert keyed(b"", "login", "lea.martin") != plain[:32]


def test_erased_is_the_documented_form():
    assert ERASED == "[effacé]"
