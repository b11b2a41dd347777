"""The models of the AAF records (formats §1, domain-rules §2, §5): what each
value must be, each failure a reason code and a message that names no value.
records.py maps a record's attributes onto them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from adapters.validators import code_is_valid


def _required(v: str) -> str:
    if not v:
        raise PydanticCustomError("missing_field", "required value is empty (fiche incomplète)")
    return v


def _ine(v: str) -> str:
    if not v:
        raise PydanticCustomError("missing_ine", "student without INE: no account can be made")
    if len(v) != 11 or not (v.isascii() and v.isalnum()):
        raise PydanticCustomError("invalid_ine", "INE must be 11 letters or digits")
    return v


def _ine_if_any(v: str) -> str:
    """A record whose version has no INE (VE1301) may still show one: checked
    when given, never required (domain-rules §12)."""
    return _ine(v) if v else v


_DATE_RE = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", re.ASCII)


def _date(v: str) -> str:
    if v:
        try:
            if not _DATE_RE.fullmatch(v):
                raise ValueError(v)
            datetime.strptime(v, "%d/%m/%Y")
        except ValueError:
            raise PydanticCustomError("invalid_date", "date is not dd/mm/yyyy") from None
    return v


def _sj_codes(values: list[str]) -> list[str]:
    """`SJ$code` values: the code obeys the division/group rules."""
    for v in values:
        sj, _, code = v.partition("$")
        if not sj or not code_is_valid(code.split("$")[0]):
            raise PydanticCustomError(
                "invalid_code", "class or group code breaks the rules (≤ 8 letters, digits, space, - or _)"
            )
    return values


def _first_codes(values: list[str]) -> list[str]:
    """`code$label$…` values of a structure's classes and groups."""
    for v in values:
        if not code_is_valid(v.split("$", 1)[0]):
            raise PydanticCustomError(
                "invalid_code", "class or group code breaks the rules (≤ 8 letters, digits, space, - or _)"
            )
    return values


def _relations(values: list[str]) -> list[str]:
    # An empty <value></value> among the relations occurs in real files
    # (formats §1): it says nothing, it is not a malformed relation.
    for v in values:
        if not v:
            continue
        parts = v.split("$")
        if len(parts) < 4 or not parts[0] or parts[3] not in ("0", "1", "2", ""):
            raise PydanticCustomError("invalid_value", "relation is not relId$lien$respFinancier$respLegal$…")
    return values


Required = Annotated[str, AfterValidator(_required)]
Date = Annotated[str, AfterValidator(_date)]
SJCodes = Annotated[list[str], AfterValidator(_sj_codes)]


class Record(BaseModel):
    """What every record model shares: frozen, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class StructureRecord(Record):
    jointure: Required
    # A code that is not a UAI with its check letter (replacement zones
    # ``Z.REMP-…``, inspection services: formats §1, *uncertain*) no longer
    # rejects the structure: it is kept as a structure without students, with
    # an anomaly (domain-rules §12; projections/served.py), so that the staff
    # attached to it are not orphaned silently.
    uai: str = ""
    name: str = ""
    classes: Annotated[list[str], AfterValidator(_first_codes)] = []
    groups: Annotated[list[str], AfterValidator(_first_codes)] = []


class StudentRecord(Record):
    jointure: Required
    sn: Required
    givenName: Required
    ine: Annotated[str, AfterValidator(_ine)]
    birth: Annotated[str, AfterValidator(_required), AfterValidator(_date)]
    structure: Required
    classes: SJCodes = []
    groups: SJCodes = []
    relations: Annotated[list[str], AfterValidator(_relations)] = []


class StudentRecordWithoutIne(StudentRecord):
    """A student of a format version without ``ENTEleveINE`` (AAF-VE1301):
    "no INE by format" is not the "student without INE" of domain-rules §5."""

    ine: Annotated[str, AfterValidator(_ine_if_any)] = ""


class GuardianRecord(Record):
    jointure: Required
    sn: Required
    givenName: Required
    birth: Date = ""


class StaffRecord(Record):
    jointure: Required
    sn: Required
    givenName: Required
    birth: Date = ""
    classes: SJCodes = []
    groups: SJCodes = []


class NomenclatureRecord(Record):
    jointure: Required
    label: str = ""
