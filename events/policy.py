"""The numbers behind the domain decisions (domain-rules §3, §4, §5, §11),
as one validated configuration object passed to every rule."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from events.brakes import GUARDIANS, OTHER_STAFF, POPULATIONS, STUDENTS, TEACHING_STAFF, Limit
from events.timetable.decision import DEFAULT_THRESHOLDS, SET_ASIDE_KINDS, Threshold

# domain-rules §12: per population. Staff move at every rentrée (mutations):
# a share of a quarter keeps a normal rentrée of a large lycée under the
# brake, while 25 of 25 teachers vanishing is held.
DEFAULT_BRAKES = {
    STUDENTS: Limit(0.10, 30),
    TEACHING_STAFF: Limit(0.25, 10),
    OTHER_STAFF: Limit(0.25, 10),
    GUARDIANS: Limit(0.10, 30),
}


def shipped_toussaint() -> dict[int, date]:
    """Official first days of the Toussaint holidays shipped with the package."""
    text = resources.files("events").joinpath("data/toussaint.toml").read_text(encoding="utf-8")
    return {int(k): v for k, v in tomllib.loads(text)["toussaint"].items()}


# domain-rules §12: personal data are kept at most three months after an
# account's removal; 92 days cover any three consecutive months.
MAX_RETENTION_DAYS = 92


class BrakeLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    share: float = Field(ge=0, le=1)
    minimum: int = Field(ge=0)


def _only_known(value: Mapping[str, Any], known: Iterable[str], what: str) -> None:
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}; known: {', '.join(known)}")


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    creation_delay_hours: float = Field(48, ge=0, description="domain-rules §3")
    overdue_grace_minutes: float = Field(60, ge=0, description="domain-rules §11 (time)")
    clock_skew_minutes: float = Field(
        60,
        ge=0,
        description="domain-rules §12 (time guard): how far a --now may be "
        "beyond the wall clock on a store that is not a simulation",
    )
    duplicate_deletion_days: int = Field(42, ge=0, description="domain-rules §5")
    mass_departure_share: float = Field(
        0.10,
        ge=0,
        le=1,
        description="domain-rules §11 brake, one limit for "
        "every population (0.1.0 configurations); when set, it applies to the "
        "populations `brakes` does not name",
    )
    mass_departure_min: int = Field(30, ge=0, description="see mass_departure_share")
    brakes: dict[str, BrakeLimit] = Field(
        default_factory=dict,
        description="domain-rules §12: population "
        "(students, teaching_staff, other_staff, guardians) -> share and minimum",
    )
    final_year_mef_prefixes: tuple[str, ...] = Field(
        ("103", "202", "212"),
        description="domain-rules §12: MEF codes starting so are the establishment's final "
        "year (103 3e, 202 terminale générale, 212 terminale technologique)",
    )
    final_year_label_pattern: str = Field(
        r"^(3 ?EME|3E\b|TERMINALE|TERM\b|TLE)",
        description="regular expression on the MEF label, for the codes final_year_mef_prefixes does not know",
    )
    school_year_starts: str = Field(
        "08-01",
        pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        description="MM-DD: first day of a school year (the delivery that opens one)",
    )
    removal_notice_days: int = Field(
        30,
        ge=0,
        description="domain-rules §12: a removal is never due sooner than "
        "this after the later of the departure and its recording",
    )
    overwrite_name_similarity: float = Field(
        0.75,
        ge=0,
        le=1,
        description="domain-rules §5: below this identity score (events/identity_rules.py), "
        "a changed record is a suspected overwrite",
    )
    suspend_on_overwrite: bool = Field(
        False,
        description="domain-rules §11: a suspected overwrite suspends the account (no login) until an "
        "operator confirms or dismisses it (entsync anomalies confirm|dismiss ID)",
    )
    served_include: tuple[str, ...] = Field(
        (),
        description="domain-rules §12: UAIs served although the rule "
        "below would not serve them (e.g. a school that uses the ENT)",
    )
    served_exclude: tuple[str, ...] = Field(
        (), description="UAIs the ENT does not serve although the AAF deliveries carry them"
    )
    unserved_types: tuple[str, ...] = Field(
        ("ECOLE",),
        description="ENTStructureTypeStruct values of the structures the ENT does not serve (1st-degree schools)",
    )
    guardian_account_levels: tuple[str, ...] = Field(
        ("1", "2"), description="respLegal values that get a PARENT account"
    )
    timezone: str = Field("Europe/Paris", description="where dates of the calendar start")
    toussaint: dict[int, date] = Field(
        default_factory=dict, description="year → first day; overrides the shipped calendar"
    )
    timetable_thresholds: dict[str, Threshold] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="domain-rules §7: name → count and percent; names left out keep their default",
    )

    timetable_set_aside_limits: dict[str, float] = Field(
        default_factory=lambda: {k: 20.0 for k in SET_ASIDE_KINDS},
        description="domain-rules §12: kind (courses, teachers, students, classes_and_groups) -> the percent of "
        "records not imported above which an automated timetable import is rejected whole",
    )

    max_rejected_records: int = Field(
        10_000,
        ge=0,
        description="issue 18: an AAF delivery with more rejected records than this is rejected "
        "whole, nothing applied (0: no limit)",
    )
    max_rejected_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="issue 18: an AAF delivery whose rejected records are more than this share "
        "of its records is rejected whole",
    )
    rejected_share_minimum: int = Field(
        100, ge=0, description="the share applies only when more records than this are rejected"
    )

    erasure_retention_days: int = Field(
        MAX_RETENTION_DAYS,
        ge=0,
        description="domain-rules §12: a removed person's personal data are erased this many days after the "
        "removal (or after leaving the source without an account); at most 92, three months being the legal maximum",
    )

    timetable_set_aside_minimum: int = Field(
        3,
        ge=0,
        description="domain-rules §12: the share limit applies only when more records than this are not "
        "imported (per kind)",
    )

    @field_validator("erasure_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value > MAX_RETENTION_DAYS:
            raise ValueError(
                f"at most {MAX_RETENTION_DAYS} days (three months, the legal maximum: domain-rules §12), got {value}"
            )
        return value

    @field_validator("timetable_set_aside_limits", mode="before")
    @classmethod
    def _set_aside_limits(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        _only_known(value, SET_ASIDE_KINDS, "kind")
        for k, v in value.items():
            if not isinstance(v, (int, float)) or not 0 <= v <= 100:
                raise ValueError(f"timetable_set_aside_limits.{k} must be a percent between 0 and 100")
        return {**{k: 20.0 for k in SET_ASIDE_KINDS}, **value}

    @field_validator("timetable_thresholds", mode="before")
    @classmethod
    def _thresholds(cls, value: object) -> object:
        # A partial table overrides named thresholds only; the structure
        # protection stays unliftable whatever the file says (001 §3.4).
        if not isinstance(value, dict):
            return value
        _only_known(value, DEFAULT_THRESHOLDS, "timetable threshold")
        merged: dict[str, Any] = {k: t.model_dump() for k, t in DEFAULT_THRESHOLDS.items()}
        for name, given in value.items():
            given = given.model_dump() if isinstance(given, Threshold) else given
            if not isinstance(given, dict):
                merged[name] = given  # pydantic reports it, naming the key
                continue
            if given.get("liftable") and not DEFAULT_THRESHOLDS[name].liftable:
                raise ValueError(f"timetable threshold {name} protects the structure and can never be made liftable")
            merged[name] = {**merged[name], **given}
        return merged

    @field_validator("brakes")
    @classmethod
    def _brakes(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(POPULATIONS))
        if unknown:
            raise ValueError(f"unknown population {', '.join(unknown)}; known: {', '.join(POPULATIONS)}")
        return value

    def brake_limits(self) -> dict[str, Limit]:
        """The brake of each population (domain-rules §12): `brakes`, else the
        one limit of 0.1.0 configurations when it is set, else the default."""
        legacy = {"mass_departure_share", "mass_departure_min"} & self.model_fields_set
        out = {}
        for pop in POPULATIONS:
            if pop in self.brakes:
                out[pop] = Limit(self.brakes[pop].share, self.brakes[pop].minimum)
            elif legacy:
                out[pop] = Limit(self.mass_departure_share, self.mass_departure_min)
            else:
                out[pop] = DEFAULT_BRAKES[pop]
        return out

    @property
    def school_year_start(self) -> tuple[int, int]:
        month, day = self.school_year_starts.split("-")
        return int(month), int(day)

    @property
    def creation_delay(self) -> timedelta:
        return timedelta(hours=self.creation_delay_hours)

    @property
    def erasure_retention(self) -> timedelta:
        return timedelta(days=self.erasure_retention_days)

    @property
    def overdue_grace(self) -> timedelta:
        return timedelta(minutes=self.overdue_grace_minutes)

    @property
    def clock_skew(self) -> timedelta:
        return timedelta(minutes=self.clock_skew_minutes)

    def calendar(self) -> dict[int, date]:
        return {**shipped_toussaint(), **self.toussaint}
