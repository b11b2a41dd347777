"""The API's answers as pydantic models: FastAPI checks every body against
them and writes the OpenAPI document from them. Fields are declared in the
order the read models give them (the answers keep their key order), and a
field that is not always there has a default and is left out when absent
(the routes serve with ``response_model_exclude_unset``).

A row of the read models is ``Row``: a column the model does not declare is
an error (the document and the answers must agree). A record decoded from a
stored JSON document is ``Stored``: older releases may have written more.
The timetable and delivery answers are in daemon/http/import_models.py."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float  # an int stays an int: the answer is written as the service gave it


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stored(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(Row):
    code: str = Field(description="a stable code: unknown_path, unknown_parameter, invalid_parameter, not_found, …")
    message: str


class Error(Row):
    """Every answer other than 200. The message never repeats a path parameter."""

    error: ErrorDetail


class Health(Row):
    status: Literal["ok", "stalled"]
    item: str = Field("", description="stalled: the inbox item held")
    held_seconds: Number = Field(0, description="stalled: how long it has been held")
    bound_seconds: Number = Field(0, description="stalled: the bound (stall_seconds)")


class Ready(Row):
    ready: bool
    store: Literal["unavailable"] = Field("unavailable", description="present while the store is known down")
    unavailable_seconds: Number = Field(0, description="since when the store is known down")


STATES = "pending | active | suspended | departing | withdrawn | deactivated | no_account | removed"
ANOMALIES = (
    "creation_overdue | provisional_removal_date | couple_in_one_record | not_served | the reason codes of "
    "fields set aside (domain-rules §12): birth_date_in_future, birth_date_before_1900, name_blank, "
    "name_too_long, name_control_characters, name_invisible_characters"
)


class AccountFields(Row):
    """What an account of the directory read model is, listed or shown."""

    account_id: str
    jointure: str
    category: str
    profile: str
    function: str
    state: str = Field(description=STATES)
    login: str
    first_seen: str
    creation_due: str
    created_at: str | None
    departed_at: str | None
    removal_due: str | None
    removal_provisional: int
    removed_at: str | None
    state_reason: str
    couple_flag: int


class Attachment(Row):
    """An admin's attachment of the account to another establishment until
    its end date (issue 13); the AAF's own structures are not attachments."""

    uai: str
    until: str
    author: str = Field(description="the token's name or the local operator who attached it")
    reason: str = Field("", description="on an account's detail only")
    at: str = Field("", description="on an account's detail only")


class Assigned(Row):
    """A free group, class or group the account was assigned to by hand (issue 13)."""

    uai: str
    kind: Literal["free", "class", "group"]
    code: str
    name: str = Field(description="a free group's name; empty for a class or group")
    author: str
    at: str


class Account(AccountFields):
    """An account of the directory read model."""

    anomalies: list[str] = Field(description=ANOMALIES)
    merged_from: list[str] = Field(
        default_factory=list,
        description="only on an account that absorbed others by a merge (issue 14): their jointures; "
        "the absorbed accounts are not listed while the merge holds",
    )
    attachments: list[Attachment] = Field(
        default_factory=list, description="only on an account attached by an admin to another establishment"
    )


class AccountList(Row):
    accounts: list[Account]
    count: int
    limit: int
    truncated: bool = Field(description="more accounts match than the limit")


class SetAsideField(Row):
    """A field of the account's record set aside for an implausible value (domain-rules §12)."""

    field: str
    reason: str
    delivery_id: str
    file: str
    line: int
    at: str


class AccountStructure(Row):
    jointure: str
    uai: str


class Membership(Row):
    structure: str
    kind: str
    code: str


class Guardian(Row):
    jointure: str
    resp_legal: str
    lien: str
    state: str
    login: str


class Child(Row):
    jointure: str
    resp_legal: str
    state: str
    login: str


class AccountSource(Row):
    """One side of a merged account (issue 14): whose record it is."""

    account_id: str
    jointure: str
    category: str
    side: Literal["survivor", "absorbed"]


class MergedAccount(Row):
    """An account folded into this one by a merge (issue 14), with its own state."""

    account_id: str
    jointure: str
    login: str = Field(description="its login, now an alias of the survivor's")
    state: str = Field(description=STATES)
    author: str
    reason: str
    at: str


class AccountDetail(AccountFields):
    """One account with its structures, classes, links and logins."""

    attributes: dict[str, Any] = Field(description="the record's attributes, those set aside left empty")
    set_aside: list[SetAsideField]
    anomalies: list[str] = Field(description=ANOMALIES)
    structures: list[AccountStructure]
    memberships: list[Membership]
    guardians: list[Guardian]
    students: list[Child]
    logins: list[str] = Field(description="every login reserved for the account, an absorbed account's included")
    sources: list[AccountSource] = Field(
        default_factory=list, description="only on an account that absorbed others (issue 14): each side's jointure"
    )
    merged_from: list[MergedAccount] = Field(
        default_factory=list,
        description="only on an account that absorbed others (issue 14): the absorbed accounts, their own state "
        "and the merge's author, reason and time. Structures, memberships, links and logins are both sides'; "
        "a key of an absorbed account answers this account",
    )
    attachments: list[Attachment] = Field(
        default_factory=list, description="only on an account attached by an admin to another establishment"
    )
    assigned: list[Assigned] = Field(
        default_factory=list, description="only on an account assigned by hand to a free group, class or group"
    )
    duplicate_mark: dict[str, Any] | None = Field(
        None,
        description="only on an account an admin marked a duplicate (also once undone): of which account, "
        "status, author, reason, deletion date, and the sources that still deliver it",
    )
    pronote_matching_blocked: bool = Field(
        False,
        description="Pronote identifiers must not be attached to this account (domain-rules §5): it has a "
        "confirmed duplicate — it is deactivated as one, another account is deactivated as its duplicate, or "
        "an operator confirmed a suspected pair it belongs to. A pair merely suspected does not block",
    )


class Structure(Row):
    jointure: str
    uai: str
    name: str
    type: str
    contract: str
    present: int
    classes: list[str]
    groups: list[str]
    accounts: int = Field(description="pending and active accounts")
    group_source: str = Field(description="siecle | timetable | manual: where the groups get their members")


class StructureList(Row):
    structures: list[Structure]


class Member(Row):
    jointure: str
    profile: str
    login: str
    state: str
    source: str = Field("", description="manual: assigned by hand (admin action); absent: from the group source")


class ClassEntry(Row):
    kind: Literal["class", "group", "free"]
    code: str
    name: str = Field("", description="free groups (created by hand): the name people read")
    declared: bool
    students: int
    teachers: int
    population: str = Field(description="siecle | timetable | manual: where its members come from")
    unmatched: int = Field(0, description="timetable groups: members matched to no account")
    members: list[Member] = Field([], description="with members=true: who is in it")


class ClassList(Row):
    uai: str
    classes: list[ClassEntry]
