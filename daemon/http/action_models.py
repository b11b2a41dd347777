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
