"""The numbers behind the domain decisions (domain-rules §3, §4, §5, §11),
as one validated configuration object passed to every rule."""
from __future__ import annotations

import tomllib
from datetime import date, timedelta
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, field_validator

from projections.timetable import DEFAULT_THRESHOLDS, Threshold


def shipped_toussaint() -> dict[int, date]:
    """Official first days of the Toussaint holidays shipped with the package."""
    text = resources.files("daemon").joinpath("data/toussaint.toml").read_text(encoding="utf-8")
    return {int(k): v for k, v in tomllib.loads(text)["toussaint"].items()}


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    creation_delay_hours: float = Field(48, ge=0, description="domain-rules §3")
    overdue_grace_minutes: float = Field(60, ge=0, description="domain-rules §11 (time)")
    duplicate_deletion_days: int = Field(42, ge=0, description="domain-rules §5")
    mass_departure_share: float = Field(0.10, ge=0, le=1, description="domain-rules §11 brake")
    mass_departure_min: int = Field(30, ge=0, description="domain-rules §11 brake")
    overwrite_name_similarity: float = Field(0.6, ge=0, le=1, description="domain-rules §5: below it, a renamed record is a suspected overwrite")
    guardian_account_levels: tuple[str, ...] = Field(("1", "2"), description="respLegal values that get a PARENT account")
    timezone: str = Field("Europe/Paris", description="where dates of the calendar start")
    toussaint: dict[int, date] = Field(default_factory=dict, description="year → first day; overrides the shipped calendar")
    timetable_thresholds: dict[str, Threshold] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="domain-rules §7: name → count and percent; names left out keep their default")

    @field_validator("timetable_thresholds", mode="before")
    @classmethod
    def _thresholds(cls, value: object) -> object:
        # A partial table overrides named thresholds only; the structure
        # protection stays unliftable whatever the file says (001 §3.4).
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(DEFAULT_THRESHOLDS))
        if unknown:
            raise ValueError(f"unknown timetable threshold {', '.join(unknown)}; known: {', '.join(DEFAULT_THRESHOLDS)}")
        merged: dict = {k: t.model_dump() for k, t in DEFAULT_THRESHOLDS.items()}
        for name, given in value.items():
            given = given.model_dump() if isinstance(given, Threshold) else given
            if not isinstance(given, dict):
                merged[name] = given  # pydantic reports it, naming the key
                continue
            if given.get("liftable") and not DEFAULT_THRESHOLDS[name].liftable:
                raise ValueError(f"timetable threshold {name} protects the structure and can never be made liftable")
            merged[name] = {**merged[name], **given}
        return merged

    @property
    def creation_delay(self) -> timedelta:
        return timedelta(hours=self.creation_delay_hours)

    @property
    def overdue_grace(self) -> timedelta:
        return timedelta(minutes=self.overdue_grace_minutes)

    def calendar(self) -> dict[int, date]:
        return {**shipped_toussaint(), **self.toussaint}
