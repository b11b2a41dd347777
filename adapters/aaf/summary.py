"""One part of an AAF delivery, summarised against the digests the read model
held when the ingest began: parse, digest, validate what changed.

This is the costly step of an ingest (XML parsing, one digest per record,
validation of what changed) and it needs nothing but the part and the
digests, so the runtime may run it in worker processes (daemon/scan.py).
Every decision that depends on the order of the whole delivery (a record
seen twice, a jointure in two categories, a modify merged with the stored
attributes) is left to the ingest, which replays the summaries in order
(events/usecases/aaf_scan.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from adapters.aaf.files import DeliveryFiles, PartFile
from adapters.aaf.parser import RawRecord
from adapters.aaf.records import examine
from adapters.errors import Rejection, SetAside


class Known(NamedTuple):
    """What the read model knows of a source record (keyed "category:jointure")."""

    digest: str
    present: bool


# The hash of a record's canonical text: the store's keyed hash (a record holds
# names and a birth date, so a plain hash could be brute-forced), given by the
# ingest (events/usecases/aaf_scan.record_digester) — this layer holds no key.
Digest = Callable[[str], str]


def canonical_record(attrs: dict[str, list[str]]) -> str:
    """A record's attributes as one text, independent of attribute order;
    value order inside an attribute is kept (parallel lists)."""
    # Sorting the joined strings orders them by name: "\x1f" sorts before any
    # character an XML attribute name can hold.
    return "\x1e".join(sorted([name + "\x1f" + "\x1d".join(values) for name, values in attrs.items()]))


def record_digest(attrs: dict[str, list[str]], digest: Digest) -> str:
    """Content identity of a record: independent of attribute order, part split
    and delivery date. Stored in the read model: changing this function (or
    the store's pepper) re-records every record."""
    return digest(canonical_record(attrs))


# The records' own __reduce__: a worker sends hundreds of thousands of them
# back, and pickling a frozen dataclass by its state costs several times more.


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A record whose digest is the read model's, present."""

    jointure: str
    line: int
    uai: str | None  # a structure record's UAI, else None

    def __reduce__(self):
        return Unchanged, (self.jointure, self.line, self.uai)


@dataclass(frozen=True, slots=True)
class Changed:
    """A record new to the read model (``op`` "add") or changed ("upsert"),
    validated: its attributes as JSON unless rejected."""

    jointure: str
    line: int
    op: str
    attrs_json: str  # "" when rejected
    digest: str
    problems: list[Rejection]
    uai: str | None
    aside: list[SetAside]

    def __reduce__(self):
        return Changed, (
            self.jointure,
            self.line,
            self.op,
            self.attrs_json,
            self.digest,
            self.problems,
            self.uai,
            self.aside,
        )


@dataclass(frozen=True, slots=True)
class Deleted:
    """A deleteRequest of a delta."""

    jointure: str
    line: int

    def __reduce__(self):
        return Deleted, (self.jointure, self.line)


@dataclass(frozen=True, slots=True)
class Modified:
    """A modifyRequest of a delta: merged with the stored attributes later."""

    jointure: str
    line: int
    raw: RawRecord

    def __reduce__(self):
        return Modified, (self.jointure, self.line, self.raw)


Summary = Unchanged | Changed | Deleted | Modified


class PartSummary:
    """What one part holds: the records unchanged since the read model's digest
    (jointures and lines only, the bulk of a re-delivery), the others as
    ``Summary`` records, and whether a jointure occurs twice in the part."""

    __slots__ = ("unchanged", "unchanged_lines", "structures", "others", "repeats")

    def __init__(
        self,
        unchanged: list[str],
        unchanged_lines: list[int],
        structures: dict[str, str],
        others: list[Summary],
        repeats: bool,
    ):
        self.unchanged, self.unchanged_lines, self.structures = unchanged, unchanged_lines, structures
        self.others, self.repeats = others, repeats

    def __reduce__(self):
        return PartSummary, (self.unchanged, self.unchanged_lines, self.structures, self.others, self.repeats)

    def in_order(self) -> list[Summary]:
        """Every record as a Summary, in file order."""
        out: list[Summary] = [
            Unchanged(j, line, self.structures.get(j)) for j, line in zip(self.unchanged, self.unchanged_lines)
        ]
        out.extend(self.others)
        out.sort(key=lambda s: s.line)
        return out


def summarise_part(
    files: DeliveryFiles, part: PartFile, index: dict[str, Known], digest: Digest, reference: date | None = None
) -> PartSummary:
    """Every record of one part, summarised against ``index`` (category:jointure
    → (digest, present)) with ``digest`` (see ``Digest``); ``reference``: the day a birth date may not be after
    (domain-rules §12). Raises DeliveryRejected for a file that cannot be read."""
    out: list[Summary] = []
    append = out.append
    unchanged: list[str] = []
    unchanged_lines: list[int] = []
    structures: dict[str, str] = {}
    category = part.category
    prefix = category + ":"
    structure = category == "EtabEducNat"
    dumps = json.dumps
    for raw in files.records(part):
        op = raw.op
        if op == "delete":
            append(Deleted(raw.id, raw.line))
            continue
        if op == "modify":
            append(Modified(raw.id, raw.line, raw))
            continue
        attrs = raw.attrs
        digested = digest(canonical_record(attrs))
        known = index.get(prefix + raw.id)
        uai = (attrs.get("ENTStructureUAI") or [""])[0] if structure else None
        if known is not None and known.present and known.digest == digested:
            unchanged.append(raw.id)
            unchanged_lines.append(raw.line)
            if uai is not None:
                structures[raw.id] = uai
            continue
        problems, aside = examine(raw, attrs, reference)
        append(
            Changed(
                raw.id,
                raw.line,
                "add" if known is None else "upsert",
                "" if problems else dumps(attrs, ensure_ascii=False),
                digested,
                problems,
                uai,
                aside,
            )
        )
    ids = {s.jointure for s in out}
    ids.update(unchanged)
    return PartSummary(unchanged, unchanged_lines, structures, out, len(ids) < len(out) + len(unchanged))
