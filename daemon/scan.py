"""Reading the parts of an AAF delivery in worker processes: the part-reading
port of the ingest (events/usecases/aaf_ports.py ``PartReader``).

Reading a part (adapters/aaf/summary.py) needs nothing but the part and the
digests the read model held when the ingest began. So a large delivery's
parts are read by forked worker processes, in parallel, and their summaries
come back in part order for the ingest to replay. With one worker, or a
small delivery, the same function runs in-process.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

from adapters.aaf.files import DeliveryFiles, PartFile
from adapters.aaf.summary import Digest, Known, PartSummary, summarise_part

# Below this many bytes of XML, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 16 << 20


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


# Set in the parent just before the pool forks, read by the workers.
_SHARED: dict[str, Any] = {}


def _work(part: PartFile) -> PartSummary:
    return summarise_part(_SHARED["files"], part, _SHARED["index"], _SHARED["digest"], _SHARED.get("reference"))


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


class PartReaders:
    """Up to ``workers`` processes reading the parts of one delivery."""

    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else workers

    def summaries(
        self,
        files: DeliveryFiles,
        parts: list[PartFile],
        index: dict[str, Known],
        digest: Digest,
        reference: date | None = None,
    ) -> Iterator[tuple[PartFile, PartSummary]]:
        """(part, its summaries) in the order of ``parts``."""
        total = sum(p.size for p in parts)
        if self.workers <= 1 or len(parts) < 2 or total < PARALLEL_MIN_BYTES:
            for part in parts:
                yield part, summarise_part(files, part, index, digest, reference)
            return
        # fork: the workers inherit the digest index instead of receiving a copy.
        # A worker that dies raises BrokenProcessPool here (a Pool would wait forever).
        _SHARED.update(files=files, index=index, digest=digest, reference=reference)
        pool = worker_pool(min(self.workers, len(parts)))
        try:
            yield from zip(parts, pool.map(_work, parts))
        finally:  # on a rejection or an error, the parts not started yet are not read
            pool.shutdown(wait=True, cancel_futures=True)
            _SHARED.clear()


__all__ = ["PartReaders", "default_workers", "worker_pool", "PARALLEL_MIN_BYTES"]
