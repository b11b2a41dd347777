"""The directory projection's folding of the source records that are not
people (projections/directory.py): structures and nomenclatures (subjects,
MEFs) with their change-detection row, and where each establishment's
groups get their members."""

from __future__ import annotations

from typing import Any

from events import derive
from events.structure import SourceRecord
from projections.directory_batch import Batch
from projections.schema import iso


def _record_of(b: Batch, aggregate_id: str) -> dict:
    """The records row of a structure or nomenclature stream."""
    rec = next((r for r in b.rows["records"].values() if r["aggregate_id"] == aggregate_id), None)
    if rec is None:
        found = b.db.query_dicts(f"SELECT * FROM {b.p}records WHERE aggregate_id = ?", (aggregate_id,))
        if not found:
            raise LookupError(f"event for unknown record {aggregate_id}")
        rec = found[0]
        b.put("records", rec["key"], rec)
    return rec


def record_appeared(b: Batch, ev: Any) -> None:
    if ev.topic == SourceRecord.Appeared.TOPIC:
        cat, jointure = ev.category, ev.jointure
    else:  # Changed carries no category: the records row has it
        rec = _record_of(b, str(ev.originator_id))
        cat, jointure = rec["category"], rec["jointure"]
    attrs = ev.attrs
    if cat == "EtabEducNat":
        b.put(
            "structures",
            jointure,
            {
                "jointure": jointure,
                "uai": derive.first(attrs, "ENTStructureUAI"),
                "name": derive.first(attrs, "ENTStructureNomCourant"),
                "type": derive.first(attrs, "ENTStructureTypeStruct"),
                "contract": derive.first(attrs, "ENTEtablissementContrat"),
                "present": 1,
                "classes": derive.dumps([v.split("$")[0] for v in attrs.get("ENTStructureClasses", [])]),
                "groups": derive.dumps([v.split("$")[0] for v in attrs.get("ENTStructureGroupes", [])]),
            },
        )
    else:
        label = derive.first(attrs, "ENTLibelleMatiere" if cat == "MatiereEducNat" else "ENTLibelleMef")
        b.put("nomenclatures", (cat, jointure), {"category": cat, "jointure": jointure, "label": label, "present": 1})
    b.put(
        "records",
        f"{cat}:{jointure}",
        {
            "key": f"{cat}:{jointure}",
            "category": cat,
            "aggregate_id": str(ev.originator_id),
            "jointure": jointure,
            "digest": ev.digest,
            "present": 1,
        },
    )


def record_closed(b: Batch, ev: SourceRecord.Closed) -> None:
    rec = _record_of(b, str(ev.originator_id))
    rec["present"] = 0
    if rec["category"] == "EtabEducNat":
        row = b.load("structures", rec["jointure"])
        if row is not None:
            row["present"] = 0
    else:
        row = b.load("nomenclatures", (rec["category"], rec["jointure"]))
        if row is not None:
            row["present"] = 0


def group_source_chosen(b: Batch, ev: Any) -> None:
    sid = str(ev.originator_id)
    row = b.load("group_sources", sid) or {"stream_id": sid, "uai": getattr(ev, "uai", "")}
    row.update(source=ev.source, operator=ev.operator, at=iso(ev.at))
    b.put("group_sources", sid, row)
