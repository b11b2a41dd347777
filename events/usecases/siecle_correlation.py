"""SIECLE records correlated with the directory's accounts (domain-rules §11).

``events/siecle_rules.py`` decides from candidates; this gathers them
through ``CorrelationQueries``: for a student, the student accounts of the
establishment's structures, then, for the records still without account,
every student account by INE; for a guardian, the PersRelEleve account whose
jointure is the PERSONNE_ID, else the guardian accounts of the person's
students' linked accounts, by name. Removed and deactivated accounts are
never candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from events.rules import normalised_identity
from events.siecle_rules import Candidate, Correlation, correlate_guardian, correlate_student, guardian_names

# Accounts a SIECLE record is never linked to: gone for good, or a corrected duplicate.
UNLINKABLE_STATES = ("removed", "deactivated")


@dataclass(frozen=True)
class StudentAccount:
    """A student account as the correlation sees it (directory read model)."""

    account_id: str
    jointure: str
    state: str
    eleve_id: str  # ENTEleveStructRattachId
    ine: str  # ENTEleveINE
    structures: tuple[str, ...]  # ENTPersonStructRattach


@dataclass(frozen=True)
class GuardianAccount:
    """A PersRelEleve account with the names it is found by."""

    account_id: str
    jointure: str
    state: str
    family_name: str  # sn
    given_name: str  # givenName


@dataclass(frozen=True)
class GuardianLink:
    """An AAF link from a student's account to a guardian's jointure."""

    student_account_id: str
    guardian_jointure: str


class CorrelationQueries(Protocol):
    """The read-model queries of the correlation (projections/siecle_queries.py)."""

    def structure_uais(self) -> dict[str, str]:
        """Structure jointure → UAI."""

    def student_accounts_in(self, structures: Sequence[str]) -> list[StudentAccount]:
        """The student accounts attached to any of these structures, each once."""

    def student_accounts(self) -> Iterable[StudentAccount]:
        """Every student account."""

    def guardian_accounts(self, jointures: Sequence[str]) -> list[GuardianAccount]:
        """The PersRelEleve accounts of these jointures."""

    def linked_students(self, uai: str) -> dict[str, str]:
        """ELEVE_ID → account id of the establishment's student records linked to an account."""

    def guardian_links(self, student_account_ids: Sequence[str]) -> list[GuardianLink]:
        """The AAF guardian links of these students' accounts."""


class CorrelationWork(Protocol):
    @property
    def siecle_queries(self) -> CorrelationQueries: ...


def _linkable(state: str) -> bool:
    return state not in UNLINKABLE_STATES


def _candidate(account: StudentAccount, uai_of: Mapping[str, str]) -> Candidate:
    return Candidate(
        account_id=account.account_id,
        jointure=account.jointure,
        eleve_id=account.eleve_id,
        ine=account.ine,
        uais=frozenset(uai_of.get(sj, "") for sj in account.structures),
    )


def student_correlations(uow: CorrelationWork, uai: str, ines: Mapping[str, str]) -> dict[str, Correlation]:
    """ELEVE_ID → correlation (domain-rules §11), for the records of ``uai``
    given with their INE: first the student accounts of the establishment's
    structures, then, for the records still without account, every student
    account by INE."""
    q = uow.siecle_queries
    uai_of = q.structure_uais()
    local = [
        _candidate(a, uai_of)
        for a in q.student_accounts_in([sj for sj, u in uai_of.items() if u == uai])
        if _linkable(a.state)
    ]
    by_eid: dict[str, list[Candidate]] = defaultdict(list)
    by_ine: dict[str, list[Candidate]] = defaultdict(list)
    for c in local:
        by_eid[c.eleve_id].append(c)
        by_ine[c.ine].append(c)
    out = {eid: correlate_student(uai, eid, ine, by_eid.get(eid, ()), by_ine.get(ine, ())) for eid, ine in ines.items()}
    missing = {eid: ines[eid] for eid, c in out.items() if not c.resolved and c.reason == "no_account" and ines[eid]}
    if missing:
        wanted = set(missing.values())
        anywhere: dict[str, list[Candidate]] = defaultdict(list)
        for a in q.student_accounts():
            if a.ine in wanted and _linkable(a.state):
                anywhere[a.ine].append(_candidate(a, uai_of))
        for eid, ine in missing.items():
            out[eid] = correlate_student(uai, eid, ine, (), anywhere.get(ine, ()))
    return out


def guardian_correlations(
    uow: CorrelationWork,
    uai: str,
    persons: Mapping[str, Mapping[str, Any]],
    students_of: Mapping[str, Sequence[str]],
    linking: Mapping[str, str] | None = None,
) -> dict[str, Correlation]:
    """PERSONNE_ID → correlation (domain-rules §11): the PersRelEleve account
    whose jointure is the PERSONNE_ID, else by name among the guardian
    accounts of the person's students' linked accounts. ``persons``: the
    person's recorded values; ``students_of``: the ELEVE_IDs of its students;
    ``linking``: ELEVE_ID → account of student links decided but not recorded
    yet (the relink's, or what its dry run would record)."""
    q = uow.siecle_queries
    pids = sorted(persons)
    by_jointure = {
        a.jointure: Candidate(account_id=a.account_id, jointure=a.jointure)
        for a in q.guardian_accounts(pids)
        if _linkable(a.state)
    }
    rest = [p for p in pids if p not in by_jointure]
    guardians_of: dict[str, list[Candidate]] = defaultdict(list)  # student ELEVE_ID → guardian accounts
    if rest:
        account_of = {**q.linked_students(uai), **(linking or {})}
        eids = sorted({e for p in rest for e in students_of.get(p, []) if e in account_of})
        student_of_account = {account_of[e]: e for e in eids}
        links = q.guardian_links(sorted(student_of_account))
        accounts = {
            a.jointure: Candidate(
                account_id=a.account_id, jointure=a.jointure, name=normalised_identity(a.family_name, a.given_name)
            )
            for a in q.guardian_accounts(sorted({lk.guardian_jointure for lk in links}))
            if _linkable(a.state)
        }
        for lk in links:
            if lk.guardian_jointure in accounts:
                guardians_of[student_of_account[lk.student_account_id]].append(accounts[lk.guardian_jointure])
    return {
        pid: correlate_guardian(
            pid,
            guardian_names(persons[pid]),
            by_jointure.get(pid),
            [c for e in students_of.get(pid, []) for c in guardians_of.get(e, [])],
        )
        for pid in pids
    }
