"""Phase 1 of an AAF ingest, part by part: parse, digest, validate.

Reading a part is the costly step of an ingest (XML parsing, one digest per
record, validation of what changed); it needs nothing but the part and the
digests the read model held when the ingest began. So parts are read by
worker processes, in parallel, and their summaries come back in part order;
every decision that depends on the order of the whole delivery (a record
seen twice, a jointure in two categories, a modify merged with the stored
attributes) is left to the caller, which replays the summaries in order.
With one worker, or a small delivery, the same function runs in-process.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date

from adapters.aaf.files import DeliveryFiles, PartFile
from adapters.aaf.parser import RawRecord
from adapters.aaf.records import examine

# Below this many bytes of XML, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 16 << 20

# One record's summary: (tag, jointure, line, payload)
#   "u" unchanged              payload: UAI of a structure record, else None
#   "c" new or changed         payload: (op "add"|"upsert", attrs JSON, digest, problems, UAI or None,
#                                        fields set aside)
#   "d" delete                 payload: None
#   "m" modify (merged later)  payload: the RawRecord
Summary = tuple[str, str, int, object]


def record_digest(attrs: dict[str, list[str]]) -> str:
    """Content identity of a record: independent of attribute order, part split
    and delivery date; value order inside an attribute is kept (parallel lists).
    Stored in the read model: changing this function re-records every record."""
    # Sorting the joined strings orders them by name: "\x1f" sorts before any
    # character an XML attribute name can hold.
    canonical = "\x1e".join(sorted([name + "\x1f" + "\x1d".join(values) for name, values in attrs.items()]))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class PartSummary:
    """What one part holds: the records unchanged since the read model's digest
    (jointures and lines only, the bulk of a re-delivery), the others as
    ``Summary`` tuples, and whether a jointure occurs twice in the part."""

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
        out = [("u", j, line, self.structures.get(j)) for j, line in zip(self.unchanged, self.unchanged_lines)]
        out.extend(self.others)
        out.sort(key=lambda s: s[2])
        return out


def summarise_part(
    files: DeliveryFiles, part: PartFile, index: dict[str, tuple[str, int]], reference: date | None = None
) -> PartSummary:
    """Every record of one part, summarised against ``index`` (category:jointure
    → (digest, present)); ``reference``: the day a birth date may not be after
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
            append(("d", raw.id, raw.line, None))
            continue
        if op == "modify":
            append(("m", raw.id, raw.line, raw))
            continue
        attrs = raw.attrs
        digest = record_digest(attrs)
        known = index.get(prefix + raw.id)
        uai = (attrs.get("ENTStructureUAI") or [""])[0] if structure else None
        if known is not None and known[1] and known[0] == digest:
            unchanged.append(raw.id)
            unchanged_lines.append(raw.line)
            if uai is not None:
                structures[raw.id] = uai
            continue
        problems, aside = examine(raw, attrs, reference)
        append(
            (
                "c",
                raw.id,
                raw.line,
                (
                    "add" if known is None else "upsert",
                    "" if problems else dumps(attrs, ensure_ascii=False),
                    digest,
                    problems,
                    uai,
                    aside,
                ),
            )
        )
    ids = {s[1] for s in out}
    ids.update(unchanged)
    return PartSummary(unchanged, unchanged_lines, structures, out, len(ids) < len(out) + len(unchanged))


# Set in the parent just before the pool forks, read by the workers.
_SHARED: dict = {}


def _work(part: PartFile) -> PartSummary:
    return summarise_part(_SHARED["files"], part, _SHARED["index"], _SHARED.get("reference"))


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Forked readers that die with the process that made them: a kill -9 of
    the daemon leaves no reader behind holding memory and the files (issue
    18, point 9; Linux's PR_SET_PDEATHSIG, set in each worker)."""
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_die_with_parent, initargs=(os.getpid(),)
    )


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the worker ends when its queue closes, as before
        return
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


PR_SET_PDEATHSIG = 1


def summaries(
    files: DeliveryFiles,
    parts: list[PartFile],
    index: dict[str, tuple[str, int]],
    workers: int,
    reference: date | None = None,
) -> Iterator[tuple[PartFile, PartSummary]]:
    """(part, its summaries) in the order of ``parts``."""
    total = sum(p.size for p in parts)
    if workers <= 1 or len(parts) < 2 or total < PARALLEL_MIN_BYTES:
        for part in parts:
            yield part, summarise_part(files, part, index, reference)
        return
    # fork: the workers inherit the digest index instead of receiving a copy.
    # A worker that dies raises BrokenProcessPool here (a Pool would wait forever).
    _SHARED.update(files=files, index=index, reference=reference)
    pool = worker_pool(min(workers, len(parts)))
    try:
        yield from zip(parts, pool.map(_work, parts))
    finally:  # on a rejection or an error, the parts not started yet are not read
        pool.shutdown(wait=True, cancel_futures=True)
        _SHARED.clear()


__all__ = [
    "record_digest",
    "PartSummary",
    "summarise_part",
    "summaries",
    "default_workers",
    "RawRecord",
    "PARALLEL_MIN_BYTES",
]
