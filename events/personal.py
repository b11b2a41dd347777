"""Personal data in the store (issue 17): what an erased value reads as, and
the keyed hash that replaces the plain digests of names and birth dates.

A plain hash of a name and a birth date is found again by hashing every
likely name and date; a hash keyed with the store's pepper (a secret in the
key ring, never in the events) is not. Pure: the pepper is an argument."""

from __future__ import annotations

import hashlib
import hmac

# What a sealed value whose key was destroyed reads as.
ERASED = "[effacé]"


def keyed(pepper: bytes, purpose: str, value: str, size: int = 32) -> str:
    """HMAC-SHA256 of ``value`` under ``pepper``, hex, cut to ``size`` hex
    characters. ``purpose`` separates the uses: the same value hashed for
    two purposes gives two unrelated digests, so that one cannot be matched
    against the other."""
    message = purpose.encode() + b"\0" + value.encode()
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()[:size]
