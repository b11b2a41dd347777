"""The admin actions' requests and answers as pydantic models (issue 13):
a request is a JSON object with only the fields declared (any other is a
400), bounded like every body (64 KiB); an answer is what the CLI's
``--json`` shows for the same decision (events/usecases/result.py's
``as_dict``, a rename's ``LoginRenamed``, the purge hold's state)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

# No NUL (as the query parameters) and something to say: a reason is recorded with the fact.
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[^\x00]*$")]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Reasoned(Request):
    reason: Text = Field(description="why (required, recorded with the fact)")


class Validate(Request):
    accept_end_date: bool = Field(
        False, description="apply an import whose school year ends after 15 July up to 15 July only"
    )


class Retry(Request):
    lift: list[Key] = Field(
        default_factory=list, max_length=20, description="thresholds lifted for this import only (never structures)"
    )


class MatchByHand(Request):
    ident: Key = Field(description="the import's ident of the teacher, student, class or group")
    kind: Literal["teacher", "student", "class", "group"] | None = Field(
        None, description="which item, when two of the import share the ident"
    )
    account: Key | None = Field(None, description="a teacher or student: the account's jointure")
    code: Key | None = Field(None, description="a class or group: its code")


class ChooseGroupSource(Request):
    source: Literal["siecle", "timetable", "manual"] = Field(description="where the groups get their members")


class RenameLogin(Request):
    new_login: Key
    reason: Text = Field(description="why (required, recorded with the rename)")


class Followed(Answer):
    delivery_id: str
    status: str
    reason: str = ""


class DeliveryDecision(Answer):
    """A held delivery released or rejected, and the deltas that waited behind it."""

    delivery_id: str
    status: str
    counts: dict[str, int] = Field(default_factory=dict)
    followed: list[Followed]


class ImportDecision(Answer):
    """What a timetable, STS-web or SIECLE import became (the CLI's --json)."""

    import_id: str
    status: str
    reason: str = ""
    message: str = ""
    uai: str = ""
    kind: str = ""
    file: str = ""
    counts: dict[str, int] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    rejections: list[dict[str, Any]] = Field(default_factory=list)
    set_aside: list[dict[str, Any]] = Field(default_factory=list)


class PurgeHold(Answer):
    held: bool
    operator: str = ""
    reason: str = ""
    at: str | None = None


class GroupSource(Answer):
    uai: str
    group_source: str


class LoginRenamed(Answer):
    account_id: str
    jointure: str
    old_login: str
    new_login: str
    author: str = Field(description="the token's name")
    reason: str
    at: str


# ---- manual accounts, free groups and duplicate marks (issue 13) ----------------------------

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Category = Literal["social_worker", "attee", "external_tutor", "apprentice", "guest"]  # events/manual_rules.CATEGORIES
GroupKind = Literal["free", "class", "group"]


class CreateAccount(Request):
    category: Category = Field(description="the population the AAF does not carry; its profile and free group follow")
    given_name: Name = Field(description="first name")
    family_name: Name = Field(description="last name")
    birth_date: Annotated[str, StringConstraints(max_length=10)] = Field(description="YYYY-MM-DD or DD/MM/YYYY")
    end: AwareDatetime | None = Field(None, description="end date, with its offset: removed then (or perenne)")
    perenne: bool = Field(False, description="a compte pérenne: no end date (or end)")
    mail: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^\x00]*$")] = Field(
        "", description="the person's e-mail (also compared with the académie's)"
    )
    force: bool = Field(
        False, description="an operator's only (403 otherwise): create it over a matching account, with a reason"
    )
    reason: Annotated[str, StringConstraints(max_length=1000, pattern=r"^[^\x00]*$")] = Field(
        "", description="why (required with force, recorded with the account)"
    )


class CreateGroup(Request):
    code: Key = Field(description="the free group's code: at most 8 letters, digits, space, '-' or '_'")
    name: Name = Field(description="its name: 1 to 64 printable characters")


class RenameGroup(Request):
    name: Name = Field(description="the free group's new name")


class Members(Request):
    accounts: list[Key] = Field(min_length=1, max_length=100, description="accounts: jointure, login or account id")
    kind: GroupKind = Field(
        "free", description="free: a free group; class or group: one of the establishment's (group source manual)"
    )


class RemoveMembers(Members):
    reason: Text = Field(description="why (required, recorded with the action)")


class MarkDuplicate(Request):
    of: Key = Field(description="the account kept: jointure, login (current or alias) or account id")
    reason: Text = Field(description="why (required, recorded with the mark)")


class ManualAccount(Answer):
    """The manual account recorded (the CLI's --json)."""

    account_id: str
    jointure: str = Field(description="its generated key, manual-…")
    category: str
    profile: str
    free_group: str
    login: str
    uai: str
    end: str | None
    perenne: bool
    author: str = Field(description="the token's name")
    reason: str
    overrides: list[str] = Field(description="the matching accounts a forced creation overrode")
    at: str


class GroupDone(Answer):
    """One action on a group, as recorded."""

    uai: str
    action: str
    kind: str
    code: str
    author: str = Field(description="the token's name")
    at: str
    name: str = ""
    reason: str = ""
    members: list[str] = Field(default_factory=list, description="the account ids the action named")


class DuplicateMark(Answer):
    """A duplicate mark recorded or undone."""

    account_id: str
    jointure: str
    duplicate_of: str
    state: str
    author: str = Field(description="the token's name")
    reason: str
    at: str
    deletion_due: str | None


# ---- an admin's attachments (issue 13) -------------------------------------------------------


class Attach(Request):
    uai: Key = Field(description="the other establishment's UAI")
    until: AwareDatetime = Field(description="the end date, with its offset: the clock ends the attachment then")
    reason: Text = Field(description="why (required, recorded with the attachment)")


class AttachmentRecorded(Answer):
    account_id: str
    jointure: str
    uai: str
    status: str = Field(description="attached or ended")
    until: str | None
    author: str = Field(description="the token's name")
    reason: str
    at: str
