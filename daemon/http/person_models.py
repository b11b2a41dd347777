"""The answer of a person's export (daemon/http/person_routes.py): the keys
of the document daemon/history/person.py assembles, each declared; the
records inside are those of the readers it reuses (the account's detail,
its history's facts, anomaly and rejection rows), allowed as they are."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daemon.http.history_models import Fact
from daemon.http.models import Row, Stored


class Logins(Row):
    current: str = Field(description="the account's login (empty: none yet)")
    reserved: list[str] = Field(description="every login reserved for the account, the current one included")


class Generation(Row):
    generation: int
    account_id: str
    state: str


class PersonExport(Row):
    format: str = Field(description="entsync-person-export/1")
    key: str = Field(description="the key asked")
    exported_at: str = Field(description="when the document was assembled (ISO 8601)")
    lang: str = Field(description="the summary's language: fr | en")
    subject: str = Field(description="account, or siecle_record (a SIECLE record linked to no account)")
    name: str = Field(description="family name then given name, as the record gives them")
    account: Stored | None = Field(description="the account as `entsync account --json` shows it (null: none)")
    generation: int | None = Field(description="the generation of the jointure this person's account is")
    generations: list[Generation] = Field(description="every account the jointure had, by reference")
    explanation: dict[str, Any] = Field(description="the account explained, as `entsync explain --json` gives it")
    history: list[Fact] = Field(description="every fact about the person, from every source, oldest first")
    links: dict[str, list[Stored]] = Field(description="guardians and students linked (siecle: the record's)")
    logins: Logins
    siecle_records: list[Stored] = Field(description="the SIECLE records linked, with their whole identity")
    anomalies: list[Stored] = Field(description="the anomaly rows that name the person")
    rejections: list[Stored] = Field(description="the records of theirs rejected, with file and line")
    summary: str = Field(description="the readable summary, in ``lang``")
