"""What a record of the AAF enrols a person in, and when a later record is
a new enrolment (domain-rules §11: only a new enrolment cancels a departure
declared by SIECLE)."""

from __future__ import annotations

from events.derive import memberships, structures


def enrolment(category: str, attrs: dict[str, list[str]]) -> dict[str, list[str]]:
    """Structures and classes a record enrols the person in (the evidence that
    a later record is a new enrolment)."""
    return {
        "structures": sorted(structures(category, attrs)),
        "classes": sorted(f"{sj}${code}" for sj, kind, code in memberships(category, attrs) if kind == "class"),
    }


def new_enrolment(before: dict[str, list[str]], after: dict[str, list[str]]) -> bool:
    """Another structure, or another class (domain-rules §11: only a new
    enrolment cancels a declared departure)."""
    return bool(set(after["structures"]) - set(before["structures"])) or bool(
        set(after["classes"]) - set(before["classes"])
    )
