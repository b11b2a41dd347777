"""``guardian_swaps``: the AAF deliveries' guardian accounts that exchanged
identities (``Delivery.GuardiansSwapped``, events/usecases/aaf_swaps.py), one
row per anomaly, its id ``anomaly_id(delivery stream, version)``."""

from __future__ import annotations

from typing import Any

from events.anomaly import anomaly_id
from projections.directory_batch import Batch
from projections.schema import iso


def guardian_swapped(b: Batch, ev: Any) -> None:
    # Written in the batch's transaction; a replay of the same fact writes the same row.
    b.db.execute(
        f"INSERT INTO {b.p}guardian_swaps VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (anomaly_id) DO NOTHING",
        (
            str(anomaly_id(ev.originator_id, ev.originator_version)),
            str(ev.originator_id),
            ev.originator_version,
            ",".join(ev.jointures),
            ev.child,
            ev.file,
            ev.line,
            iso(ev.at),
        ),
    )
