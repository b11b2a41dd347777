"""Sealing the personal fields of an event's state under its subject's key,
and opening them (issue 17). Pure but for the key ring it is given.

A sealed value is an envelope in the stored JSON::

    {"sealed": 1, "k": key id, "t": kind, "n": nonce, "c": AES-GCM ciphertext}

``t`` is the value's kind (``s`` string, ``l`` list, ``d`` dict, ``o`` other)
so that an erased value keeps its shape (events.personal.erased_form). The
key id is the additional authenticated data: a ciphertext moved under another
key id does not open. Opening does not depend on which paths are sealed
today: any envelope found in the first levels of a state is opened, so a
path later added to or removed from the table never strands a stored value,
and a value stored in clear by an earlier release reads as it was."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.personal import KeyRing, erased_form

ENVELOPE = frozenset({"sealed", "k", "t", "n", "c"})


@dataclass(frozen=True)
class Path:
    """Where personal data sits in an event's state: the whole ``field``;
    or, in a dict field, the values of ``keys``; or, in a list field, each
    element (``each``) or each element's ``sub``."""

    field: str
    keys: frozenset[str] | None = None
    each: bool = False
    sub: str | None = None


def is_envelope(value: Any) -> bool:
    return type(value) is dict and value.keys() == ENVELOPE and value["sealed"] == 1


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

    def seal(self, topic: str, subject: str, state: dict[str, Any], *, fresh: bool = False) -> None:
        """Replace, in ``state``, every non-empty value at the topic's paths by
        its envelope under ``subject``'s key. Empty values stay as they are:
        there is nothing to erase in them."""
        paths = self.spec.get(topic)
        if not paths:
            return
        key: tuple[str, AESGCM] | None = None

        def sealed(value: Any) -> Any:
            nonlocal key
            if value is None or value == "" or value == [] or value == {} or is_envelope(value):
                return value
            if key is None:
                key_id, secret = self.keyring.key_for(subject, fresh=fresh)
                key = key_id, AESGCM(secret)
            nonce = os.urandom(12)
            cipher = key[1].encrypt(nonce, self.encode(value), key[0].encode())
            return {"sealed": 1, "k": key[0], "t": _kind(value), "n": _b64(nonce), "c": _b64(cipher)}

        for path in paths:
            value = state.get(path.field)
            if path.keys is not None:
                if isinstance(value, dict):
                    state[path.field] = {k: sealed(v) if k in path.keys else v for k, v in value.items()}
            elif path.each or path.sub is not None:
                if isinstance(value, list):
                    state[path.field] = [_sub(v, path.sub, sealed) for v in value]
            elif path.field in state:
                state[path.field] = sealed(value)

    def open(self, state: dict[str, Any]) -> None:
        """Open, in place, every envelope in ``state``'s fields, the values of
        its dict fields and the elements (and their values) of its list fields."""
        opened: dict[str, AESGCM | None] = {}
        for name, value in state.items():
            if type(value) is dict:
                if is_envelope(value):
                    state[name] = self._open(value, opened)
                elif any(is_envelope(v) for v in value.values()):
                    state[name] = {k: self._open(v, opened) if is_envelope(v) else v for k, v in value.items()}
            elif type(value) is list and any(type(v) is dict for v in value):
                state[name] = [self._open_element(v, opened) for v in value]

    def _open_element(self, value: Any, opened: dict[str, AESGCM | None]) -> Any:
        if type(value) is not dict:
            return value
        if is_envelope(value):
            return self._open(value, opened)
        if any(is_envelope(v) for v in value.values()):
            return {k: self._open(v, opened) if is_envelope(v) else v for k, v in value.items()}
        return value

    def _open(self, envelope: dict[str, Any], opened: dict[str, AESGCM | None]) -> Any:
        key_id = envelope["k"]
        if key_id not in opened:
            secret = self.keyring.key(key_id)
            opened[key_id] = AESGCM(secret) if secret is not None else None
        aead = opened[key_id]
        if aead is None:
            return erased_form(envelope["t"])
        plain = aead.decrypt(base64.b64decode(envelope["n"]), base64.b64decode(envelope["c"]), key_id.encode())
        return self.decode(plain)


def _sub(element: Any, sub: str | None, sealed: Callable[[Any], Any]) -> Any:
    if sub is None:
        return sealed(element)
    if isinstance(element, dict) and sub in element:
        return {**element, sub: sealed(element[sub])}
    return element


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
