"""The record digest is stored in the read model: its value changes only
with the store's pepper (issue 17: a keyed hash, re-keyed by the upgrade)."""

from __future__ import annotations

import hashlib
import io
import random
import string
import unicodedata

from adapters.aaf.parser import read_records
from adapters.aaf.summary import canonical_record
from adapters.aaf.summary import record_digest as keyed_digest
from events.personal import keyed
from events.usecases.aaf_scan import record_digester

PEPPER = b"test pepper"


def record_digest(attrs: dict[str, list[str]]) -> str:
    return keyed_digest(attrs, record_digester(PEPPER))


def _text(attrs: dict[str, list[str]]) -> str:
    # The first release's canonical text, kept here as the definition.
    return "\x1e".join(f"{name}\x1f" + "\x1d".join(attrs[name]) for name in sorted(attrs))


def _reference(attrs: dict[str, list[str]]) -> str:
    return keyed(PEPPER, "aaf-record", _text(attrs))


def test_digest_is_the_first_release_text_keyed():
    rng = random.Random(3)
    alphabet = string.ascii_letters + string.digits + "-_$é "
    for _ in range(2000):
        names = {"".join(rng.choices(string.ascii_letters, k=rng.randint(1, 12))) for _ in range(rng.randint(0, 25))}
        # names that are prefixes of one another are the case where sorting the joined strings could differ
        names |= {n[: rng.randint(1, len(n))] for n in list(names)[:3]}
        attrs = {
            n: ["".join(rng.choices(alphabet, k=rng.randint(0, 9))) for _ in range(rng.randint(0, 3))] for n in names
        }
        assert canonical_record(attrs) == _text(attrs)
        assert record_digest(attrs) == _reference(attrs)


def test_digest_pinned_value():
    # Stored in the read model: a new value would re-record every record. The
    # plain hash earlier releases stored (blake2b of the same text) is no
    # longer the digest: anyone could hash a list of names and birth dates.
    attrs = {"sn": ["DUPONT"], "givenName": ["Zoé"], "ENTEleveGroupes": ["4A$G1", "4A$G2"]}
    plain = hashlib.blake2b(_text(attrs).encode(), digest_size=16).hexdigest()
    assert plain == "cc3f569a2cfbff7a0f7b081ef0d697d6"
    assert record_digest(attrs) == "e61153a61d90182c9f52474942328c3b"
    assert record_digest(attrs) != plain
    assert keyed_digest(attrs, record_digester(b"another pepper")) != record_digest(attrs)


def _parsed(sn: str, given: str) -> dict[str, list[str]]:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><ficAlimMENESR><addRequest><operationalAttributes>'
        '<attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>'
        "<identifier><id>1000001</id></identifier><attributes>"
        f'<attr name="sn"><value>{sn}</value></attr><attr name="givenName"><value>{given}</value></attr>'
        '<attr name="mail"><value>  </value></attr></attributes></addRequest></ficAlimMENESR>'
    ).encode()
    (record,) = read_records(io.BytesIO(xml), "f.xml", "Eleve")
    return record.attrs


def test_an_unchanged_record_keeps_its_digest_whatever_its_normalisation():
    # Domain-rules §12: values are digested as delivered, never normalised
    # (NFC) first, so the same bytes give the same digest as every release
    # stored; an NFD name is another spelling, hence another digest.
    nfd = unicodedata.normalize("NFD", "Zoé")
    first, again = _parsed("DUPONT", nfd), _parsed("DUPONT", nfd)
    assert first == again == {"sn": ["DUPONT"], "givenName": [nfd], "mail": []}
    assert record_digest(first) == record_digest(again) == _reference(first)
    assert record_digest(_parsed("DUPONT", "Zoé")) == _reference({"sn": ["DUPONT"], "givenName": ["Zoé"], "mail": []})
    assert record_digest(first) != record_digest(_parsed("DUPONT", "Zoé"))


def test_implausible_values_are_digested_as_delivered():
    # A record with a value set aside is recognised when it comes again.
    attrs = _parsed("DU&#x200B;PONT", "   ")
    assert attrs["sn"] == ["DU\u200bPONT"] and attrs["givenName"] == [" "]
    assert record_digest(attrs) == record_digest(_parsed("DU&#x200B;PONT", "      ")) == _reference(attrs)
