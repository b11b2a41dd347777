"""The record digest is stored in the read model: its value must never change."""
from __future__ import annotations

import hashlib
import random
import string

from daemon.scan import record_digest


def _reference(attrs: dict[str, list[str]]) -> str:
    # The first release's formula, kept here as the definition.
    canonical = "\x1e".join(f"{name}\x1f" + "\x1d".join(attrs[name]) for name in sorted(attrs))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def test_digest_is_the_first_release_formula():
    rng = random.Random(3)
    alphabet = string.ascii_letters + string.digits + "-_$é "
    for _ in range(2000):
        names = {"".join(rng.choices(string.ascii_letters, k=rng.randint(1, 12))) for _ in range(rng.randint(0, 25))}
        # names that are prefixes of one another are the case where sorting the joined strings could differ
        names |= {n[: rng.randint(1, len(n))] for n in list(names)[:3]}
        attrs = {n: ["".join(rng.choices(alphabet, k=rng.randint(0, 9))) for _ in range(rng.randint(0, 3))]
                 for n in names}
        assert record_digest(attrs) == _reference(attrs)


def test_digest_pinned_value():
    # Stored by every release since the first: a new value would re-record every record.
    assert record_digest({"sn": ["DUPONT"], "givenName": ["Zoé"], "ENTEleveGroupes": ["4A$G1", "4A$G2"]}) == \
        "cc3f569a2cfbff7a0f7b081ef0d697d6"
