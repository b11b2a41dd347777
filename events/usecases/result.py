"""What an import answers, whichever its source (issue 11: one result type):
the AAF ingest and its operator's release, the SIECLE import and its
release or reject, the timetable and STS-web imports and their operator's
commands. The CLI prints it (``as_dict`` with ``--json``, and its exit code),
the inbox writes it in its report and the Kafka consumer logs and counts it.

One flat type rather than a common core and a typed detail per source: the
three share their status, reason, message, counts, rejected records and
fields set aside; what is one source's own (the delivery's id and the
deltas that followed it, an import's id, establishment, kind or file, the
timetable thresholds' details) is an optional field left empty by the
others, and ``KEYS`` says which fields each source shows. Nothing of it is
stored: the facts are the events.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal

from adapters.errors import Rejection, SetAside

Intake = Literal["aaf", "siecle", "timetable"]

# What each source's answer shows, in this order (the CLI's --json output and
# the inbox's report): the STS-web and timetable imports do not list the
# records their reader set aside (their import's detail does), the AAF
# ingest lists its fields set aside under `entsync anomalies` only.
KEYS: dict[Intake, tuple[str, ...]] = {
    "aaf": ("delivery_id", "status", "reason", "message", "counts", "rejections"),
    "siecle": ("import_id", "status", "reason", "message", "uai", "kind", "counts", "rejections", "set_aside"),
    "timetable": ("import_id", "status", "uai", "file", "reason", "message", "counts", "details"),
}


@dataclass
class Result:
    """What became of one file (or one operator's decision on it)."""

    intake: Intake  # the use case that answered (events/usecases/intake.py)
    # applied | held | waiting | awaiting_validation | rejected | cancelled |
    # already-<status> (the same AAF delivery or timetable file again)
    status: str
    _: KW_ONLY
    delivery_id: str = ""  # AAF; "" for a path that holds no AAF delivery at all
    import_id: str = ""  # SIECLE, STS-web and timetable
    reason: str = ""
    message: str = ""
    uai: str = ""  # SIECLE, STS-web and timetable: the establishment
    kind: str = ""  # SIECLE: eleves | responsables
    file: str = ""  # STS-web and timetable: the file's name
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # STS-web and timetable: thresholds, line, copies
    rejections: list[Rejection] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)  # fields of kept records (domain-rules §12)
    followed: list[Result] = field(default_factory=list)  # AAF: the deltas decided once a held one was released

    @property
    def exit_code(self) -> int:
        """The exit code of `entsync` (README): 0 applied, or already applied
        (the same file again: nothing to do); 3 applied with some records
        rejected; 2 anything else — rejected, held, waiting, awaiting
        validation, cancelled: nothing applied yet."""
        if self.status == "applied":
            return 3 if self.rejections else 0
        return 0 if self.status == "already-applied" else 2

    def as_dict(self, *keys: str) -> dict[str, Any]:
        """The source's fields (``KEYS``) in their order, or only ``keys``;
        rejected records and fields set aside as dicts."""
        return {k: _plain(getattr(self, k)) for k in keys or KEYS[self.intake]}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [dict(v.__dict__) if isinstance(v, Rejection | SetAside) else v for v in value]
    return value
