"""The SIECLE anomaly facts folded into ``siecle_anomalies`` (projections/siecle.py
registers them): a suspected overwrite of a student or guardian record, a swap of
two guardians recorded on their student. Each row's id is the anomaly's,
``anomaly_id(stream, version)`` of its fact (events/anomaly.py); ids, file and
line only, never the identity values (those stay in the log, for history)."""

from __future__ import annotations

from typing import Any

from events.anomaly import anomaly_id
from projections.schema import iso
from projections.siecle_batch import Rows


def _row(r: Rows, ev: Any, kind: str, record_kind: str, **values: Any) -> None:
    table, key = ("siecle_students", "eleve_id") if record_kind == "student" else ("siecle_guardians", "personne_id")
    record = r.need(table, (str(ev.originator_id),))
    r.put(
        "siecle_anomalies",
        {
            "anomaly_id": str(anomaly_id(ev.originator_id, ev.originator_version)),
            "kind": kind,
            "aggregate_id": str(ev.originator_id),
            "version": ev.originator_version,
            "uai": record["uai"],
            "record_kind": record_kind,
            "key": record[key],
            "others": "",
            "account_id": "",
            "score": 0.0,
            "reasons": "",
            "import_id": ev.import_id,
            "file": ev.file,
            "line": ev.line,
            "at": iso(ev.at),
            **values,
        },
    )


def overwrite(record_kind: str) -> Any:
    def handler(r: Rows, ev: Any) -> None:
        _row(
            r,
            ev,
            "suspected_overwrite",
            record_kind,
            account_id=ev.account_id,
            score=ev.score,
            reasons=",".join(ev.reasons),
        )

    return handler


def swapped(r: Rows, ev: Any) -> None:
    _row(r, ev, "guardians_swapped", "student", others=",".join(ev.personne_ids))
