"""The answers of an account's explanation and of a name's candidates
(daemon/http/explain_routes.py): the structured facts of ``entsync explain
--json`` (daemon/history/explain.py) and its sentences."""

from __future__ import annotations

from pydantic import Field

from daemon.http.models import Row, Stored


class Why(Stored):
    """The rule the state rests on and its fact. Besides ``rule``, as the rule
    has them: ``event``, ``at``, ``source``, ``delivery_id`` or
    ``import_id``, ``file``, ``line``; ``due``, ``delay`` (hours),
    ``overdue``, ``grace_hours`` (pending); ``left_on``, ``removal_due``,
    ``removal_basis``, ``notice_days``, ``provisional`` (departing);
    ``duplicate_of``, ``deletion_due`` (deactivated); ``anomaly``
    (suspended); ``generation_at``, ``generation_anomaly`` (a confirmed
    overwrite's account)."""

    rule: str = Field(
        description="creation_delay, siecle_first, created, manual, aaf_departure, siecle_leaving_date, duplicate, "
        "duplicate_mark, suspended, removed, withdrawn, declined, other"
    )


class ExplainedAnomaly(Row):
    code: str = Field(description="the catalogue's code")
    label: str
    action: str
    detail: str
    id: str | None = Field(None, description="a decidable anomaly's id")
    decision: str | None = Field(None, description="open, confirmed or dismissed")
    at: str | None = Field(None, description="the time of its fact (ISO 8601)")


class Sentences(Row):
    who: list[str]
    why: list[str]
    anomalies: list[str]
    actions: list[str] = Field(description="what to do")


class Explanation(Row):
    key: str = Field(description="the key asked")
    account_id: str
    jointure: str
    name: str = Field(description="the person's family and given name, as the record gives them")
    profile: str
    establishments: list[str]
    classes: list[str]
    login: str = Field(description="empty: no login yet")
    state: str
    generation: int = Field(description="the jointure's n-th account (2 and more: after a confirmed overwrite)")
    now: str = Field(description="the time the due dates are judged at (ISO 8601)")
    why: Why
    anomalies: list[ExplainedAnomaly]
    lang: str
    merged_from: list[str] = Field(default_factory=list, description="the accounts it absorbed; absent when none")
    sentences: Sentences


class Candidate(Row):
    key: str = Field(description="the account's jointure, for the explanation route")
    login: str
    profile: str
    establishments: list[str]
    state: str


class Candidates(Row):
    count: int
    candidates: list[Candidate] = Field(description="the accounts of that name within the caller's establishments")
