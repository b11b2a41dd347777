"""The académie as data: establishments with their classes and groups, and
the people of one establishment at one date."""

from __future__ import annotations

from dataclasses import dataclass, field

from .nomenclature import KIND_TYPE, Stream


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    label: str
    stream: Stream


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    label: str
    classes: tuple[str, ...]
    subject: str
    family: str


@dataclass(frozen=True, slots=True)
class Etab:
    index: int
    sj: str
    uai: str
    kind: str
    contract: str
    name: str
    street: str
    postal_code: str
    city: str
    dept: str
    phone: str
    n_students: int
    divisions: tuple[Division, ...]
    groups: tuple[Group, ...]
    n_duplicates: int = 0
    n_typos: int = 0
    n_teacher_moves: int = 0

    @property
    def type_struct(self) -> str:
        return KIND_TYPE[self.kind]


@dataclass(frozen=True, slots=True)
class Academie:
    seed: int
    n_students: int
    school_year: int
    name: str
    mail_domain: str
    depts: dict
    etabs: tuple[Etab, ...]

    def mefs(self) -> list[tuple[str, str]]:
        """(ENTMefJointure, label) of every stream used, in first-use order."""
        seen: dict[str, str] = {}
        for e in self.etabs:
            for d in e.divisions:
                seen.setdefault(d.stream.mef, d.stream.mef_label)
        return list(seen.items())


@dataclass(slots=True)
class Student:
    jointure: str
    eleve_id: str
    ine: str
    title: str
    sn: str
    given: str
    other_given: tuple[str, ...]
    patro: str
    birth: str
    division: str
    groups: tuple[str, ...]
    stream: Stream
    statut: str
    boursier: str
    regime: str
    rels: tuple[tuple[str, str, str, str, str, str], ...]  # relId, lien, fin, legal, contact, paiement


@dataclass(slots=True)
class Guardian:
    jointure: str
    title: str
    sn: str
    given: str
    patro: str
    home: str
    work: str
    mobile: str
    mail: str
    address: tuple[str, ...]
    postal: str
    city: str
    country: str


@dataclass(slots=True)
class Staff:
    jointure: str
    title: str
    sn: str
    given: str
    patro: str
    birth: str
    mail: str
    rattach: str
    functions: tuple[tuple[str, str, str, str, str], ...]  # SJ, code, label, discipline code, label
    teacher: bool
    presence: str
    services: tuple[tuple[str, str, bool, str], ...]  # SJ, class/group code, is_group, subject
    principal: tuple[tuple[str, str], ...]  # SJ, class code
    sts_id: str


@dataclass(slots=True)
class Population:
    """The people of one establishment at one date."""

    etab: Etab
    students: list[Student]
    guardians: list[Guardian]
    staff: list[Staff]
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (kept, typed twice)
    couples: list[str] = field(default_factory=list)
    typos: dict[str, tuple[str, str]] = field(default_factory=dict)  # guardian -> correct (sn, patro)

    def teachers_by_service(self) -> dict[tuple[str, str], list[Staff]]:
        """(class or group code, subject) -> teachers of the establishment, in staff order."""
        sj = self.etab.sj
        out: dict[tuple[str, str], list[Staff]] = {}
        for p in self.staff:
            if p.functions[0][1] != "ENS":
                continue
            for s_j, code, _is_group, subject in p.services:
                if s_j == sj:
                    out.setdefault((code, subject), []).append(p)
        return out
