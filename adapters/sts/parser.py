"""Streaming reader of the STS-web export ``sts_emp_<UAI>_<year>.xml``
(formats §3, root ``STS_EDT``) into validated records.

Pure: format → records and rejections, no database, no event. The whole
file is refused (DeliveryRejected) when it is not well-formed, is the
timetable-to-STS file ``EDT_STS`` uploaded by mistake, has another root, or
its UAI (``UAJ/@CODE``) is missing or invalid (domain-rules §2). One record
is set aside (Rejection) for a division/group code breaking the rules
(domain-rules §2), a bad date, a person without a name, a service naming an
individual absent from the file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from adapters.errors import DeliveryRejected, Rejection
from adapters.sts.records import StsDivision, StsExport, StsGroup, StsHeader, StsPerson, StsService, StsSubject
from adapters.validators import uai_is_valid
from adapters.xmlfile import iter_elements, open_export, parse_date, plain_text, release, sniff_root

__all__ = ["read_sts", "sniff_root", "ROOT", "MISTAKEN_ROOT"]

ROOT = "STS_EDT"
MISTAKEN_ROOT = "EDT_STS"  # the timetable → STS-web file, not the STS-web export
# Elements handled at their end; MEF only to be released.
TAGS = ("UAJ", "ANNEE_SCOLAIRE", "MATIERE", "MEF", "INDIVIDU", "DIVISION", "GROUPE")
# Reasons our validators raise; any other pydantic error is an invalid value.
REASONS = {"invalid_code", "invalid_date", "missing_field"}

PERSON_FIELDS = {
    "id": "INDIVIDU/@ID",
    "type": "INDIVIDU/@TYPE",
    "function": "FONCTION",
    "civility": "CIVILITE",
    "usage_name": "NOM_USAGE",
    "birth_name": "NOM_PATRONYMIQUE",
    "given_name": "PRENOM",
    "birth_date": "DATE_NAISSANCE",
    "grade": "GRADE",
}
SUBJECT_FIELDS = {"code": "MATIERE/@CODE"}
SERVICE_FIELDS = {"subject_code": "SERVICE/@CODE_MATIERE"}
GROUP_FIELDS = {"code": "GROUPE/@CODE", "divisions": "DIVISION_APPARTENANCE/@CODE"}


def read_sts(path: str | Path) -> StsExport:
    """The records of an STS-web export, ``.xml`` or a ``.zip`` holding one
    XML file. Raises DeliveryRejected when the whole file is refused."""
    with open_export(path) as (name, fh):
        try:
            return _Reader(name).read(fh)
        except DeliveryRejected as exc:
            if exc.file:
                raise
            raise DeliveryRejected(exc.reason, exc.message, name, exc.line) from None  # a value refused


def _text(elem, path: str) -> str:
    child = elem.find(path)
    return plain_text(child) if child is not None else ""  # never a value cut at an entity or a tag


def _attr(elem, name: str) -> str:
    return (elem.get(name) or "").strip()


class _Reader:
    def __init__(self, file: str):
        self.file = file
        self.uai: str | None = None
        self.academie = ""
        self.year: tuple[str, int] | None = None  # (ANNEE value, line)
        self.dates: dict[str, str] = {}
        self.subjects: list[StsSubject] = []
        self.persons: list[StsPerson] = []
        self.person_ids: set[str] = set()  # every INDIVIDU/@ID of the file, kept or not
        self.services: list[tuple[StsService, str]] = []
        self.groups: list[StsGroup] = []
        self.divisions: list[str] = []
        self.rejections: list[Rejection] = []

    # ------------------------------------------------------------------ reading

    def read(self, fh) -> StsExport:
        handlers = {
            "UAJ": self._uaj,
            "ANNEE_SCOLAIRE": self._school_year,
            "MATIERE": self._subject,
            "INDIVIDU": self._person,
            "DIVISION": self._division,
            "GROUPE": self._group,
        }
        for elem in iter_elements(fh, self.file, TAGS, self._check_root):
            handler = handlers.get(elem.tag)
            if handler is not None:
                handler(elem)
            release(elem)
        return self._export()

    def _check_root(self, root) -> None:
        line = root.sourceline or 0
        if root.tag == ROOT:
            return
        if root.tag == MISTAKEN_ROOT:
            raise DeliveryRejected(
                "edt_sts_instead_of_sts",
                "this is the timetable-to-STS file (root EDT_STS) that the timetable software sends to "
                "STS-web, not an STS-web export; upload the STS-web export sts_emp_<UAI>_<year>.xml "
                "(root STS_EDT)",
                self.file,
                line,
            )
        raise DeliveryRejected(
            "unknown_format",
            f"root element is {root.tag!r}, expected {ROOT!r} (STS-web export sts_emp_<UAI>_<year>.xml)",
            self.file,
            line,
        )

    def _uaj(self, elem) -> None:
        code = _attr(elem, "CODE")
        if not uai_is_valid(code):
            raise DeliveryRejected(
                "invalid_uai",
                "UAJ/@CODE is not a UAI (7 digits and a valid check letter)",
                self.file,
                elem.sourceline or 0,
            )
        self.uai = code
        academie = elem.find("ACADEMIE")
        if academie is not None:
            # *uncertain*: ACADEMIE seen both as <CODE>/<LIBELLE> children and as text.
            self.academie = _text(academie, "CODE") or (academie.text or "").strip()

    def _school_year(self, elem) -> None:
        self.year = (_attr(elem, "ANNEE"), elem.sourceline or 0)
        self.dates = {"DATE_DEBUT": _text(elem, "DATE_DEBUT"), "DATE_FIN": _text(elem, "DATE_FIN")}

    def _subject(self, elem) -> None:
        data = {
            "code": _attr(elem, "CODE"),
            "management_code": _text(elem, "CODE_GESTION"),
            "short_label": _text(elem, "LIBELLE_COURT"),
            "long_label": _text(elem, "LIBELLE_LONG"),
        }
        subject = self._build(StsSubject, data, elem.sourceline, data["code"], SUBJECT_FIELDS, "MATIERE/@CODE")
        if subject is not None:
            self.subjects.append(subject)

    def _person(self, elem) -> None:
        line = elem.sourceline or 0
        pid = _attr(elem, "ID")
        if pid and pid in self.person_ids:
            self._reject("duplicate_id", line, pid, "INDIVIDU/@ID", "individual id already seen in this file")
            return
        self.person_ids.add(pid)
        data = {
            "id": pid,
            "type": _attr(elem, "TYPE").lower(),
            "function": _text(elem, "FONCTION"),
            "civility": _text(elem, "CIVILITE"),
            "usage_name": _text(elem, "NOM_USAGE"),
            "birth_name": _text(elem, "NOM_PATRONYMIQUE"),
            "given_name": _text(elem, "PRENOM"),
            "birth_date": _text(elem, "DATE_NAISSANCE"),
            "grade": _text(elem, "GRADE"),
            "disciplines": tuple(_attr(d, "CODE") for d in elem.iterfind("DISCIPLINES/DISCIPLINE")),
            "main_teacher_of": tuple(_text(p, "CODE_STRUCTURE") for p in elem.iterfind("PROFS_PRINC/PROF_PRINC")),
            "line": line,
        }
        person = self._build(StsPerson, data, line, pid, PERSON_FIELDS, "NOM_USAGE")
        if person is not None:
            self.persons.append(person)

    def _division(self, elem) -> None:
        if elem.getparent() is None or elem.getparent().tag != "DIVISIONS":
            return
        code = _attr(elem, "CODE")
        ok = self._build(
            StsDivision,
            {"code": code},
            elem.sourceline,
            code,
            {},
            "DIVISION/@CODE",
            suffix="; its services are set aside with it",
        )
        if ok is not None:
            self.divisions.append(code)
            self._services(elem, "division", code)

    def _group(self, elem) -> None:
        if elem.getparent() is None or elem.getparent().tag != "GROUPES":
            return
        code = _attr(elem, "CODE")
        data = {
            "code": code,
            "line": elem.sourceline or 0,
            "divisions": tuple(_attr(d, "CODE") for d in elem.iterfind("DIVISIONS_APPARTENANCE/DIVISION_APPARTENANCE")),
        }
        group = self._build(
            StsGroup,
            data,
            elem.sourceline,
            code,
            GROUP_FIELDS,
            "GROUPE/@CODE",
            suffix="; its services are set aside with it",
        )
        if group is not None:
            self.groups.append(group)
            self._services(elem, "group", code)

    def _services(self, elem, kind: str, code: str) -> None:
        for svc in elem.iterfind("SERVICES/SERVICE"):
            subject, mode = _attr(svc, "CODE_MATIERE"), _attr(svc, "CODE_MOD_COURS")
            record_id = f"{code}/{subject}" + (f"/{mode}" if mode else "")
            data = {
                "structure_kind": kind,
                "structure_code": code,
                "subject_code": subject,
                "course_mode": mode,
                "teacher_ids": tuple(_attr(t, "ID") for t in svc.iterfind("ENSEIGNANTS/ENSEIGNANT")),
                "line": svc.sourceline or 0,
            }
            service = self._build(StsService, data, svc.sourceline, record_id, SERVICE_FIELDS, "SERVICE")
            if service is not None:
                self.services.append((service, record_id))

    # ------------------------------------------------------------------ assembling

    def _export(self) -> StsExport:
        if self.uai is None:
            raise DeliveryRejected("invalid_uai", "the file has no PARAMETRES/UAJ/@CODE", self.file)
        year, year_line = self.year or ("", 0)
        if not (year.isdigit() and len(year) == 4):
            raise DeliveryRejected(
                "invalid_school_year", "ANNEE_SCOLAIRE/@ANNEE is missing or not a year", self.file, year_line
            )
        dates = {}
        for tag, value in self.dates.items():
            try:
                dates[tag] = parse_date(value) if value else None
            except ValueError:
                dates[tag] = None
                self._reject(
                    "invalid_date",
                    year_line,
                    self.uai,
                    f"ANNEE_SCOLAIRE/{tag}",
                    "date is not YYYY-MM-DD (nor DD/MM/YYYY); left empty",
                )
        header = StsHeader(
            uai=self.uai,
            academie=self.academie,
            school_year=int(year),
            starts_on=dates.get("DATE_DEBUT"),
            ends_on=dates.get("DATE_FIN"),
        )
        services = []
        # Services are checked once every INDIVIDU is known: the file does not
        # promise that INDIVIDUS comes before STRUCTURE.
        for service, record_id in self.services:
            unknown = [t for t in service.teacher_ids if t not in self.person_ids]
            if unknown:
                self._reject(
                    "unknown_teacher",
                    service.line,
                    record_id,
                    "ENSEIGNANT/@ID",
                    f"service names individual {unknown[0]!r}, absent from INDIVIDUS",
                )
            else:
                services.append(service)
        return StsExport(
            header=header,
            subjects=tuple(self.subjects),
            persons=tuple(self.persons),
            services=tuple(services),
            groups=tuple(self.groups),
            divisions=tuple(self.divisions),
            rejections=tuple(sorted(self.rejections, key=lambda r: r.line)),
        )

    def _build(
        self,
        model: type[BaseModel],
        data: dict,
        line: int | None,
        record_id: str,
        fields: dict[str, str],
        default_field: str,
        suffix: str = "",
    ):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            name = str(err["loc"][0]) if err["loc"] else ""
            reason = err["type"] if err["type"] in REASONS else "invalid_value"
            self._reject(reason, line or 0, record_id, fields.get(name, default_field), err["msg"] + suffix)
            return None

    def _reject(self, reason: str, line: int, record_id: str, field: str, message: str) -> None:
        self.rejections.append(Rejection(reason, self.file, line, record_id, field, message))
