"""What an AAF ingest answers: the CLI, the inbox and the Kafka consumer
turn it into their output and exit code (issue 11: one result type for
every source is a later step)."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.errors import Rejection, SetAside


class IngestRefused(Exception):
    """The ingest cannot start (another delivery interrupted, time backwards)."""


@dataclass
class IngestResult:
    delivery_id: str
    status: str  # applied | held | waiting | rejected | already-<status>
    reason: str = ""
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    # Fields of kept records set aside for implausible values (domain-rules §12).
    set_aside: list[SetAside] = field(default_factory=list)
    # The deltas that waited behind this delivery, decided once it was released.
    followed: list[IngestResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 applied, 2 rejected, held or waiting, 3 applied with some records rejected."""
        if self.status in ("applied", "already-applied"):
            return 3 if self.rejections and self.status == "applied" else 0
        return 2
