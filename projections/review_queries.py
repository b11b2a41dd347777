"""The read-model queries of an operator's decision on an anomaly
(events/usecases/anomaly_review.py): the anomalies an id or a prefix names,
with their decision. The suspected overwrites are the ``overwrites`` rows,
whose ids are computed from their stream and version (events/anomaly.py);
the decisions are ``anomaly_reviews`` (projections/directory_reviews.py)."""

from __future__ import annotations

from datetime import datetime

from events.anomaly import anomaly_id
from events.usecases.anomaly_review import Reviewable
from projections import duplicate_candidates
from projections.db import Database
from projections.identity_anomaly_listing import siecle_reviewables


class ReviewQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    def anomalies(self, prefix: str) -> list[Reviewable]:
        """The anomalies whose id (hex, without dashes) starts with ``prefix``."""
        decided = {
            r["anomaly_id"]: r
            for r in self.db.query_dicts("SELECT anomaly_id, status, author, decided_at FROM anomaly_reviews")
        }
        out = []
        for r in self.db.query_dicts(
            "SELECT account_id, version, delivery_id, file, line, at FROM overwrites ORDER BY account_id, version"
        ):
            aid = str(anomaly_id(r["account_id"], r["version"]))
            if not aid.replace("-", "").startswith(prefix):
                continue
            review = decided.get(aid, {})
            out.append(
                Reviewable(
                    anomaly_id=aid,
                    kind="suspected_overwrite",
                    subject=(r["account_id"], str(r["version"])),
                    status=review.get("status", "open"),
                    decided_by=review.get("author", ""),
                    delivery_id=r["delivery_id"],
                    file=r["file"],
                    line=r["line"],
                    at=datetime.fromisoformat(r["at"]),
                )
            )
        # SIECLE overwrites and swaps (issue 15); the scored pairs (projections/duplicate_candidates.py): computed, not recorded.
        return out + siecle_reviewables(self.db, prefix, decided) + duplicate_candidates.reviewables(self.db, prefix)

    def decisions(self) -> dict[str, str]:
        """anomaly id → status of every anomaly under review."""
        return dict(self.db.query("SELECT anomaly_id, status FROM anomaly_reviews"))
