"""Two guardians of one child who exchanged identities (domain-rules §5, §11):
guardians 1 and 2 retyped instead of re-ordered. Each record, judged alone,
looks overwritten; judged crosswise, each now describes the person the other
described. One anomaly for the pair, not two suspected overwrites. Pure: the
SIECLE apply (``PERSONNE_ID``s) and the AAF apply (jointures) feed it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from events.identity_rules import Identity, identity_verdict


@dataclass(frozen=True)
class Swap:
    first: str  # the smaller key of the pair
    second: str
    group: str  # what they share: the child (its key)


def swapped_pairs(
    changed: Mapping[str, tuple[Identity, Identity]],
    groups: Mapping[str, Iterable[str]],
    threshold: float,
) -> list[Swap]:
    """The pairs of ``changed`` records (key → (before, after)) of one group
    (child → its guardians' keys) whose identities were exchanged: each one's
    change alone is another person, and each one's new identity is the
    other's old one ("same person" verdicts crosswise). A record is in one
    pair at most; a pair shared by several children is named once, by its
    first child."""
    found: list[Swap] = []
    paired: set[str] = set()
    for group in sorted(groups):
        members = sorted({k for k in groups[group] if k in changed})
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a in paired or b in paired:
                    continue
                (a0, a1), (b0, b1) = changed[a], changed[b]
                if not (
                    identity_verdict(a0, a1, threshold).overwrite and identity_verdict(b0, b1, threshold).overwrite
                ):
                    continue
                if identity_verdict(b0, a1, threshold).overwrite or identity_verdict(a0, b1, threshold).overwrite:
                    continue
                paired |= {a, b}
                found.append(Swap(a, b, group))
    return found
