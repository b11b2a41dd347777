"""Validated records of an Index Education EDT/Pronote "export ENT" in clear
XML (formats §4; codes: domain-rules §2; imports: domain-rules §7).

Idents (``@Ident``) only mean something inside one export (domain-rules §11):
records refer to each other by them. Class parts are kept because groups and
courses are made of them, but they never reach the ENT (domain-rules §2).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from adapters.errors import Rejection
from adapters.validators import optional_date, structure_code

MAX_WEEKS = 64  # @Semaines is an unsigned 64-bit mask (formats §4)
LAST_WEEK = MAX_WEEKS - 1  # week n is the value 2**n, bit 0 unused: weeks 1..63


_date = optional_date
_code = structure_code


def _required(v: str) -> str:
    if not v:
        raise PydanticCustomError("missing_field", "required value is empty")
    return v


def _optional(v: object) -> object:
    return None if v == "" else v


Date = Annotated[date, BeforeValidator(_date)]
OptionalDate = Annotated[date | None, BeforeValidator(_date)]
OptionalStr = Annotated[str | None, BeforeValidator(_optional)]
OptionalInt = Annotated[int | None, BeforeValidator(_optional)]
Code = Annotated[str, AfterValidator(_code)]
Required = Annotated[str, AfterValidator(_required)]


def weeks_of(mask: int) -> list[int]:
    """School weeks set in a ``@Semaines`` mask: week *n* is the value
    ``2 ** n`` (bit 0 unused; the exporter writes its own decoding beside each
    mask, ``Semaines="2"`` → ``<!--Domaine : [1]-->``, formats §4), counted
    from ``DatePremierJourSemaine1``. A set bit 0 is ignored."""
    return [n for n in range(1, LAST_WEEK + 1) if mask >> n & 1]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EdtHeader(_Record):
    """Root ``@UAI``/``@Version``, ``AnneeScolaire`` and ``GrilleHoraire``."""

    uai: str
    version: str = ""
    # When the export was made, when the root says so (*uncertain*: formats §4
    # names no such attribute; see the parser); None otherwise.
    exported_at: datetime | None = None
    starts_on: Date
    ends_on: Date
    first_week_day: Date  # DatePremierJourSemaine1: first day of school week 1
    places_per_day: OptionalInt = None
    place_minutes: OptionalInt = None  # DureePlace


class EdtSubject(_Record):
    ident: Required
    code: str = ""
    label: str = ""


class EdtTeacher(_Record):
    ident: Required
    family_name: Required
    given_name: str = ""
    birth_date: OptionalDate = None
    sts_id: OptionalStr = None  # IDSTS = STS INDIVIDU/@ID: the matching key
    pronote_id: OptionalStr = None  # IDPN
    cas_id: OptionalStr = None  # IDCAS
    line: int = 0


class EdtClass(_Record):
    ident: Required
    name: Code
    parts: tuple[str, ...] = ()  # PartieDeClasse idents: never sent to the ENT
    line: int = 0


class EdtGroup(_Record):
    """A group, made of whole classes and/or class parts."""

    ident: Required
    name: Code
    classes: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    line: int = 0


class EdtGuardian(_Record):
    resp_legal: OptionalInt = None  # 1 or 2
    family_name: str = ""
    given_name: str = ""


class EdtStudent(_Record):
    ident: Required
    family_name: Required
    given_name: str = ""
    birth_date: OptionalDate = None
    sex: str = ""
    ine: OptionalStr = None  # NumeroNational
    eleve_id: OptionalStr = None  # IDSconet = SIECLE ELEVE_ID
    class_ident: OptionalStr = None
    parts: tuple[str, ...] = ()
    guardians: tuple[EdtGuardian, ...] = ()
    line: int = 0


class EdtCourse(_Record):
    """One ``Cours/Cours``: a weekly slot and who/what it involves, by ident.
    A course holding only a subject is valid (formats §4) and involves nobody:
    its ``weeks`` is 0. ``cancelled`` and ``included`` are the unions of the
    ``@SemainesAnnulation`` and ``@SemainesInclusion`` masks of the course and
    its children; ``replacing`` the teachers that carry ``@SemainesInclusion``."""

    day: int = Field(ge=1, le=7)  # 1 = Monday
    start_place: int = Field(ge=0)
    places: int = Field(ge=1)
    subject: str | None = None
    teachers: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    weeks: int = Field(ge=0, lt=1 << MAX_WEEKS)
    cancelled: int = Field(default=0, ge=0, lt=1 << MAX_WEEKS)
    included: int = Field(default=0, ge=0, lt=1 << MAX_WEEKS)
    replacing: tuple[str, ...] = ()
    line: int = 0

    @property
    def subject_only(self) -> bool:
        return not (self.teachers or self.classes or self.parts or self.groups)


class EdtRefs(_Record):
    """What could be read of a course set aside: the idents it names, so that
    what earlier imports applied for it can be kept (domain-rules §12)."""

    line: int = 0
    subject: str | None = None
    teachers: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


class EdtSetAside(_Record):
    """Which records of each kind were set aside, by ident (courses by what
    they name): the input of "apply what can be applied" (domain-rules §12)."""

    teachers: tuple[str, ...] = ()
    students: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    courses: tuple[EdtRefs, ...] = ()
    names: dict[str, str] = {}  # class or group ident → its name as written (a code, not personal data)


class EdtExport(_Record):
    """What one timetable export holds, plus the records set aside.
    ``read`` counts the records of each kind in the file (set aside
    included); ``subject_only`` the courses holding only a subject and
    ``ignored_parts`` the references to class parts no class declares —
    neither is an error (formats §4)."""

    header: EdtHeader
    subjects: tuple[EdtSubject, ...] = ()
    teachers: tuple[EdtTeacher, ...] = ()
    classes: tuple[EdtClass, ...] = ()
    groups: tuple[EdtGroup, ...] = ()
    students: tuple[EdtStudent, ...] = ()
    courses: tuple[EdtCourse, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    set_aside: EdtSetAside = EdtSetAside()
    read: dict[str, int] = {}
    subject_only: int = 0
    ignored_parts: int = 0

    def weeks_of(self, course: EdtCourse) -> list[int]:
        """The school weeks (1..63) in which ``course`` takes place."""
        return weeks_of(course.weeks)

    def students_of_group(self, group: EdtGroup) -> tuple[EdtStudent, ...]:
        """Students of the group's whole classes or of its class parts: how a
        group made of parts gets its members (domain-rules §2, option 2)."""
        classes, parts = set(group.classes), set(group.parts)
        return tuple(s for s in self.students if s.class_ident in classes or parts.intersection(s.parts))
