"""One inbox item to its use case: recognised by its content
(adapters/sniff.py), handed to the AAF ingest, the SIECLE import or the
timetable import by the one dispatch (events/usecases/intake.py), and what
it answered told as an ``Outcome``. What is not the
item's fault (the store unreachable, another import to finish first) is a
``Retry``: the item stays in the inbox."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path
from uuid import UUID

from adapters.errors import Rejection
from adapters.sniff import kind_of
from daemon.bootstrap import Context, TimeWentBackwards
from daemon.service.outcome import Outcome, bilan
from events.usecases.aaf_ingest import IngestRefused
from events.usecases.formats import NotImportable
from events.usecases.intake import Arrival, dispatch
from events.usecases.result import Result
from events.usecases.siecle_import import ImportInterrupted
from events.usecases.timetable_work import ImportRefused
from projections import import_queries
from projections.db import outage

SOURCES = {
    "aaf": "aaf",
    "siecle-eleves": "siecle",
    "siecle-responsables": "siecle",
    "siecle-nomenclatures": "siecle",
    "sts": "sts",
    "edt-sts": "sts",
    "timetable-edt": "timetable",
}
_PER_ETAB = re.compile(r"^ENT_(?P<uai>\d{7}[A-Z])$")


class Retry(Exception):
    """Not now: the store is unreachable, or another delivery must be finished
    first. The item stays in the inbox and is tried again (an outage, not a
    bad delivery)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def _applied(rejections: list[Rejection]) -> str:
    return "applied_with_rejections" if rejections else "applied"


def process(path: Path, ctx: Context) -> Outcome:
    """Recognise ``path`` by its content, hand it to the use case of its kind
    (events/usecases/intake.py) and tell what it answered.

    Raises Retry for what is not the item's fault; anything else the
    use cases raise is the caller's to set aside."""
    kind = kind_of(path)
    try:
        answer = dispatch(Arrival(kind, str(path)), ctx)
        if isinstance(answer, NotImportable):
            # Not an export the service imports: the same answer as `entsync
            # ingest` (events/usecases/formats.py), nothing recorded.
            return Outcome(
                answer.source,
                kind,
                "rejected",
                answer.reason,
                report={"status": "rejected", "reason": answer.reason, "message": answer.message},
            )
        # The outcome may read the store too: an outage there is a Retry as well.
        return OUTCOME[answer.intake](answer, path, ctx, kind)
    except ImportRefused:  # the timetable import cannot read the file
        return Outcome(
            SOURCES[kind],
            kind,
            "rejected",
            "unreadable_file",
            report={"status": "rejected", "reason": "unreadable_file", "message": "cannot read the file"},
        )
    except (IngestRefused, ImportInterrupted) as exc:
        raise Retry("interrupted_import_first", str(exc)) from None
    except TimeWentBackwards as exc:
        raise Retry("time_went_backwards", str(exc)) from None
    except sqlite3.OperationalError as exc:
        raise Retry("store_unavailable", type(exc).__name__) from None
    except Exception as exc:
        line = outage(exc)
        if line:
            raise Retry("store_unavailable", line) from None
        raise


def _aaf(result: Result, path: Path, ctx: Context, kind: str) -> Outcome:
    delivery = ctx.log.find(UUID(result.delivery_id))
    prefix = getattr(delivery, "prefix", "") or ""
    m = _PER_ETAB.match(prefix)
    uai = m.group("uai") if m else ""
    report = result.as_dict()
    records = Counter(r.reason for r in result.rejections)
    status = result.status
    if status.startswith("already-"):
        before = status.removeprefix("already-")
        if getattr(delivery, "source", None) == str(path) and before in ("applied", "held"):
            # This very item, finished before a crash and not yet moved: its
            # outcome was never reported.
            report["resumed"] = True
            return Outcome(
                "aaf",
                "aaf",
                "applied" if before == "applied" else "held",
                result.reason if before == "held" else "",
                uai,
                report,
                None,
                Counter(),
            )
        if before == "rejected" and getattr(delivery, "source", None) == str(path):
            return Outcome("aaf", "aaf", "rejected", result.reason, uai, report)
        report["reason"] = "duplicate_file"
        return Outcome("aaf", "aaf", "duplicate", "duplicate_file", uai, report)
    if status == "applied":
        return Outcome("aaf", "aaf", _applied(result.rejections), "", uai, report, None, records)
    if status == "held":
        return Outcome("aaf", "aaf", "held", result.reason, uai, report, None, records)
    return Outcome("aaf", "aaf", "rejected", result.reason, uai, report, None, records)


def _siecle(result: Result, path: Path, ctx: Context, kind: str) -> Outcome:
    report = result.as_dict()
    records = Counter(r.reason for r in result.rejections)
    if result.status == "applied":
        return Outcome("siecle", kind, _applied(result.rejections), "", result.uai, report, None, records)
    if result.status == "held":  # by the leaving-date brake, for an operator (domain-rules §12)
        return Outcome("siecle", kind, "held", result.reason, result.uai, report, None, records)
    outcome = "duplicate" if result.reason == "duplicate_file" else "rejected"
    return Outcome("siecle", kind, outcome, result.reason, result.uai, report, None, records)


def _timetable(result: Result, path: Path, ctx: Context, kind: str) -> Outcome:
    source = "sts" if kind in ("sts", "edt-sts") else "timetable"
    report = result.as_dict()
    if result.status == "applied":
        outcome, reason = "applied", ""
    elif result.status == "awaiting_validation":
        outcome, reason = "awaiting_validation", ""
    elif result.reason == "duplicate_file":
        outcome, reason = "duplicate", "duplicate_file"
    else:
        outcome, reason = "rejected", result.reason
    row = import_queries.detail(ctx.db, result.import_id)
    return Outcome(source, kind, outcome, reason, result.uai, report, bilan(row, ctx.policy.timezone) if row else None)


OUTCOME = {"aaf": _aaf, "siecle": _siecle, "timetable": _timetable}
