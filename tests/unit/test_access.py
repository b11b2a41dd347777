"""The API's access rules (events/access.py), as tables, and the token use
cases on the in-memory store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from daemon import bootstrap
from events.access import (
    AccessRefused,
    Action,
    Caller,
    Role,
    Token,
    authenticate,
    authorize,
    check_new_token,
    digest,
    new_secret,
    token_id_of,
)
from events.clock import ManualClock
from events.usecases import tokens
from tests.api_tokens import random_part

T0 = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "role, action, allowed",
    [
        (Role.READER, Action.READ_DIRECTORY, True),
        (Role.READER, Action.READ_DELIVERIES, False),
        (Role.READER, Action.ACT_ON_ACCOUNTS, False),
        (Role.READER, Action.OPERATE, False),
        (Role.ETAB_ADMIN, Action.READ_DIRECTORY, True),
        (Role.ETAB_ADMIN, Action.READ_DELIVERIES, False),
        (Role.ETAB_ADMIN, Action.ACT_ON_ACCOUNTS, True),
        (Role.ETAB_ADMIN, Action.OPERATE, False),
        (Role.OPERATOR, Action.READ_DIRECTORY, True),
        (Role.OPERATOR, Action.READ_DELIVERIES, True),
        (Role.OPERATOR, Action.ACT_ON_ACCOUNTS, True),
        (Role.OPERATOR, Action.OPERATE, True),
    ],
)
def test_what_each_role_may_do(role, action, allowed):
    caller = Caller("x", role, frozenset({"0750001A"}) if role is not Role.OPERATOR else frozenset())
    assert caller.may(action) is allowed
    if allowed:
        authorize(caller, action)
    else:
        with pytest.raises(AccessRefused) as refused:
            authorize(caller, action)
        assert refused.value.status == 403


@pytest.mark.parametrize(
    "role, uais, asked, covered",
    [
        (Role.READER, {"0750001A"}, "0750001A", True),
        (Role.READER, {"0750001A"}, "0750002B", False),
        (Role.READER, {"0750001A"}, None, False),
        (Role.ETAB_ADMIN, {"0750001A", "0750002B"}, "0750002B", True),
        (Role.OPERATOR, set(), "0750002B", True),
        (Role.OPERATOR, set(), None, True),
    ],
)
def test_which_establishments_a_caller_covers(role, uais, asked, covered):
    caller = Caller("x", role, frozenset(uais))
    assert caller.covers(asked) is covered
    assert caller.scope() == (None if role is Role.OPERATOR else frozenset(uais))


def _kept(secret: str, token_id: str, revoked: bool = False) -> Token:
    return Token(token_id, "alice", Role.READER, frozenset({"0750001A"}), digest(secret), T0, T0 if revoked else None)


def test_a_good_token_authenticates_its_holder():
    token_id, secret = new_secret()
    assert token_id_of(secret) == token_id
    caller = authenticate(secret, _kept(secret, token_id))
    assert caller == Caller("alice", Role.READER, frozenset({"0750001A"}))


@pytest.mark.parametrize("case", ["none", "empty", "malformed", "unknown", "revoked", "other secret", "other id"])
def test_anything_but_a_good_token_is_401(case):
    token_id, secret = new_secret()
    _, other = new_secret(token_id)  # same id, another secret
    presented, kept = {
        "none": (None, _kept(secret, token_id)),
        "empty": ("", _kept(secret, token_id)),
        "malformed": ("Bearer " + secret, _kept(secret, token_id)),
        "unknown": (secret, None),
        "revoked": (secret, _kept(secret, token_id, revoked=True)),
        "other secret": (other, _kept(secret, token_id)),
        "other id": (new_secret()[1], _kept(secret, token_id)),
    }[case]
    with pytest.raises(AccessRefused) as refused:
        authenticate(presented, kept)
    assert refused.value.status == 401
    assert secret not in refused.value.message


@pytest.mark.parametrize(
    "name, role, uais, taken, reason",
    [
        ("alice", Role.READER, {"0750001A"}, set(), None),
        ("ops", Role.OPERATOR, set(), set(), None),
        ("alice", Role.READER, {"0750001A"}, {"alice"}, "exists already"),
        ("", Role.READER, {"0750001A"}, set(), "1 to 64"),
        ("a b", Role.READER, {"0750001A"}, set(), "1 to 64"),
        ("alice", Role.READER, set(), set(), "names the establishments"),
        ("alice", Role.ETAB_ADMIN, {"75001A"}, set(), "not a UAI"),
        ("ops", Role.OPERATOR, {"0750001A"}, set(), "give no --uai"),
    ],
)
def test_which_tokens_can_be_created(name, role, uais, taken, reason):
    if reason is None:
        check_new_token(name, role, frozenset(uais), taken)
    else:
        with pytest.raises(ValueError, match=reason):
            check_new_token(name, role, frozenset(uais), taken)


def test_a_created_token_is_kept_as_a_digest_and_works_until_revoked():
    clock = ManualClock(T0)
    ctx = bootstrap.build("memory:", clock=clock)
    try:
        made = tokens.create(
            tokens.CreateToken("alice", Role.ETAB_ADMIN, frozenset({"0750001A"}), "root"),
            ctx.tokens,
            ctx.access_audit,
            clock,
        )
        kept = ctx.tokens.by_id(made.token.token_id)
        assert kept is not None and kept.digest == digest(made.secret)
        # The secret is nowhere in the store's tables.
        dump = repr(ctx.db.query("SELECT * FROM api_tokens")) + repr(ctx.db.query("SELECT * FROM api_audit"))
        assert made.secret not in dump and random_part(made.secret) not in dump
        assert authenticate(made.secret, kept).name == "alice"

        clock.advance(60)
        tokens.revoke(tokens.RevokeToken("alice", "root"), ctx.tokens, ctx.access_audit, clock)
        with pytest.raises(AccessRefused):
            authenticate(made.secret, ctx.tokens.by_id(made.token.token_id))
        with pytest.raises(ValueError, match="no active token"):
            tokens.revoke(tokens.RevokeToken("alice", "root"), ctx.tokens, ctx.access_audit, clock)
        # A revoked name can be given to a new token.
        clock.advance(60)
        again = tokens.create(
            tokens.CreateToken("alice", Role.READER, frozenset({"0750001A"}), "root"),
            ctx.tokens,
            ctx.access_audit,
            clock,
        )
        assert again.secret != made.secret
        assert [t.name for t in ctx.tokens.listing(include_revoked=True)] == ["alice", "alice"]
        assert [a["code"] for a in ctx.access_audit.recent()] == ["token_created", "token_revoked", "token_created"][
            ::-1
        ]
    finally:
        ctx.close()
