"""Validated records of an STS-web export ``sts_emp_<UAI>_<year>.xml``
(formats §3; codes: domain-rules §2).

Each failure is a pydantic error whose type is the rejection reason
(``invalid_code``, ``invalid_date``, ``missing_field``…) and whose message
never quotes the value: the parser turns it into a Rejection naming the XML
field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from adapters.errors import Rejection
from adapters.validators import optional_date, structure_code

TEACHER_FUNCTION = "ENS"  # FONCTION of a teacher; all staff are listed (formats §3)


_date = optional_date
_code = structure_code


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        _code(v)
    return values


def _required(v: str) -> str:
    if not v:
        raise PydanticCustomError("missing_field", "required value is empty")
    return v


OptionalDate = Annotated[date | None, BeforeValidator(_date)]
Code = Annotated[str, AfterValidator(_code)]
Codes = Annotated[tuple[str, ...], AfterValidator(_codes)]
Required = Annotated[str, AfterValidator(_required)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StsHeader(_Record):
    """``PARAMETRES``: the establishment (UAI as the ``UAJ/@CODE`` attribute) and the school year."""

    uai: str
    academie: str = ""
    school_year: int  # ANNEE_SCOLAIRE/@ANNEE: the year the school year starts
    starts_on: OptionalDate = None
    ends_on: OptionalDate = None


class StsSubject(_Record):
    """``NOMENCLATURES/MATIERES/MATIERE``."""

    code: Required
    management_code: str = ""
    short_label: str = ""
    long_label: str = ""


class StsPerson(_Record):
    """``DONNEES/INDIVIDUS/INDIVIDU``: every staff member, teachers or not."""

    id: Required
    type: Literal["epp", "local"]  # epp: national staff id; local: made by the school
    function: str = ""
    civility: str = ""
    usage_name: str = ""
    birth_name: str = ""
    given_name: str = ""
    birth_date: OptionalDate = None
    grade: str = ""
    disciplines: tuple[str, ...] = ()
    main_teacher_of: tuple[str, ...] = ()  # division codes (PROFS_PRINC)
    line: int = 0

    @model_validator(mode="after")
    def _named(self) -> StsPerson:
        # Local individuals are often incomplete: a family name (usage or
        # birth) is the least a person must have to be matched; an empty
        # first name is kept.
        if not (self.usage_name or self.birth_name):
            raise PydanticCustomError("missing_field", "person has neither a usage nor a birth name")
        return self

    @property
    def family_name(self) -> str:
        return self.usage_name or self.birth_name

    @property
    def is_teacher(self) -> bool:
        return self.function == TEACHER_FUNCTION


class StsService(_Record):
    """``SERVICE``: who teaches which subject to a division or a group."""

    structure_kind: Literal["division", "group"]
    structure_code: str
    subject_code: Required
    course_mode: str = ""  # CODE_MOD_COURS
    teacher_ids: tuple[str, ...] = ()
    line: int = 0


class StsGroup(_Record):
    """``GROUPES/GROUPE`` and the divisions it draws its students from."""

    code: Code
    divisions: Codes = ()
    line: int = 0


class StsDivision(_Record):
    """Only to validate a ``DIVISION/@CODE``; the export keeps the codes."""

    code: Code


class StsExport(_Record):
    """What one STS-web export holds, plus the records set aside."""

    header: StsHeader
    subjects: tuple[StsSubject, ...] = ()
    persons: tuple[StsPerson, ...] = ()
    services: tuple[StsService, ...] = ()
    groups: tuple[StsGroup, ...] = ()
    divisions: tuple[str, ...] = ()
    rejections: tuple[Rejection, ...] = ()

    @property
    def teachers(self) -> tuple[StsPerson, ...]:
        """Persons whose FONCTION is ``ENS`` (formats §3: filter on it)."""
        return tuple(p for p in self.persons if p.is_teacher)

    def person(self, person_id: str) -> StsPerson | None:
        return next((p for p in self.persons if p.id == person_id), None)

    def services_of(self, person_id: str) -> tuple[StsService, ...]:
        """The services naming this individual."""
        return tuple(s for s in self.services if person_id in s.teacher_ids)
