"""Personal data in an immutable log (domain-rules §12, retention; issue 17):
each person's fields are sealed in the stored events under a key of that
person, held in a key ring beside the log, never in it. Destroying the key
erases the person: the facts stay, the identity reads as ``ERASED``.

This module is the port and the pure parts: the key ring's Protocol, the
keyed hash that replaces plain hashes of names and birth dates (a plain hash
of a name and a birth date is brute-forced from a list of names), and the
erased forms a sealed value reads as once its key is gone."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

ERASED = "[effacé]"

# The key ring's subject of the store's own secret, the pepper of keyed hashes:
# never destroyed (a reserved login must stay reserved after its owner's erasure).
STORE_SUBJECT = "store"


def keyed(pepper: bytes, purpose: str, value: str, size: int = 32) -> str:
    """HMAC-SHA256 of ``value`` under the store's pepper, hex, ``size`` hex
    characters. ``purpose`` separates uses: the same name hashed for a login
    and for a digest gives two unrelated values."""
    mac = hmac.new(pepper, f"{purpose}\0{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:size]


def erased_form(kind: str) -> Any:
    """What a sealed value of ``kind`` reads as once its key is destroyed:
    the same shape, so that the projections that read it run unchanged."""
    return {"s": ERASED, "l": [ERASED], "d": {}}.get(kind)


def erased_value(value: Any) -> Any:
    """What ``value`` reads as once the key that sealed it is destroyed, as
    the sealer decides (events/sealing.py): an empty value is never sealed,
    so it stays; any other takes the erased form of its kind. The live read
    models forget a person with this (projections/directory_erasure.py), so
    that their rows equal a replay's."""
    if value is None or value == "" or value == [] or value == {}:
        return value
    kind = (
        "s" if isinstance(value, str) else "l" if isinstance(value, list) else "d" if isinstance(value, dict) else "o"
    )
    return erased_form(kind)


@dataclass(frozen=True)
class Tombstone:
    """A destroyed key: no secret, the subject it was of and when. No
    personal data: subjects are stream ids."""

    key_id: str
    subject: str
    destroyed_at: str


class KeyRing(Protocol):
    # Grows whenever a key is destroyed (here or, once refreshed, by another
    # process): what caches of opened keys compare to drop theirs.
    generation: int

    def key_for(self, subject: str, *, fresh: bool = False) -> tuple[str, bytes]:
        """The live key of ``subject`` (key id, 32 bytes), created if it has
        none; a created key is written before the events that use it.
        ``fresh``: the caller knows the subject is new (a new stream), no
        lookup."""
        ...

    def key(self, key_id: str) -> bytes | None:
        """The secret of ``key_id``; None once destroyed (or never known)."""
        ...

    def pepper(self) -> bytes: ...

    def destroy(self, subjects: Iterable[str], at: datetime) -> int:
        """Destroy every key of these subjects; how many were destroyed."""
        ...

    def bury(self, tombstones: Iterable[Tombstone]) -> int:
        """Record the tombstones of keys this ring never held (a restored
        backup that predates them: its own tombstones must still say they are
        destroyed); how many."""
        ...

    def destroyed(self, subjects: Iterable[str] | None = None) -> list[Tombstone]:
        """The tombstones (of these subjects' keys only, when given)."""
        ...

    def refresh(self) -> None:
        """Forget cached keys that another process destroyed since."""
        ...

    def flush(self) -> None:
        """Write the keys created since the last flush (before the events
        that use them are committed)."""
        ...

    def close(self) -> None: ...
