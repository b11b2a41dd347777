"""The digests of a store written by an earlier release, re-keyed in the
sealing upgrade's walk (events/usecases/upgrade_sealing.py).

A digest is a record's content identity under the store's hash function. An
earlier release hashed records in clear (blake2b); this one with the store's
pepper (events/personal.keyed). The ingest compares each delivered record's
digest with the one the read model holds, which the stored events gave it: a
store upgraded without re-keying them would see every record of the next
delivery as changed and record it again, unchanged (hundreds of thousands of
useless Changed facts, published, and maybe a brake). The upgrade changes the
function, not the identity: each stored digest is recomputed from the values
of the event that holds it, with the functions the ingest uses, and written in
the same state rewrite that seals the event. A plain digest is told from a
keyed one only by differing from the recomputed value, so the digest is always
recomputed: a state re-keyed already is written unchanged.

AAF facts carry the whole record (``attrs``): their digest is the record's.
SIECLE facts carry changes; the record's values are its stream's folded up to
the last fact of the same import (a Changed and the LeavingDateSet recorded
with it share the digest of the record as the export had it), so the stream is
read once. Where an event's values are not exactly what the ingest hashed (a
SIECLE link kept as it was because its person was rejected in that export),
the recomputed digest differs from the next delivery's and that one record is
looked at, or recorded, once more: the same as any change.

Values whose key is destroyed (an erased person) cannot be hashed again: such
a stream keeps its digests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.aaf.summary import record_digest
from events.sealing import is_envelope
from events.siecle_rules import digest as siecle_digest
from events.usecases.aaf_scan import record_digester

# Topics whose event carries the record's whole attributes and its digest.
AAF = frozenset(
    {
        "entsync:Account.Appeared.v1",
        "entsync:Account.Changed.v1",
        "entsync:Account.Reappeared.v1",
        "entsync:SourceRecord.Appeared.v1",
        "entsync:SourceRecord.Changed.v1",
    }
)
STUDENT = "entsync:SiecleStudent."
GUARDIAN = "entsync:SiecleGuardian."
# Topics whose digest is the folded SIECLE record's (``digest``) or the
# student's links' (``links_digest``).
SIECLE = frozenset(
    {
        f"{STUDENT}{name}.v1"
        for name in (
            "Enrolled",
            "Changed",
            "LeavingDateSet",
            "LeavingDateCleared",
            "Reenrolled",
            "GuardianLinked",
            "GuardianLinkChanged",
            "GuardianUnlinked",
        )
    }
    | {f"{GUARDIAN}{name}.v1" for name in ("Appeared", "Changed", "Reappeared")}
)
TOPICS = AAF | SIECLE
FIELDS = ("digest", "links_digest")


@dataclass(frozen=True)
class StreamEvent:
    """One stored event of a stream, its state decoded and opened."""

    version: int
    topic: str
    state: dict[str, Any]


Opened = Callable[[str], list[StreamEvent]]  # a SIECLE stream's events, by originator id


def erased(keyring: Any, value: Any) -> bool:
    """Whether ``value`` holds an envelope whose key is destroyed."""
    if is_envelope(value):
        return keyring.key(value["k"]) is None
    if isinstance(value, dict):
        return any(erased(keyring, v) for v in value.values())
    if isinstance(value, list):
        return any(erased(keyring, v) for v in value)
    return False


class Rekeyer:
    """The digests this release computes for stored events' values; SIECLE
    streams read once per walk (a bounded cache: their events are spread over
    a year of imports)."""

    CACHED = 50_000

    def __init__(self, pepper: bytes, stream: Opened) -> None:
        self.pepper, self.stream = pepper, stream
        self.aaf = record_digester(pepper)
        self.cache: dict[str, dict[tuple[int, str], str]] = {}

    def digests(self, topic: str, originator_id: str, version: int, opened: Mapping[str, Any]) -> dict[str, str]:
        """The digest fields of the event, recomputed from ``opened`` (its
        state, envelopes opened); {} when it holds none or they cannot be."""
        if topic in AAF:
            attrs = opened.get("attrs")
            if not opened.get("digest") or not isinstance(attrs, dict):
                return {}
            return {"digest": record_digest(attrs, self.aaf)}
        if topic not in SIECLE:
            return {}
        if originator_id not in self.cache:
            if len(self.cache) >= self.CACHED:
                self.cache.clear()
            self.cache[originator_id] = siecle_digests(self.pepper, self.stream(originator_id))
        known = self.cache[originator_id]
        return {f: known[(version, f)] for f in FIELDS if (version, f) in known}


def _fold(topic: str, state: Mapping[str, Any], attrs: dict[str, Any], links: dict[str, dict[str, Any]]) -> None:
    """What the SIECLE fact does to its record's values (events/siecle/state.py)."""
    name = topic.split(".")[1]
    if name in ("Enrolled", "Appeared") or (name == "Reappeared" and topic.startswith(GUARDIAN)):
        attrs.clear()
        attrs.update(state["attrs"])
    elif name == "Reenrolled":
        kept = {k: attrs.get(k, "") for k in ("left_on", "leaving_reason")}
        attrs.clear()
        attrs.update({**state["attrs"], **kept})
    elif name == "Changed":
        for field, change in state["changes"].items():
            attrs[field] = change["after"]
    elif name == "LeavingDateSet":
        attrs["left_on"], attrs["leaving_reason"] = state["left_on"], state["reason"]
    elif name == "LeavingDateCleared":
        attrs["left_on"], attrs["leaving_reason"] = "", ""
    elif name == "GuardianLinked":
        links[state["personne_id"]] = {k: state[k] for k in ("level", "kinship", "pays_fees", "priority_contact")}
    elif name == "GuardianLinkChanged":
        for field, change in state["changes"].items():
            links[state["personne_id"]][field] = change["after"]
    elif name == "GuardianUnlinked":
        links.pop(state["personne_id"], None)


def siecle_digests(pepper: bytes, events: Iterable[StreamEvent]) -> dict[tuple[int, str], str]:
    """(version, field) → the digest of a SIECLE stream's event: the record's
    values (or the student's links) after the last fact of the same import
    that carries that field, since one export's facts share its digest."""
    attrs: dict[str, Any] = {}
    links: dict[str, dict[str, Any]] = {}
    groups: dict[str, tuple[Any, list[tuple[int, str]]]] = {}
    out: dict[tuple[int, str], str] = {}

    def close(field: str) -> None:
        _, members = groups.pop(field)
        value = siecle_digest(pepper, attrs) if field == "digest" else siecle_digest(pepper, links, "siecle-links")
        for version, old in members:
            out[(version, field)] = value if old else old  # "": a student left without links keeps it

    for event in events:
        if event.topic not in SIECLE:
            continue
        for field in FIELDS:
            if field in event.state and field in groups and groups[field][0] != event.state.get("import_id"):
                close(field)
        _fold(event.topic, event.state, attrs, links)
        for field in FIELDS:
            if field in event.state:
                groups.setdefault(field, (event.state.get("import_id"), []))[1].append(
                    (event.version, event.state[field])
                )
    for field in list(groups):
        close(field)
    return out
