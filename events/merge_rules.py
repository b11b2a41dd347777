"""Pure rules of a merge of two accounts of one person (issue 14,
domain-rules §1, §6): which merges and unmerges are allowed, and the
preview an operator reads before deciding — what the survivor keeps and
where the two accounts disagree. Functions of the accounts' raw rows (each
account as its sources made it, not folded), tested as tables; the use case
is events/usecases/admin_merge.py.

Decisions (design-14): both accounts exist, differ, and neither is removed;
the absorbed is not already absorbed and no chain forms (an absorbed
account is no survivor, an account that absorbed others is not absorbed:
unmerge first); a pending account may survive (the AAF account on its way)
but not be absorbed; a student merges only with a student, a guardian only
with a guardian, the staff and guest profiles among themselves. A reason is
always required. The survivor keeps its login, the absorbed one becomes an
alias; where the two disagree the survivor's value is shown unless the
operator prefers the absorbed one (``decisions``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


class MergeRefused(Exception):
    """A merge or unmerge a rule refuses; ``code`` names the rule (the CLI's
    --json, the API's error)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# The fields an operator decides where the two accounts disagree.
FIELDS = ("given_name", "family_name", "birth_date", "mail")
CHOICES = ("survivor", "absorbed")

# Profiles that may be one person's two accounts: a student only with a
# student, a guardian only with a guardian, staff and guests among themselves.
FAMILIES = {
    "ELEVE": "student",
    "PARENT": "guardian",
    "ENSEIGNANT": "staff",
    "NON_ENSEIGNANT": "staff",
    "PERSONNEL_COLLECTIVITE": "staff",
    "AUTRE": "staff",
}


@dataclass(frozen=True)
class MergeAccount:
    """One account as the read model has it, raw (not folded): its identity
    fields, what it holds (each as short text, sorted) and its merges."""

    account_id: str
    jointure: str
    login: str
    state: str
    profile: str
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""
    mail: str = ""
    uais: frozenset[str] = frozenset()  # its own structures' and its attachments'
    structures: tuple[str, ...] = ()
    memberships: tuple[str, ...] = ()
    manual_memberships: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    guardians: tuple[str, ...] = ()
    students: tuple[str, ...] = ()
    logins: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    absorbed_by: str = ""  # the survivor's account id while a merge holds
    absorbed: tuple[str, ...] = ()  # the accounts it absorbed (ids)


def named(a: MergeAccount) -> str:
    """An account as the CLI names it: its login and jointure."""
    return f"{a.login} ({a.jointure})" if a.login else a.jointure


def check_prefer(prefer: Mapping[str, str]) -> None:
    for name, choice in prefer.items():
        if name not in FIELDS:
            raise MergeRefused("unknown_field", f"{name!r} is not a field to decide (one of {', '.join(FIELDS)})")
        if choice not in CHOICES:
            raise MergeRefused("unknown_choice", f"{name}={choice!r}: the choice is 'survivor' or 'absorbed'")


def check_merge(survivor: MergeAccount, absorbed: MergeAccount, reason: str, prefer: Mapping[str, str]) -> None:
    """Raise MergeRefused unless ``absorbed`` may be merged into ``survivor``
    with the choices ``prefer`` (field → survivor | absorbed)."""
    if not reason.strip():
        raise MergeRefused("reason_required", "a reason is required: a merge makes two accounts one person")
    if survivor.account_id == absorbed.account_id:
        raise MergeRefused("same_account", f"account {named(survivor)} cannot be merged into itself")
    for side, a in (("survivor", survivor), ("absorbed", absorbed)):
        if a.state == "removed":
            raise MergeRefused(f"{side}_removed", f"account {named(a)} is removed: it cannot be merged")
    if absorbed.absorbed_by:
        raise MergeRefused("already_absorbed", f"account {named(absorbed)} is already merged into another account")
    if survivor.absorbed_by:
        raise MergeRefused(
            "survivor_absorbed",
            f"account {named(survivor)} is merged into another account: merge into that one, or unmerge first",
        )
    if absorbed.absorbed:
        raise MergeRefused(
            "absorbed_has_merges",
            f"account {named(absorbed)} absorbed other accounts: unmerge them first (no chains)",
        )
    if absorbed.state == "pending":
        raise MergeRefused(
            "absorbed_pending", f"account {named(absorbed)} is pending: it may survive a merge, not be absorbed"
        )
    if FAMILIES.get(survivor.profile, survivor.profile) != FAMILIES.get(absorbed.profile, absorbed.profile):
        raise MergeRefused(
            "profiles_differ",
            f"account {named(absorbed)} ({absorbed.profile}) and account {named(survivor)} ({survivor.profile}) "
            "cannot be one person: a student merges with a student, a guardian with a guardian, "
            "staff and guests among themselves",
        )
    check_prefer(prefer)
    differ = {d.field for d in disagreements(survivor, absorbed, {})}
    agreed = sorted(set(prefer) - differ)
    if agreed:
        raise MergeRefused("nothing_to_decide", f"the two accounts agree on {agreed[0]}: there is nothing to prefer")


def check_unmerge(account: MergeAccount, merged: bool, reason: str) -> None:
    """Raise MergeRefused unless a merge of ``account`` (either side) may be undone."""
    if not reason.strip():
        raise MergeRefused("reason_required", "a reason is required to undo a merge")
    if not merged:
        raise MergeRefused("not_merged", f"account {named(account)} is not merged with another account")
    if len(account.absorbed) > 1:
        raise MergeRefused(
            "several_merges",
            f"account {named(account)} absorbed {len(account.absorbed)} accounts: give the absorbed one to unmerge",
        )


@dataclass(frozen=True)
class Disagreement:
    """A field the two accounts disagree on, and the value the merge shows."""

    field: str
    survivor: str
    absorbed: str
    chosen: str  # survivor | absorbed

    @property
    def shown(self) -> str:
        return self.absorbed if self.chosen == "absorbed" else self.survivor


def _same(name: str, a: str, b: str) -> bool:
    if name == "mail":  # an address's case means nothing
        return a.strip().lower() == b.strip().lower()
    return a.strip() == b.strip()


def disagreements(
    survivor: MergeAccount, absorbed: MergeAccount, prefer: Mapping[str, str]
) -> tuple[Disagreement, ...]:
    return tuple(
        Disagreement(name, s, a, prefer.get(name, "survivor"))
        for name in FIELDS
        if not _same(name, s := getattr(survivor, name), a := getattr(absorbed, name))
    )


def _both(*values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for vs in values for v in vs}))


@dataclass(frozen=True)
class MergePreview:
    """What a merge does: the survivor keeps its login, the absorbed login is
    an alias, and the survivor shows what both hold; ``disagreements`` with
    the value shown for each (the survivor's unless preferred otherwise)."""

    survivor_id: str
    survivor_jointure: str
    survivor_login: str
    absorbed_id: str
    absorbed_jointure: str
    alias: str
    uais: tuple[str, ...]
    structures: tuple[str, ...]
    memberships: tuple[str, ...]
    manual_memberships: tuple[str, ...]
    attachments: tuple[str, ...]
    guardians: tuple[str, ...]
    students: tuple[str, ...]
    logins: tuple[str, ...]
    sources: tuple[str, ...]
    disagreements: tuple[Disagreement, ...] = field(default=())

    @property
    def decisions(self) -> dict[str, str]:
        """What the merge records: each disagreeing field's choice."""
        return {d.field: d.chosen for d in self.disagreements}

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["disagreements"] = [{**asdict(d), "shown": d.shown} for d in self.disagreements]
        out["decisions"] = self.decisions
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def preview(survivor: MergeAccount, absorbed: MergeAccount, prefer: Mapping[str, str] | None = None) -> MergePreview:
    """The preview of merging ``absorbed`` into ``survivor`` (the rules checked first)."""
    return MergePreview(
        survivor_id=survivor.account_id,
        survivor_jointure=survivor.jointure,
        survivor_login=survivor.login,
        absorbed_id=absorbed.account_id,
        absorbed_jointure=absorbed.jointure,
        alias=absorbed.login,
        uais=_both(survivor.uais, absorbed.uais),
        structures=_both(survivor.structures, absorbed.structures),
        memberships=_both(survivor.memberships, absorbed.memberships),
        manual_memberships=_both(survivor.manual_memberships, absorbed.manual_memberships),
        attachments=_both(survivor.attachments, absorbed.attachments),
        guardians=_both(survivor.guardians, absorbed.guardians),
        students=_both(survivor.students, absorbed.students),
        logins=_both(survivor.logins, absorbed.logins),
        sources=_both(survivor.sources, absorbed.sources),
        disagreements=disagreements(survivor, absorbed, prefer or {}),
    )


def covered(scope: frozenset[str] | None, *accounts: MergeAccount) -> bool:
    """Whether a caller's ``scope`` (None: an operator) covers every UAI of
    the accounts — their own structures' and attachments'; an account of no
    UAI is covered by no establishment."""
    if scope is None:
        return True
    return all(a.uais and a.uais <= scope for a in accounts)
