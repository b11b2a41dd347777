"""The admin actions of the API on the directory's people and groups
(issue 13): an account's login, manual accounts, free groups and members
assigned by hand, duplicate marks and attachments. Routes of the
``establishment`` group of daemon/http/actions.py (etab-admin within its
UAIs — a key outside them is a 404 — and operators; a reader gets 403),
answered in the order that module's docstring gives."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from daemon.http import action_models as am
from daemon.http import merge_models as mm
from daemon.http import merge_writes, writes
from daemon.http.actions import Admin, act, establishment, post
from daemon.http.api import TEXT, Served
from daemon.http.errors import ApiError

# The establishment group's caller and checks, routes of their own module.
people = APIRouter(prefix=establishment.prefix, dependencies=establishment.dependencies)


@post(people, "/accounts/{key:segment}/rename-login", am.LoginRenamed, "renameLogin",
       "Rename an account's login; the old one stays an alias.", "directory")  # fmt: skip
def rename_login(
    site: Served,
    request: Request,
    who: Admin,
    key: Annotated[str, Path(description="jointure, login (current or alias) or account id", pattern=TEXT)],
    body: am.RenameLogin,
) -> Any:
    return act(site, request, who, writes.rename_account_login, (key, body.new_login), scope=who.scope(), key=key,
                new_login=body.new_login, reason=body.reason)  # fmt: skip


# ---- manual accounts, free groups and duplicate marks (issue 13) -----------------------------
# A group is named in the path by its code (the use case's key; a code may hold spaces, a name
# accents: each is one percent-encoded segment, decoded once). An etab-admin asking ``force`` is
# a 403: the role may never force the guard, asking again later would not change that — not a 409,
# which says the state refused. The guard's 409 names a match by its account id, never by its
# jointure or login (made of the person's names), and outside an etab-admin's UAIs not at all.

UAI = Path(description="the establishment's UAI", pattern=TEXT)
GROUP_CODE = Path(description="the group's code (free group, or class or group with kind)", pattern=TEXT)
ACCOUNT_KEY = Path(description="jointure, login (current or alias) or account id", pattern=TEXT)
Uai = Annotated[str, UAI]
Code = Annotated[str, GROUP_CODE]


@post(people, "/structures/{uai:segment}/accounts", am.ManualAccount, "createManualAccount",
       "Create a manual account, unless the person has or is about to get one.", "directory")  # fmt: skip
def create_manual_account(site: Served, request: Request, who: Admin, uai: Uai, body: am.CreateAccount) -> Any:
    if body.force and who.scope() is not None:
        raise ApiError(HTTPStatus.FORBIDDEN, "forbidden", "only an operator may force a manual account over a match")
    said = (body.given_name, body.family_name, body.birth_date, body.mail, body.reason)
    return act(site, request, who, writes.create_manual_account, said, scope=who.scope(), uai=uai,
                body=body.model_dump())  # fmt: skip


@post(people, "/structures/{uai:segment}/groups", am.GroupDone, "createGroup",
       "Create a free group.", "directory")  # fmt: skip
def create_group(site: Served, request: Request, who: Admin, uai: Uai, body: am.CreateGroup) -> Any:
    return act(site, request, who, writes.create_group, (body.code, body.name), scope=who.scope(), uai=uai,
                code=body.code, name=body.name)  # fmt: skip


@post(people, "/structures/{uai:segment}/groups/{code:segment}/rename", am.GroupDone, "renameGroup",
       "Rename a free group.", "directory")  # fmt: skip
def rename_group(site: Served, request: Request, who: Admin, uai: Uai, code: Code, body: am.RenameGroup) -> Any:
    return act(site, request, who, writes.rename_group, (code, body.name), scope=who.scope(), uai=uai, code=code,
                name=body.name)  # fmt: skip


@post(people, "/structures/{uai:segment}/groups/{code:segment}/delete", am.GroupDone, "deleteGroup",
       "Delete a free group and the members assigned to it.", "directory")  # fmt: skip
def delete_group(site: Served, request: Request, who: Admin, uai: Uai, code: Code, body: am.Reasoned) -> Any:
    return act(site, request, who, writes.delete_group, (code,), scope=who.scope(), uai=uai, code=code,
                reason=body.reason)  # fmt: skip


@post(people, "/structures/{uai:segment}/groups/{code:segment}/members/add", am.GroupDone, "addMembers",
       "Assign accounts by hand; kept by every later import.", "directory")  # fmt: skip
def add_members(site: Served, request: Request, who: Admin, uai: Uai, code: Code, body: am.Members) -> Any:
    return act(site, request, who, writes.add_members, (code, *body.accounts), scope=who.scope(), uai=uai,
                code=code, kind=body.kind, accounts=list(body.accounts))  # fmt: skip


@post(people, "/structures/{uai:segment}/groups/{code:segment}/members/remove", am.GroupDone,
       "removeMembers", "Take back accounts assigned by hand.", "directory")  # fmt: skip
def remove_members(site: Served, request: Request, who: Admin, uai: Uai, code: Code, body: am.RemoveMembers) -> Any:
    return act(site, request, who, writes.remove_members, (code, *body.accounts), scope=who.scope(), uai=uai,
                code=code, kind=body.kind, accounts=list(body.accounts), reason=body.reason)  # fmt: skip


@post(people, "/accounts/{key:segment}/duplicate-mark", am.DuplicateMark, "markDuplicate",
       "Mark an account a duplicate of another: deactivated, deleted when due.", "directory")  # fmt: skip
def mark_duplicate(
    site: Served, request: Request, who: Admin, key: Annotated[str, ACCOUNT_KEY], body: am.MarkDuplicate
) -> Any:
    return act(site, request, who, writes.mark_account_duplicate, (key, body.of), scope=who.scope(), key=key,
                of=body.of, reason=body.reason)  # fmt: skip


@post(people, "/accounts/{key:segment}/duplicate-unmark", am.DuplicateMark, "unmarkDuplicate",
       "Undo a duplicate mark before the deletion.", "directory")  # fmt: skip
def unmark_duplicate(
    site: Served, request: Request, who: Admin, key: Annotated[str, ACCOUNT_KEY], body: am.Reasoned
) -> Any:
    return act(site, request, who, writes.unmark_account_duplicate, (key,), scope=who.scope(), key=key,
                reason=body.reason)  # fmt: skip


# ---- an admin's attachments (issue 13) -------------------------------------------------------


@post(people, "/accounts/{key:segment}/attachments", am.AttachmentRecorded, "attachAccount",
       "Attach an account to another establishment until an end date.", "directory")  # fmt: skip
def attach_account(
    site: Served, request: Request, who: Admin, key: Annotated[str, ACCOUNT_KEY], body: am.Attach
) -> Any:
    return act(site, request, who, writes.attach_account, (key,), scope=who.scope(), key=key, uai=body.uai,
                until=body.until, reason=body.reason)  # fmt: skip


@post(people, "/accounts/{key:segment}/attachments/{uai:segment}/end", am.AttachmentRecorded,
       "endAttachment", "End an admin's attachment before its end date.", "directory")  # fmt: skip
def end_attachment(
    site: Served,
    request: Request,
    who: Admin,
    key: Annotated[str, ACCOUNT_KEY],
    uai: Annotated[str, Path(description="the other establishment's UAI", pattern=TEXT)],
    body: am.Reasoned,
) -> Any:
    return act(site, request, who, writes.end_attachment, (key,), scope=who.scope(), key=key, uai=uai,
                reason=body.reason)  # fmt: skip


# ---- a merge of two accounts of one person, and its undoing (issue 14) ----------------------
# Both accounts must lie within an etab-admin's UAIs (their own structures and attachments),
# else the key is not found. The preview's disagreements carry names and birth dates to the
# caller who may act on both accounts; a refusal's 409 names the accounts by their ids only.


@post(people, "/accounts/{key:segment}/merge", mm.MergeDone, "mergeAccounts",
       "Merge another account of the same person into this one (dry_run: the preview).", "directory")  # fmt: skip
def merge_accounts(site: Served, request: Request, who: Admin, key: Annotated[str, ACCOUNT_KEY], body: mm.Merge) -> Any:
    return act(site, request, who, merge_writes.merge_accounts, (), scope=who.scope(), key=key,
                absorbed=body.absorbed, reason=body.reason, prefer=dict(body.prefer), dry_run=body.dry_run)  # fmt: skip


@post(people, "/accounts/{key:segment}/unmerge", mm.UnmergeDone, "unmergeAccounts",
       "Take a merge back (either account's key; dry_run: the preview).", "directory")  # fmt: skip
def unmerge_accounts(
    site: Served, request: Request, who: Admin, key: Annotated[str, ACCOUNT_KEY], body: mm.Unmerge
) -> Any:
    return act(site, request, who, merge_writes.unmerge_accounts, (), scope=who.scope(), key=key, reason=body.reason,
                dry_run=body.dry_run)  # fmt: skip
