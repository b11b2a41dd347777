"""Applying a SIECLE export that passed its checks (formats §2; domain-rules
§11): the import records its rejected records and set-aside fields, then
what the export changes (events/usecases/siecle_records.py), in batches.
Facts become visible in the SIECLE read model once the import's ``Applied``
is recorded; an interrupted import is finished by applying the same file
again (``resume``: the import's own facts are not recorded twice, and a
record written before the interruption is told its values again, which
records nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from adapters.siecle import ElevesExport, ResponsablesExport
from events.policy import Policy
from events.siecle.intake import SiecleImport
from events.usecases.ports import ReadModel
from events.usecases.result import Result
from events.usecases.siecle_records import RecordWork, guardian_changes, student_changes

BATCH = 500
# The anomalies an import records (events/siecle), counted under these names.
ANOMALIES = {"OverwriteSuspected": "overwrites_suspected", "GuardiansSwapped": "guardians_swapped"}


class ApplyWork(RecordWork, Protocol):
    @property
    def batch(self) -> int | None: ...  # events per transaction; None: the use case's own BATCH
    @property
    def siecle(self) -> ReadModel: ...
    @property
    def policy(self) -> Policy: ...


def apply_export(
    imp: SiecleImport,
    export: ElevesExport | ResponsablesExport,
    uow: ApplyWork,
    resume: bool,
    at: datetime | None = None,
) -> Result:
    """Record what ``export`` changes. ``at``: when the facts are recorded;
    the receipt, or the release of a held export."""
    at = at or imp.received_at
    today = at.astimezone(ZoneInfo(uow.policy.timezone)).date()
    counts: Counter[str] = Counter()
    threshold, suspend = uow.policy.overwrite_name_similarity, uow.policy.suspend_on_overwrite
    if isinstance(export, ElevesExport):
        work = student_changes(imp, export, uow, at, today, counts, resume, threshold, suspend)
    else:
        work = guardian_changes(imp, export, uow, at, counts, resume, threshold, suspend)
    if not resume:
        for r in work.rejections:
            imp.reject_record(r.reason, r.file, r.line, r.record_id, r.field, r.message, at)
        for a in export.set_aside:
            imp.set_aside_field(a.reason, a.file, a.line, a.record_id, a.field, a.message, at)
        imp.start_apply(at)
        uow.log.save(imp)

    def counted() -> Iterator[tuple[Any]]:
        for (agg,) in work.groups:
            for ev in agg.pending_events:
                counts[f"event_{type(ev).__name__}"] += 1
                if type(ev).__name__ in ANOMALIES:  # said by the CLI and counted in the metrics (§5)
                    counts[ANOMALIES[type(ev).__name__]] += 1
            if agg.pending_events:
                yield (agg,)

    uow.log.save_in_batches(counted(), uow.batch or BATCH)
    counts["rejected"] = len(work.rejections)
    if export.set_aside:
        counts["fields_set_aside"] = len(export.set_aside)
    imp.applied(dict(sorted(counts.items())), at)
    uow.log.save(imp)
    uow.siecle.catch_up(uow.log)
    return Result(
        "siecle",
        "applied",
        import_id=str(imp.id),
        uai=imp.uai,
        kind=imp.kind,
        counts=dict(sorted(counts.items())),
        rejections=work.rejections,
        set_aside=list(export.set_aside),
    )
