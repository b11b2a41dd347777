"""The numbers behind the domain decisions (domain-rules §3, §4, §5, §11),
as one validated configuration object passed to every rule."""
from __future__ import annotations

import tomllib
from datetime import date, timedelta
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


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

    @property
    def creation_delay(self) -> timedelta:
        return timedelta(hours=self.creation_delay_hours)

    @property
    def overdue_grace(self) -> timedelta:
        return timedelta(minutes=self.overdue_grace_minutes)

    def calendar(self) -> dict[int, date]:
        return {**shipped_toussaint(), **self.toussaint}
