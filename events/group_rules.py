"""Whether an admin action on an establishment's groups is allowed
(domain-rules §2, issue 13): pure rules on the codes and names, on the
groups the establishment has, and on the accounts named as members.

A free group's code follows the division and group codes of §2 (at most 8
characters: letters, digits, space, ``-``, ``_``) and may not be one of the
establishment's classes or groups, nor another free group's: a member list
must never be ambiguous. Its name is what people read ("Médico-social"):
1 to ``NAME_MAX_LENGTH`` printable characters. Members are assigned by hand
to a class or a group only when the establishment's group source is manual
(option 3); free groups take members whatever the source. A member is an
account of the establishment that is not removed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

CODE_MAX_LENGTH = 8
NAME_MAX_LENGTH = 64
_CODE = re.compile(r"[A-Za-z0-9 _-]+", re.ASCII)


class GroupRefused(ValueError):
    """An action the rules do not allow: ``code`` for scripts, the message for the operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Member:
    """An account named as a member, as the read model knows it."""

    key: str
    account_id: str
    state: str
    structures: frozenset[str]


def check_code(code: str) -> None:
    if not code.strip():
        raise GroupRefused("malformed_code", "a group code is not empty")
    if len(code) > CODE_MAX_LENGTH:
        raise GroupRefused("malformed_code", f"a group code has at most {CODE_MAX_LENGTH} characters, not {len(code)}")
    if not _CODE.fullmatch(code):
        raise GroupRefused("malformed_code", "a group code is letters, digits, space, '-' and '_'")


def check_name(name: str) -> None:
    if not name.strip():
        raise GroupRefused("malformed_name", "a group name is not empty")
    if len(name) > NAME_MAX_LENGTH:
        raise GroupRefused("malformed_name", f"a group name has at most {NAME_MAX_LENGTH} characters, not {len(name)}")
    if any(unicodedata.category(c)[0] == "C" for c in name):
        raise GroupRefused("malformed_name", "a group name holds no control or invisible characters")


def check_reason(reason: str, action: str) -> None:
    if not reason.strip():
        raise GroupRefused("no_reason", f"{action} needs a reason (--reason), recorded with it")


def check_create(code: str, name: str, free: Collection[str], structure_codes: Collection[str]) -> None:
    """A new free group beside the free groups and the structure's classes and groups."""
    check_code(code)
    check_name(name)
    if code in free:
        raise GroupRefused("duplicate", f"{code!r} is a free group of the establishment already")
    if code in structure_codes:
        raise GroupRefused("duplicate", f"{code!r} is a class or group of the establishment already")


def category_group(name: str, code: str, free: dict[str, str], structure_codes: Collection[str]) -> tuple[str, bool]:
    """The free group a manual account of a category joins (domain-rules §1):
    the establishment's free group of that name if it has one (True), else a
    new one under ``code`` — or, when an administrator's group or a class
    already holds that code, the first of ``code`` numbered 2, 3… that none
    holds (a member list must never be ambiguous)."""
    for held, held_name in sorted(free.items()):
        if held_name == name:
            return held, True
    taken = set(free) | set(structure_codes)
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = code[: CODE_MAX_LENGTH - len(str(n))] + str(n)
    check_code(candidate)
    return candidate, False


def check_free_group(code: str, free: Collection[str]) -> None:
    if code not in free:
        raise GroupRefused("unknown_group", f"no free group {code!r} in the establishment")


def check_rename(code: str, name: str, free: dict[str, str]) -> None:
    check_free_group(code, free)
    check_name(name)
    if free[code] == name:
        raise GroupRefused("unchanged", f"{name!r} is the group's name already")


def check_target(
    kind: str, code: str, free: Collection[str], classes: Collection[str], groups: Collection[str], source: str
) -> None:
    """Whether members may be assigned by hand to (kind, code)."""
    if kind == "free":
        check_free_group(code, free)
        return
    held = classes if kind == "class" else groups if kind == "group" else None
    if held is None:
        raise GroupRefused("unknown_kind", f"a kind is free, class or group, not {kind!r}")
    if code not in held:
        raise GroupRefused("unknown_group", f"no {kind} {code!r} in the establishment")
    if source != "manual":
        raise GroupRefused(
            "not_manual",
            f"the establishment's groups get their members from {source}: "
            "members are assigned by hand only with the manual group source (entsync group-source UAI manual)",
        )


def check_add(members: Sequence[Member], structure: str, current: Collection[str]) -> None:
    """Each account belongs to the establishment, is not removed and not a member yet."""
    if not members:
        raise GroupRefused("no_member", "name at least one account")
    seen: set[str] = set()
    for m in members:
        if m.state == "removed":
            raise GroupRefused("removed", f"the account {m.key!r} is removed")
        if structure not in m.structures:
            raise GroupRefused("other_establishment", f"the account {m.key!r} does not belong to the establishment")
        if m.account_id in current or m.account_id in seen:
            raise GroupRefused("already_member", f"the account {m.key!r} is a member already")
        seen.add(m.account_id)


def check_remove(members: Sequence[Member], current: Collection[str]) -> None:
    """Each account was assigned by hand (a member from an import is not removed here)."""
    if not members:
        raise GroupRefused("no_member", "name at least one account")
    for m in members:
        if m.account_id not in current:
            raise GroupRefused("not_member", f"the account {m.key!r} was not assigned to it by hand")
