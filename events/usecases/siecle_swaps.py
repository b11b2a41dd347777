"""Guardians of one student who exchanged identities in one SIECLE import
(domain-rules §5, §11), found before the import records anything: the
changed guardians who share a student with another changed guardian are
loaded (the few a swap may involve) and their identities before and after
judged crosswise by events/identity_swaps.py. A swap is recorded once, on
the student (``GuardiansSwapped``), and each guardian of the pair records
``Swapped`` instead of a suspected overwrite."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from events.identity_swaps import Swap, swapped_pairs
from events.siecle.guardian import Guardian
from events.siecle.identity import GUARDIAN_IDENTITY, identity, identity_values
from events.siecle.ids import guardian_id
from events.usecases.ports import EventLog


@dataclass
class Swaps:
    loaded: dict[str, Guardian] = field(default_factory=dict)  # PERSONNE_ID → the guardian, loaded once
    partner: dict[str, tuple[str, str]] = field(default_factory=dict)  # PERSONNE_ID → (the other, ELEVE_ID)
    by_student: dict[str, list[Swap]] = field(default_factory=dict)  # ELEVE_ID → its swaps


def guardian_swaps(
    log: EventLog,
    uai: str,
    changed: Iterable[str],
    values: Mapping[str, Mapping[str, Any]],
    links: Mapping[str, Mapping[str, Any]],
    threshold: float | None,
) -> Swaps:
    """The swaps among the ``changed`` guardians (their new ``values``) of
    each student (``links``: ELEVE_ID → PERSONNE_ID → link in this export)."""
    found = Swaps()
    if threshold is None:
        return found
    moved = set(changed)
    groups = {eid: [p for p in persons if p in moved] for eid, persons in links.items()}
    groups = {eid: persons for eid, persons in groups.items() if len(persons) > 1}
    for pid in sorted({p for persons in groups.values() for p in persons}):
        found.loaded[pid] = log.get(guardian_id(uai, pid))
    judged = {
        pid: (
            identity(identity_values(g.attrs, GUARDIAN_IDENTITY)),
            identity(identity_values(values[pid], GUARDIAN_IDENTITY)),
        )
        for pid, g in found.loaded.items()
        if g.present
    }
    for swap in swapped_pairs(judged, groups, threshold):
        found.partner[swap.first] = (swap.second, swap.group)
        found.partner[swap.second] = (swap.first, swap.group)
        found.by_student.setdefault(swap.group, []).append(swap)
    return found
