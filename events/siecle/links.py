"""A student's guardian links as an export has them (BEE_RESPONSABLES), the
command ``Student.record_links`` (a function bound as the aggregate's method,
as events/siecle/correlation.py does, to keep the aggregate's module short)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from events.siecle_rules import LINK_FIELDS, changes

if TYPE_CHECKING:
    from events.siecle.student import Student


def record_links(
    student: Student,
    links: dict[str, dict[str, Any]],
    links_digest: str,
    import_id: str,
    at: datetime,
    keep: frozenset[str] = frozenset(),
) -> None:
    """The student's links as this export has them. Links to the persons
    in ``keep`` (rejected in this export) are left as they were."""
    for pid in sorted(set(student.links) - set(links) - keep):
        student.trigger_event(
            student.GuardianUnlinked,
            personne_id=pid,
            level=student.links[pid]["level"],
            links_digest=links_digest,
            import_id=import_id,
            at=at,
        )
    for pid in sorted(links):
        old, new = student.links.get(pid), links[pid]
        if old is None:
            student.trigger_event(
                student.GuardianLinked,
                personne_id=pid,
                level=new["level"],
                kinship=new["kinship"],
                pays_fees=new["pays_fees"],
                priority_contact=new["priority_contact"],
                links_digest=links_digest,
                import_id=import_id,
                at=at,
            )
        elif diff := changes(old, new, LINK_FIELDS):
            student.trigger_event(
                student.GuardianLinkChanged,
                personne_id=pid,
                changes=diff,
                links_digest=links_digest,
                import_id=import_id,
                at=at,
            )
