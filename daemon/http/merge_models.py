"""The requests and answers of the API's merge and unmerge (issue 14), as
the other admin actions' (daemon/http/action_models.py): the preview or the
merge as the CLI's ``--json`` shows it (events/usecases/admin_merge.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from daemon.http.action_models import Answer, Key, Request, Text

MergeField = Literal["given_name", "family_name", "birth_date", "mail"]  # events/merge_rules.FIELDS


class Merge(Request):
    absorbed: Key = Field(description="the account merged into the path's (the survivor): jointure, login or id")
    reason: Text = Field(description="why (required, recorded with the merge)")
    prefer: dict[MergeField, Literal["survivor", "absorbed"]] = Field(
        default_factory=dict,
        description="where the two disagree, the value shown: the survivor's unless 'absorbed' "
        "(only fields they disagree on)",
    )
    dry_run: bool = Field(False, description="answer the preview; record nothing")


class Unmerge(Request):
    reason: Text = Field(description="why (required, recorded with the unmerge)")
    dry_run: bool = Field(False, description="answer the preview with the actions taken while merged")


class Disagreement(Answer):
    field: str
    survivor: str
    absorbed: str
    chosen: str = Field(description="survivor or absorbed")
    shown: str


class MergeDone(Answer):
    """A merge previewed (``status`` preview: nothing recorded) or recorded
    (merged): what the survivor keeps, and where the two accounts disagree."""

    status: str = Field(description="preview or merged")
    survivor_id: str
    survivor_jointure: str
    survivor_login: str
    absorbed_id: str
    absorbed_jointure: str
    alias: str = Field(description="the absorbed account's login: resolves to the survivor while the merge holds")
    uais: list[str]
    structures: list[str]
    memberships: list[str]
    manual_memberships: list[str]
    attachments: list[str]
    guardians: list[str]
    students: list[str]
    logins: list[str]
    sources: list[str]
    disagreements: list[Disagreement]
    decisions: dict[str, str] = Field(description="each disagreeing field's choice, recorded with the merge")
    author: str = Field(description="the token's name")
    reason: str
    at: str


class ActionWhileMerged(Answer):
    stream: str = Field(description="account (the survivor's stream) or groups (an establishment's)")
    event: str
    at: str
    author: str
    detail: str = ""


class UnmergeDone(Answer):
    """An unmerge previewed (``status`` preview) or recorded (unmerged); the
    actions taken while merged stay with the survivor."""

    status: str = Field(description="preview or unmerged")
    survivor_id: str
    survivor_jointure: str
    survivor_login: str
    absorbed_id: str
    absorbed_jointure: str
    alias: str
    merged: dict[str, Any] = Field(description="the merge taken back: its author, reason, time and decisions")
    actions_while_merged: list[ActionWhileMerged]
    actions_stay_with: str = Field(description="the survivor's jointure")
    author: str = Field(description="the token's name")
    reason: str
    at: str
