"""The session-end scan for token secrets in what the loggers wrote
(tests/api_tokens.py): a secret's random part may hold ``_`` (URL-safe
base64), so only the whole random part counts, never its last piece — a
piece of one or two letters is found by chance in any log line, which made
the scan fail now and then (a CI run of this session)."""

from __future__ import annotations

from tests import api_tokens

SECRET = "entsync_abcdefghij_Qx3kP9-aZ0b_7Lm2nR4tV6wY8zC1dE5fG_a9"


def test_the_random_part_is_all_that_follows_the_id():
    assert api_tokens.random_part(SECRET) == "Qx3kP9-aZ0b_7Lm2nR4tV6wY8zC1dE5fG_a9"


def test_a_log_line_holding_only_the_last_piece_is_no_leak(monkeypatch):
    monkeypatch.setattr(api_tokens, "ISSUED", {SECRET})
    monkeypatch.setattr(api_tokens.WRITTEN, "lines", ["scheduler.armed in=a9 s"])
    assert api_tokens.leaked() == []


def test_the_random_part_or_the_whole_secret_is_a_leak(monkeypatch):
    monkeypatch.setattr(api_tokens, "ISSUED", {SECRET})
    for line in (f"Authorization: Bearer {SECRET}", "token=Qx3kP9-aZ0b_7Lm2nR4tV6wY8zC1dE5fG_a9"):
        monkeypatch.setattr(api_tokens.WRITTEN, "lines", [line])
        assert api_tokens.leaked() == ["entsync_abcdefgh…"]
