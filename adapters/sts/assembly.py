"""The records of an STS-web export validated as they are read, the
services' teachers checked once every individual is known, and the export
assembled (formats §3). One record is set aside (Rejection) for a value its
model refuses; the whole file is refused (DeliveryRejected) without a UAI
or a school year.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from adapters.errors import DeliveryRejected, Rejection
from adapters.sts.records import StsExport, StsGroup, StsHeader, StsPerson, StsService, StsSubject
from adapters.xmlfile import parse_date

# Reasons our validators raise; any other pydantic error is an invalid value.
REASONS = {"invalid_code", "invalid_date", "missing_field"}


class Assembly:
    """What one export's reader has kept and set aside so far."""

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

    def export(self) -> StsExport:
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
                self.reject(
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
                self.reject(
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

    def build(
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
            self.reject(reason, line or 0, record_id, fields.get(name, default_field), err["msg"] + suffix)
            return None

    def reject(self, reason: str, line: int, record_id: str, field: str, message: str) -> None:
        self.rejections.append(Rejection(reason, self.file, line, record_id, field, message))
