"""Identifiers and identities of the académie: UAI check letters, the
normalised names that make two records one person, and the identifier
spaces every person's ids are drawn from."""

from __future__ import annotations

import math
import random
import unicodedata
import zlib
from functools import lru_cache

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_check_letter(first7: str) -> str:
    """Check letter of a UAI from its 7 leading digits (domain rules §2)."""
    return CHECK_LETTERS[int(first7) % 23]


def strip_accents(text: str) -> str:
    """Drop combining accents (``œ`` has none and is kept): a plausible retyping."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def identity_key(name: str) -> str:
    """Aggressive normalisation (no accent, case, space or punctuation): "Cœur" == "COEUR"."""
    return "".join(c for c in strip_accents(name).casefold().replace("œ", "oe").replace("æ", "ae") if c.isalnum())


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """ASCII, lower-case, e-mail-safe form of a name."""
    text = strip_accents(text).lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in text if c.isalnum() or c == "-")


class IdSpace:
    """Unique, random-looking numbers: an affine bijection ``n -> low + (a*n+b) % size``."""

    def __init__(self, rng: random.Random, low: int, size: int):
        a = rng.randrange(size // 3, size)
        while math.gcd(a, size) != 1:
            a += 1
        self.low, self.size, self.a, self.b = low, size, a, rng.randrange(size)
        # First-delivery people count up from 0, churn arrivals count down from
        # size-1: so the first delivery never depends on the churn options.
        self.up, self.down = 0, size - 1

    def take(self, arrival: bool = False) -> int:
        """Next unused number (from the arrival end when ``arrival``)."""
        if self.up > self.down:
            raise OverflowError("identifier space exhausted: too many people for 7-digit jointures")
        if arrival:
            n, self.down = self.down, self.down - 1
        else:
            n, self.up = self.up, self.up + 1
        return self.low + (self.a * n + self.b) % self.size


class Ids:
    """Identifier spaces and uniqueness registers of one académie run (mutable, passed explicitly)."""

    SEEN_BITS = 27  # a fixed 16 MB bitmap, whatever the size of the académie

    def __init__(self, seed: int):
        rng = random.Random(f"{seed}:ids")
        self.person = IdSpace(rng, 1_000_000, 9_000_000)  # ENTPersonJointure, 7 digits
        self.eleve = IdSpace(rng, 100_000, 9_900_000)  # SIECLE ELEVE_ID, 6-7 digits
        self.ine = IdSpace(rng, 0, 1_000_000_000)  # 9 digits of the INE
        self.sts = IdSpace(rng, 10_000_000, 90_000_000)  # ENTPersonSTSId, 8 digits
        self.seen = bytearray(1 << (self.SEEN_BITS - 3))
        self.seen_arrivals: set[int] = set()
        self.mails: dict[str, int] = {}

    def claim_identity(self, sn: str, given: str, birth: str, arrival: bool) -> bool:
        """Reserve a normalised (name, first name, birth date); False if it may be taken.

        Only the deliberate duplicates may share an identity: an accidental
        homonym would look like a "record typed twice" to the daemon.  A hash
        bitmap keeps memory fixed (a false positive merely redraws the date).
        First-delivery people and churn arrivals live in disjoint hash
        classes, so arrivals never change who the first delivery holds.
        """
        h = zlib.crc32(f"{identity_key(sn)}|{identity_key(given)}|{birth}".encode())
        first_class = h >> 28 != 0
        if arrival:
            if first_class or h in self.seen_arrivals:
                return False
            self.seen_arrivals.add(h)
            return True
        i = h & ((1 << self.SEEN_BITS) - 1)
        if not first_class or self.seen[i >> 3] & (1 << (i & 7)):
            return False
        self.seen[i >> 3] |= 1 << (i & 7)
        return True

    def staff_mail(self, given: str, sn: str, domain: str, sts_id: str, arrival: bool) -> str:
        """Unique académie address: prenom.nom, then prenom.nom2, 3... (arrivals: STS-id suffix)."""
        local = f"{slug(given)}.{slug(sn)}"
        if arrival:
            return f"{local}{sts_id[-4:]}@{domain}"
        n = self.mails[local] = self.mails.get(local, 0) + 1
        return f"{local}{n if n > 1 else ''}@{domain}"


def wrong_check_letter(uai: str) -> str:
    """The same seven digits with another check letter: not a UAI (domain-rules §2)."""
    good = uai_check_letter(uai[:7])
    return uai[:7] + CHECK_LETTERS[(CHECK_LETTERS.index(good) + 1) % len(CHECK_LETTERS)]
