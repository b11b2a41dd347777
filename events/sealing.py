"""Sealing the personal fields of an event's state under its subject's key,
and opening them (issue 17). Pure but for the key ring it is given.

A sealed value is an envelope in the stored JSON::

    {"sealed": 1, "k": key id, "t": kind, "n": nonce, "c": AES-GCM ciphertext}

``t`` is the value's kind (``s`` string, ``l`` list, ``d`` dict, ``o`` other;
a dict field's group: ``j`` when its values are strings and lists of strings)
so that an erased value keeps its shape (events.personal.erased_form). The
key id is the additional authenticated data: a ciphertext moved under another
key id does not open. Opening does not depend on which paths are sealed
today: any envelope found in the first levels of a state is opened, so a
path later added to or removed from the table never strands a stored value,
and a value stored in clear by an earlier release reads as it was."""

from __future__ import annotations

import base64
import json
import os
from binascii import a2b_base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.personal import KeyRing, erased_form

ENVELOPE = frozenset({"sealed", "k", "t", "n", "c"})
# In a dict field (an AAF record's attributes), its personal values are sealed
# together, under this key, in one envelope that also names them and their
# kinds (``f``): one encryption per event instead of one per value, and an
# erased value keeps its name and shape.
GROUP = "#sealed"
GROUP_ENVELOPE = ENVELOPE | {"f"}
_UNKNOWN = object()


@dataclass(frozen=True)
class Path:
    """Where personal data sits in an event's state: the whole ``field``;
    or, in a dict field, the values of ``keys``; or, in a list field, each
    element (``each``) or each element's ``sub`` (a dict element's key, or a
    list element's index written in decimal). Read from the table's strings
    by events/personal_paths.py."""

    field: str
    keys: frozenset[str] | None = None
    each: bool = False
    sub: str | None = None


def is_envelope(value: Any) -> bool:
    """A sealed value, or a dict field's sealed values (``GROUP``'s envelope, with ``f``)."""
    return type(value) is dict and value.keys() in (ENVELOPE, GROUP_ENVELOPE) and value["sealed"] == 1


def _kind(value: Any) -> str:
    return (
        "s" if isinstance(value, str) else "l" if isinstance(value, list) else "d" if isinstance(value, dict) else "o"
    )


class Sealer:
    """Seals and opens the values at ``spec[topic]``'s paths. ``encode`` and
    ``decode`` are the log's transcoder's (a value sealed is what the
    transcoder would have written in clear)."""

    def __init__(
        self,
        keyring: KeyRing,
        spec: Mapping[str, Sequence[Path]],
        encode: Callable[[Any], bytes],
        decode: Callable[[bytes], Any],
    ) -> None:
        self.keyring, self.spec, self.encode, self.decode = keyring, spec, encode, decode
        # Ciphers by key id (None: destroyed), dropped whenever the key ring destroys a key.
        self._ciphers: dict[str, AESGCM | None] = {}
        self._generation = keyring.generation

    def seal(self, topic: str, subject: str, state: dict[str, Any], *, fresh: bool = False) -> None:
        """Replace, in ``state``, every non-empty value at the topic's paths by
        its envelope under ``subject``'s key. Empty values stay as they are:
        there is nothing to erase in them."""
        paths = self.spec.get(topic)
        if not paths:
            return
        if self._generation != self.keyring.generation:
            self._ciphers.clear()
            self._generation = self.keyring.generation
        key: tuple[str, AESGCM] | None = None

        def sealed(value: Any) -> Any:
            nonlocal key
            if _empty(value) or is_envelope(value):
                return value
            if key is None:
                key_id, _ = self.keyring.key_for(subject, fresh=fresh)
                aead = self._aead(key_id)
                assert aead is not None  # a live key
                key = key_id, aead
            nonce = os.urandom(12)
            cipher = key[1].encrypt(nonce, self.encode(value), key[0].encode())
            return {"sealed": 1, "k": key[0], "t": _kind(value), "n": _b64(nonce), "c": _b64(cipher)}

        for path in paths:
            value = state.get(path.field)
            if path.keys is not None:
                if isinstance(value, dict) and GROUP not in value:
                    picked = {k: v for k, v in value.items() if k in path.keys and not _empty(v)}
                    if picked:
                        kept = {k: v for k, v in value.items() if k not in picked}
                        envelope = sealed(picked)
                        envelope["f"] = {k: _kind(v) for k, v in picked.items()}
                        if all(_plain(v) for v in picked.values()):
                            envelope["t"] = "j"  # plain JSON: read back without the transcoder
                        kept[GROUP] = envelope
                        state[path.field] = kept
            elif path.each or path.sub is not None:
                if isinstance(value, list):
                    state[path.field] = [_sub(v, path.sub, sealed) for v in value]
            elif path.field in state:
                state[path.field] = sealed(value)

    def open(self, state: dict[str, Any]) -> None:
        """Open, in place, every envelope in ``state``'s fields, the values of
        its dict fields and the elements (and their values) of its list fields."""
        if self._generation != self.keyring.generation:  # a key destroyed since: forget the ciphers
            self._ciphers.clear()
            self._generation = self.keyring.generation
        for name, value in state.items():
            if type(value) is dict:
                if GROUP in value:
                    state[name] = self._open_group(value)
                elif "sealed" in value and is_envelope(value):
                    state[name] = self._open(value)
                else:
                    opened = self._open_values(value)
                    if opened is not None:
                        state[name] = opened
            elif type(value) is list and any(type(v) is dict or type(v) is list for v in value):
                state[name] = [self._open_element(v) for v in value]

    def _open_values(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """``values`` with its envelopes opened; None when it holds none (one pass)."""
        out: dict[str, Any] | None = None
        for k, v in values.items():
            if type(v) is dict and "sealed" in v and is_envelope(v):
                if out is None:
                    out = dict(values)
                out[k] = self._open(v)
        return out

    def _open_element(self, value: Any) -> Any:
        if type(value) is list:
            return [self._open(v) if type(v) is dict and is_envelope(v) else v for v in value]
        if type(value) is not dict:
            return value
        if is_envelope(value):
            return self._open(value)
        opened = self._open_values(value)
        return value if opened is None else opened

    def _open_group(self, values: dict[str, Any]) -> dict[str, Any]:
        """A dict field whose personal values are sealed together: its values
        in clear, with the sealed ones opened (or in their erased forms)."""
        out = dict(values)
        envelope = out.pop(GROUP)
        aead = self._aead(envelope["k"])
        if aead is None:
            out.update((k, erased_form(kind)) for k, kind in envelope["f"].items())
        else:
            out.update(self._decrypt(aead, envelope, envelope["t"]))
        return out

    def _aead(self, key_id: str) -> AESGCM | None:
        """The cipher of ``key_id`` (None: destroyed), kept while the key ring
        destroys nothing (``open`` and ``seal`` compare its generation)."""
        aead = self._ciphers.get(key_id, _UNKNOWN)
        if aead is _UNKNOWN:
            secret = self.keyring.key(key_id)
            aead = self._ciphers[key_id] = AESGCM(secret) if secret is not None else None
        return aead  # type: ignore[return-value]

    def _open(self, envelope: dict[str, Any]) -> Any:
        key_id = envelope["k"]
        aead = self._aead(key_id)
        if aead is None:
            return erased_form(envelope["t"])
        return self._decrypt(aead, envelope, envelope["t"])

    def _decrypt(self, aead: AESGCM, envelope: dict[str, Any], kind: str) -> Any:
        key_id = envelope["k"]
        plain = aead.decrypt(a2b_base64(envelope["n"]), a2b_base64(envelope["c"]), key_id.encode())
        # Strings, lists of strings (an AAF attribute) and a group of them (``j``)
        # are what the transcoder writes of them, plain JSON: read as such,
        # several times faster. Anything else may hold the transcoder's own types.
        if kind == "s" or kind == "j":
            return json.loads(plain)
        if kind == "l":
            value = json.loads(plain)
            if all(type(v) is str for v in value):
                return value
        return self.decode(plain)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _plain(value: Any) -> bool:
    return type(value) is str or (type(value) is list and all(type(v) is str for v in value))


def _sub(element: Any, sub: str | None, sealed: Callable[[Any], Any]) -> Any:
    if sub is None:
        return sealed(element)
    if isinstance(element, dict) and sub in element:
        return {**element, sub: sealed(element[sub])}
    if isinstance(element, list | tuple) and sub.isdigit() and int(sub) < len(element):
        i = int(sub)
        return [*element[:i], sealed(element[i]), *element[i + 1 :]]
    return element


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
