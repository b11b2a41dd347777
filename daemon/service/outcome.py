"""What became of an inbox item, and the files that say so beside it: the
report (``.report.json``) and, for a timetable import, the establishment's
bilan in French (``.report.txt``)."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from events.clock import Clock
from events.timetable.labels import bilan_title, report_text


@dataclass
class Outcome:
    """What became of one inbox item."""

    source: str  # aaf | siecle | sts | timetable | unknown (the metrics' source label)
    kind: str  # what adapters/sniff.py recognised
    outcome: str  # applied | applied_with_rejections | held | awaiting_validation | rejected | duplicate
    reason: str = ""
    uai: str = ""
    report: dict[str, Any] = field(default_factory=dict)
    bilan: str | None = None  # the French report of a timetable import
    rejected_records: Counter[str] = field(default_factory=Counter)

    @property
    def accepted(self) -> bool:
        return self.outcome in ("applied", "applied_with_rejections", "held", "awaiting_validation")


def _when(iso: str | None, tz: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y à %H:%M") if iso else ""


def bilan(row: dict[str, Any], tz: str) -> str:
    """The establishment's report (bilan, seed 004) in French: counts and
    codes, no person named."""
    title = bilan_title(row["status"])
    head = [
        f"Établissement : {row['uai'] or '(inconnu)'}",
        f"Fichier : {row['file']}",
        f"Reçu le : {_when(row['received_at'], tz)}",
        f"Statut : {row['label']}",
    ]
    body = report_text(title, dict(row["report"])) if row["report"] else title
    return body + "\n\n" + "\n".join(head) + "\n"


def file_away(path: Path, dest_dir: Path, outcome: Outcome, seconds: float, clock: Clock) -> Path:
    """Report beside the item, then the item moved into ``dest_dir``; where
    it went. A crash in between leaves the item in the inbox (processed
    again: nothing lost) and at most a hidden temporary report."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    target = dest_dir / f"{stamp}-{path.name}"
    n = 1
    while target.exists() or Path(f"{target}.report.json").exists():
        n += 1
        target = dest_dir / f"{stamp}-{n}-{path.name}"
    report = {
        "item": path.name,
        "kind": outcome.kind,
        "source": outcome.source,
        "outcome": outcome.outcome,
        "reason": outcome.reason,
        "uai": outcome.uai,
        "seconds": round(seconds, 3),
        "finished_at": clock.now().isoformat(),
        "moved_to": f"{dest_dir.name}/{target.name}",
        **{k: v for k, v in outcome.report.items() if k not in ("item", "kind", "source", "outcome")},
    }
    writes = [(Path(f"{target}.report.json"), json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")]
    if outcome.bilan is not None:
        writes.append((Path(f"{target}.report.txt"), outcome.bilan))
    temps = []
    for final, text in writes:
        tmp = final.with_name(f".{final.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        temps.append((tmp, final))
    os.rename(path, target)
    for tmp, final in temps:
        os.replace(tmp, final)
    return target
