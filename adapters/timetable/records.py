"""Validated records of an Index Education EDT/Pronote "export ENT" in clear
XML (formats §4; codes: domain-rules §2; imports: domain-rules §7).

Idents (``@Ident``) only mean something inside one export (domain-rules §11):
records refer to each other by them. Class parts are kept because groups and
courses are made of them, but they never reach the ENT (domain-rules §2).
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from adapters.errors import Rejection
from adapters.validators import optional_date, structure_code

MAX_WEEKS = 64  # @Semaines is an unsigned 64-bit mask (formats §4)


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


def end_date_limit(starts_on: date) -> date:
    """15 July of the school year's second calendar year (domain-rules §7):
    a later end would empty classes while students sit resit exams. The
    school year is the one that starts on ``starts_on`` (a start before July
    belongs to the year that began the previous autumn)."""
    first_year = starts_on.year if starts_on.month >= 7 else starts_on.year - 1
    return date(first_year + 1, 7, 15)


def weeks_of(mask: int) -> list[int]:
    """School weeks (1-based) set in a ``@Semaines`` mask: bit *i* (1-based,
    i.e. value ``1 << (i - 1)``) is week *i* counted from
    ``DatePremierJourSemaine1`` (formats §4)."""
    return [i for i in range(1, MAX_WEEKS + 1) if mask >> (i - 1) & 1]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EdtHeader(_Record):
    """Root ``@UAI``/``@Version``, ``AnneeScolaire`` and ``GrilleHoraire``."""

    uai: str
    version: str = ""
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
    """One ``Cours/Cours``: a weekly slot and who/what it involves, by ident."""

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
    line: int = 0


class EdtExport(_Record):
    """What one timetable export holds, plus the records set aside."""

    header: EdtHeader
    subjects: tuple[EdtSubject, ...] = ()
    teachers: tuple[EdtTeacher, ...] = ()
    classes: tuple[EdtClass, ...] = ()
    groups: tuple[EdtGroup, ...] = ()
    students: tuple[EdtStudent, ...] = ()
    courses: tuple[EdtCourse, ...] = ()
    rejections: tuple[Rejection, ...] = ()

    def weeks_of(self, course: EdtCourse) -> list[int]:
        """The school weeks (1..64) in which ``course`` takes place."""
        return weeks_of(course.weeks)

    def students_of_group(self, group: EdtGroup) -> tuple[EdtStudent, ...]:
        """Students of the group's whole classes or of its class parts: how a
        group made of parts gets its members (domain-rules §2, option 2)."""
        classes, parts = set(group.classes), set(group.parts)
        return tuple(s for s in self.students if s.class_ident in classes or parts.intersection(s.parts))
