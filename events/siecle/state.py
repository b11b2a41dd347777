"""What each SIECLE fact does to its record's state (the mutators of
``Student`` and ``Guardian``, called by their ``Event.apply``). They run when a
command records a fact and again on every replay, so they decide nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.siecle.identity import GUARDIAN_IDENTITY, identity_values

if TYPE_CHECKING:
    from events.siecle.guardian import Guardian
    from events.siecle.student import Student


def student(record: Student, fact: Student.Event) -> None:
    """The student after ``fact`` (Enrolled sets the first state in ``__init__``)."""
    # The facts are the aggregate's nested classes, taken from it: this module
    # is imported by events.siecle.student and does not import it back.
    facts = type(record)
    match fact:
        case facts.Changed():
            for name, change in fact.changes.items():
                record.attrs[name] = change["after"]
            record.digest = fact.digest
        case facts.LeavingDateSet():
            record.attrs["left_on"], record.attrs["leaving_reason"] = fact.left_on, fact.reason
            record.digest = fact.digest
        case facts.LeavingDateCleared():
            record.attrs["left_on"], record.attrs["leaving_reason"] = "", ""
            record.digest = fact.digest
        case facts.Unenrolled():
            record.enrolled = False
        case facts.Reenrolled():
            record.enrolled = True
            record.attrs = {
                **fact.attrs,
                "left_on": record.attrs.get("left_on", ""),
                "leaving_reason": record.attrs.get("leaving_reason", ""),
            }
            record.digest = fact.digest
        case facts.GuardianLinked():
            record.links[fact.personne_id] = {
                "level": fact.level,
                "kinship": fact.kinship,
                "pays_fees": fact.pays_fees,
                "priority_contact": fact.priority_contact,
            }
            record.links_digest = fact.links_digest
        case facts.GuardianLinkChanged():
            for name, change in fact.changes.items():
                record.links[fact.personne_id][name] = change["after"]
            record.links_digest = fact.links_digest
        case facts.GuardianUnlinked():
            record.links.pop(fact.personne_id, None)
            record.links_digest = fact.links_digest
        case facts.AccountLinked():
            record.account_id, record.rule, record.unresolved = fact.account_id, fact.rule, None
        case facts.LinkUnresolved():
            record.account_id, record.rule, record.unresolved = "", fact.rule, fact.reason
        case facts.OverwriteSuspected():
            record.first_identity = dict(fact.after)  # flagged once: the new holder's identity from now on
            record.suspected[fact.originator_version] = fact.account_id


def guardian(record: Guardian, fact: Guardian.Event) -> None:
    """The guardian after ``fact`` (Appeared sets the first state in ``__init__``)."""
    facts = type(record)  # as for the student
    match fact:
        case facts.Changed():
            for name, change in fact.changes.items():
                record.attrs[name] = change["after"]
            record.digest = fact.digest
        case facts.Withdrawn():
            record.present = False
        case facts.Reappeared():
            record.present = True
            record.attrs, record.digest = dict(fact.attrs), fact.digest
        case facts.AccountLinked():
            record.account_id, record.rule, record.unresolved = fact.account_id, fact.rule, None
        case facts.LinkUnresolved():
            record.account_id, record.rule, record.unresolved = "", fact.rule, fact.reason
        case facts.OverwriteSuspected():
            record.first_identity = dict(fact.after)
            record.suspected[fact.originator_version] = fact.account_id
        case facts.Swapped():
            record.first_identity = identity_values(record.attrs, GUARDIAN_IDENTITY)
