"""Validated AAF records (formats §1, domain-rules §2, §5, §12).

A record is validated only when its content changed since the last accepted
version (an unchanged record was validated when it was accepted), so the
models (models.py) sit on the hot path of a first delivery only. Each failure carries a
reason code and the attribute name, never the value.

A person record may also have implausible values (domain-rules §12): those
fields are set aside (``examine`` returns them) and the record is kept,
unless neither the family name nor the first name remains
(``no_usable_name``).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ValidationError

from adapters.aaf.models import (
    GuardianRecord,
    NomenclatureRecord,
    Record,
    StaffRecord,
    StructureRecord,
    StudentRecord,
    StudentRecordWithoutIne,
)
from adapters.aaf.parser import RawRecord
from adapters.errors import Rejection, SetAside
from adapters.plausibility import MESSAGES, NO_USABLE_NAME, birth_problem, name_problem

# category → (model, jointure attribute, {model field: AAF attribute})
SCHEMAS: dict[str, tuple[type[Record], str, dict[str, str]]] = {
    "EtabEducNat": (
        StructureRecord,
        "ENTStructureJointure",
        {
            "uai": "ENTStructureUAI",
            "name": "ENTStructureNomCourant",
            "classes": "ENTStructureClasses",
            "groups": "ENTStructureGroupes",
        },
    ),
    "Eleve": (
        StudentRecord,
        "ENTPersonJointure",
        {
            "sn": "sn",
            "givenName": "givenName",
            "ine": "ENTEleveINE",
            "birth": "ENTPersonDateNaissance",
            "structure": "ENTPersonStructRattach",
            "classes": "ENTEleveClasses",
            "groups": "ENTEleveGroupes",
            "relations": "ENTElevePersRelEleve",
        },
    ),
    "PersRelEleve": (
        GuardianRecord,
        "ENTPersonJointure",
        {"sn": "sn", "givenName": "givenName", "birth": "ENTPersonDateNaissance"},
    ),
    "PersEducNat": (
        StaffRecord,
        "ENTPersonJointure",
        {
            "sn": "sn",
            "givenName": "givenName",
            "birth": "ENTPersonDateNaissance",
            "classes": "ENTAuxEnsClasses",
            "groups": "ENTAuxEnsGroupes",
        },
    ),
    "MatiereEducNat": (NomenclatureRecord, "ENTMatJointure", {"label": "ENTLibelleMatiere"}),
    "MefEducNat": (NomenclatureRecord, "ENTMefJointure", {"label": "ENTLibelleMef"}),
}
_LISTS = {"classes", "groups", "relations"}

PERSONS = ("Eleve", "PersRelEleve", "PersEducNat")
# The names an account is made from (login, identity): one must remain usable.
ACCOUNT_NAMES = ("sn", "givenName")
# Other names: set aside when implausible, never a reason to reject.
OTHER_NAMES = ("ENTPersonNomPatro", "ENTPersonAutresPrenoms")
BIRTH = "ENTPersonDateNaissance"


def implausible(category: str, attrs: dict[str, list[str]], reference: date | None) -> dict[str, str]:
    """attribute → reason code of the implausible values of a person record
    (domain-rules §12); ``reference`` is the day a birth date may not be
    after (adapters.plausibility.reference_day). An attribute with one
    bad value among several is set aside whole."""
    out: dict[str, str] = {}
    if category not in PERSONS:
        return out
    for attr in ACCOUNT_NAMES + OTHER_NAMES:
        for value in attrs.get(attr, ()):
            problem = name_problem(value) if value else None  # "" is empty, not typed (a blank sn is BLANK)
            if problem:
                out[attr] = problem
                break
    birth = (attrs.get(BIRTH) or [""])[0]
    if birth:
        try:
            born = datetime.strptime(birth, "%d/%m/%Y").date()
        except ValueError:
            born = None  # not a date: invalid_date, judged by the model
        problem = birth_problem(born, reference) if born else None
        if problem:
            out[BIRTH] = problem
    return out


def examine(
    raw: RawRecord, attrs: dict[str, list[str]], reference: date | None = None
) -> tuple[list[Rejection], list[SetAside]]:
    """(rejections, fields set aside) of a record whose full attribute map is
    ``attrs`` (for a modify, the previous attributes with the replaced ones).
    A rejected record has no fields set aside; no rejection = the record is
    kept, without the fields set aside (domain-rules §12)."""
    rejections = _rejections(raw, attrs)
    if rejections or raw.op == "delete":
        return rejections, []
    fields = implausible(raw.category, attrs, reference)
    if all(name in fields for name in ACCOUNT_NAMES):
        return [
            Rejection(NO_USABLE_NAME, raw.file, raw.line, raw.id, ",".join(ACCOUNT_NAMES), MESSAGES[NO_USABLE_NAME])
        ], []
    return [], [SetAside(reason, raw.file, raw.line, raw.id, attr, MESSAGES[reason]) for attr, reason in fields.items()]


def validate(raw: RawRecord, attrs: dict[str, list[str]], reference: date | None = None) -> list[Rejection]:
    """Rejections of a record (see ``examine``). Empty = valid."""
    return examine(raw, attrs, reference)[0]


# Bounds of one record (issue 18, point 6). An AAF record carries some sixty
# attributes at most, and a multi-valued one (groups, classes, functions) a few
# hundred values in the largest establishments: far beyond, the record is not
# one of a person, and storing it would grow the log without limit.
MAX_ATTRIBUTES = 300
MAX_VALUES = 5_000


def _rejections(raw: RawRecord, attrs: dict[str, list[str]]) -> list[Rejection]:
    model, jointure_attr, fields = SCHEMAS[raw.category]

    def reject(reason: str, field: str, message: str) -> list[Rejection]:
        return [Rejection(reason, raw.file, raw.line, raw.id, field, message)]

    if len(attrs) > MAX_ATTRIBUTES:
        return reject(
            "too_many_attributes",
            "attributes",
            f"{len(attrs)} attributes on one record, more than {MAX_ATTRIBUTES}: not stored",
        )
    crowded = next((name for name, values in attrs.items() if len(values) > MAX_VALUES), None)
    if crowded is not None:
        return reject(
            "too_many_values",
            crowded,
            f"{len(attrs[crowded])} values of one attribute, more than {MAX_VALUES}: not stored",
        )
    if not raw.id:
        return reject("missing_identifier", "identifier/id", "record has no identifier")
    if raw.unsupported:
        return reject(
            "unsupported_operation",
            raw.unsupported[0],
            "modification operation other than replace (formats §1: replace gives the full new list)",
        )
    given = attrs.get(jointure_attr)
    if raw.op == "add" and not given:
        return reject("missing_field", jointure_attr, "jointure attribute is missing or empty")
    if given and given[0] != raw.id:
        return reject("jointure_mismatch", jointure_attr, "jointure attribute differs from identifier/id")
    data: dict[str, object] = {"jointure": raw.id}
    for name, attr in fields.items():
        values = attrs.get(attr, [])
        data[name] = values if name in _LISTS else (values[0] if values else "")
    if raw.category == "Eleve" and "ENTEleveINE" not in attrs:
        # The record does not carry the attribute at all: its version has none
        # (the parser adds it, empty, to every VE1803+ student; adapters/aaf/parser.py).
        model = StudentRecordWithoutIne
    try:
        model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        name = str(err["loc"][0]) if err["loc"] else ""
        return reject(err["type"], fields.get(name, jointure_attr if name == "jointure" else name), err["msg"])
    return []
