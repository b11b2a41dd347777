"""Streaming reader of the STS-web export ``sts_emp_<UAI>_<year>.xml``
(formats §3, root ``STS_EDT``) into validated records.

Pure: format → records and rejections, no database, no event. The whole
file is refused (DeliveryRejected) when it is not well-formed, is the
timetable-to-STS file ``EDT_STS`` uploaded by mistake, has another root, or
its UAI (``UAJ/@CODE``) is missing or invalid (domain-rules §2). One record
is set aside (Rejection) for a division/group code breaking the rules
(domain-rules §2), a bad date, a person without a name, a service naming an
individual absent from the file. This module reads each element;
assembly.py validates the records and assembles the export.
"""

from __future__ import annotations

from pathlib import Path

from adapters.errors import DeliveryRejected
from adapters.sts.assembly import Assembly
from adapters.sts.records import StsDivision, StsExport, StsGroup, StsPerson, StsService, StsSubject
from adapters.validators import uai_is_valid
from adapters.xmlfile import iter_elements, open_export, plain_text, release, sniff_root

__all__ = ["read_sts", "sniff_root", "ROOT", "MISTAKEN_ROOT"]

ROOT = "STS_EDT"
MISTAKEN_ROOT = "EDT_STS"  # the timetable → STS-web file, not the STS-web export
# Elements handled at their end; MEF only to be released.
TAGS = ("UAJ", "ANNEE_SCOLAIRE", "MATIERE", "MEF", "INDIVIDU", "DIVISION", "GROUPE")

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
        self.book = Assembly(file)

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
        return self.book.export()

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
        self.book.uai = code
        academie = elem.find("ACADEMIE")
        if academie is not None:
            # *uncertain*: ACADEMIE seen both as <CODE>/<LIBELLE> children and as text.
            self.book.academie = _text(academie, "CODE") or (academie.text or "").strip()

    def _school_year(self, elem) -> None:
        self.book.year = (_attr(elem, "ANNEE"), elem.sourceline or 0)
        self.book.dates = {"DATE_DEBUT": _text(elem, "DATE_DEBUT"), "DATE_FIN": _text(elem, "DATE_FIN")}

    def _subject(self, elem) -> None:
        data = {
            "code": _attr(elem, "CODE"),
            "management_code": _text(elem, "CODE_GESTION"),
            "short_label": _text(elem, "LIBELLE_COURT"),
            "long_label": _text(elem, "LIBELLE_LONG"),
        }
        subject = self.book.build(StsSubject, data, elem.sourceline, data["code"], SUBJECT_FIELDS, "MATIERE/@CODE")
        if subject is not None:
            self.book.subjects.append(subject)

    def _person(self, elem) -> None:
        line = elem.sourceline or 0
        pid = _attr(elem, "ID")
        if pid and pid in self.book.person_ids:
            self.book.reject("duplicate_id", line, pid, "INDIVIDU/@ID", "individual id already seen in this file")
            return
        self.book.person_ids.add(pid)
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
        person = self.book.build(StsPerson, data, line, pid, PERSON_FIELDS, "NOM_USAGE")
        if person is not None:
            self.book.persons.append(person)

    def _division(self, elem) -> None:
        if elem.getparent() is None or elem.getparent().tag != "DIVISIONS":
            return
        code = _attr(elem, "CODE")
        ok = self.book.build(
            StsDivision,
            {"code": code},
            elem.sourceline,
            code,
            {},
            "DIVISION/@CODE",
            suffix="; its services are set aside with it",
        )
        if ok is not None:
            self.book.divisions.append(code)
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
        group = self.book.build(
            StsGroup,
            data,
            elem.sourceline,
            code,
            GROUP_FIELDS,
            "GROUPE/@CODE",
            suffix="; its services are set aside with it",
        )
        if group is not None:
            self.book.groups.append(group)
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
            service = self.book.build(StsService, data, svc.sourceline, record_id, SERVICE_FIELDS, "SERVICE")
            if service is not None:
                self.book.services.append((service, record_id))
