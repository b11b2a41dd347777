"""What the clock decides (domain-rules §3, §4, §11, §12): the transitions
due at an instant, as a pure function of the directory's rows and the
policy — creations due after 48 h (a guardian only with a legal link to a
child still enrolled), removals at Toussaint and of deleted duplicates,
guardians removed with their last child, and removal dates the rules now set
otherwise (a provisional date the calendar now knows, a removal sooner than
the minimum notice), and admins' attachments at their end date.

events/usecases/tick.py reads the rows through ``TickQueries`` and records
the plan as events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from events.attachment_rules import END_DATE_REACHED
from events.login import Taken
from events.policy import Policy
from events.rules import login_for, removal_with_notice
from events.usecases.admin_attachments import DueAttachment

# Why a due removal happens, by the account's state: a manual account is
# active until its end date (domain-rules §1).
REMOVAL_REASONS = {"departing": "toussaint", "deactivated": "duplicate_deleted", "active": "end_date"}
# A child in one of these states no longer makes its guardian eligible for an account.
NOT_ENROLLED = ("removed", "withdrawn", "no_account")


@dataclass(frozen=True)
class Transition:
    kind: str  # create | eligible+create | decline | remove | remove-held | reschedule | defer | end-attachment | erase | erase-held | erase-details | erase-details-held | PRECEDENCE
    account_id: str
    jointure: str
    profile: str
    reason: str
    login: str = ""
    removal_due: str = ""
    provisional: bool = False
    uai: str = ""  # end-attachment: the establishment left

    def as_dict(self) -> dict[str, Any]:
        shown = asdict(self)
        if not self.uai:  # only an attachment's end names one
            del shown["uai"]
        return shown


@dataclass(frozen=True)
class DueAccount:
    """A pending account, or a guardian left without account (who becomes
    eligible once a legal link to an enrolled child appears)."""

    account_id: str
    jointure: str
    profile: str
    state: str  # pending | no_account
    login: str  # "" until one is reserved
    given_name: str
    family_name: str
    creation_due: datetime | None


@dataclass(frozen=True)
class DueRemoval:
    """A departing account, a deactivated duplicate, or a manual account at its end date, with its removal date."""

    account_id: str
    jointure: str
    profile: str
    state: str  # departing | deactivated | active (a manual account's end date)
    removal_due: datetime


@dataclass(frozen=True)
class GuardianLink:
    """A student's guardian, the guardian's legal responsibility and the student's state."""

    guardian_jointure: str
    student_id: str
    resp_legal: str
    student_state: str


@dataclass(frozen=True)
class Guardian:
    """A guardian's account that is active or departing."""

    account_id: str
    jointure: str


@dataclass(frozen=True)
class Schedule:
    """A departing account's removal schedule: the departure, when it was
    recorded (a SIECLE leaving date is recorded after the day it names) and
    the removal date."""

    account_id: str
    jointure: str
    profile: str
    departed_at: datetime
    recorded_at: datetime
    removal_due: datetime
    provisional: bool


@dataclass(frozen=True)
class TickRows:
    """What the clock reads of the directory. ``creations`` and ``removals``
    may hold rows not due yet: ``plan`` judges them at its instant; their
    order (due time, then jointure) is the order of the plan, and the order
    in which new logins are given."""

    creations: Sequence[DueAccount] = ()
    removals: Sequence[DueRemoval] = ()
    links: Sequence[GuardianLink] = ()
    guardians: Sequence[Guardian] = ()  # by jointure
    schedules: Sequence[Schedule] = ()
    withheld: frozenset[str] = field(default_factory=frozenset)  # teachers of no served structure (domain-rules §12)
    logins: Taken = field(default_factory=Taken)  # every login ever given
    removals_held: bool = False  # the operator's hold on removals (domain-rules §11)
    attachments: Sequence[DueAttachment] = ()  # admins' attachments whose end date came (issue 13)


def plan(rows: TickRows, at: datetime, policy: Policy) -> list[Transition]:
    """Every transition due at ``at``: creations, removals, guardians
    following their last child, then the removal dates corrected — in a
    deterministic order. While removals are held, a due removal is listed
    as ``remove-held``: not to be recorded."""
    out = _creations(rows, at, policy)
    corrections = schedule_corrections(rows.schedules, policy)
    moved = {t.account_id for t in corrections}
    removals = [
        Transition(
            "remove",
            r.account_id,
            r.jointure,
            r.profile,
            REMOVAL_REASONS[r.state],
            removal_due=_utc(r.removal_due),
        )
        for r in rows.removals
        # a removal date that changes is corrected first; the next tick decides again
        if r.removal_due <= at and r.account_id not in moved
    ]
    removals += orphaned_guardians(rows.guardians, rows.links, {t.account_id for t in removals})
    if rows.removals_held:
        removals = [replace(t, kind="remove-held") for t in removals]
    return out + removals + corrections + ended_attachments(rows.attachments, at)


def ended_attachments(attachments: Sequence[DueAttachment], at: datetime) -> list[Transition]:
    """The admins' attachments the end date ends (not a removal: never held)."""
    return [
        Transition(
            "end-attachment",
            a.account_id,
            a.jointure,
            "",
            f"attachment to {a.uai}: {END_DATE_REACHED}",
            removal_due=_utc(a.until),
            uai=a.uai,
        )
        for a in attachments
        if a.until <= at
    ]


def _creations(rows: TickRows, at: datetime, policy: Policy) -> list[Transition]:
    """Pending accounts due (domain-rules §3) and guardians without account
    who got a legal link (§1); a guardian due without one is declined, and
    the teachers of no served structure wait (§12: listed to escalate)."""
    eligible = eligible_guardians(rows.links, policy.guardian_account_levels)
    taken = rows.logins.copy()
    out = []
    for row in rows.creations:
        if row.state == "pending" and (
            row.account_id in rows.withheld or row.creation_due is None or row.creation_due > at
        ):
            continue
        is_eligible = row.profile != "PARENT" or row.jointure in eligible
        if row.state == "no_account":
            if row.profile != "PARENT" or not is_eligible:
                continue
            kind = "eligible+create"
        elif not is_eligible:
            out.append(Transition("decline", row.account_id, row.jointure, row.profile, "no_legal_link"))
            continue
        else:
            kind = "create"
        login = row.login
        if not login:
            login = login_for(row.given_name, row.family_name, taken)
            taken.add(login)
        out.append(Transition(kind, row.account_id, row.jointure, row.profile, "creation_due", login))
    return out


def eligible_guardians(links: Sequence[GuardianLink], levels: Sequence[str]) -> set[str]:
    """Guardians legally responsible (``levels``) for a child still enrolled (domain-rules §1)."""
    return {
        link.guardian_jointure for link in links if link.resp_legal in levels and link.student_state not in NOT_ENROLLED
    }


def orphaned_guardians(
    guardians: Sequence[Guardian], links: Sequence[GuardianLink], removed_now: set[str]
) -> list[Transition]:
    """Guardians whose children are all removed go with the last one (domain-rules §4)."""
    children: dict[str, list[GuardianLink]] = {}
    for link in links:
        children.setdefault(link.guardian_jointure, []).append(link)
    out = []
    for g in guardians:
        if g.account_id in removed_now:
            continue
        kids = children.get(g.jointure, [])
        if kids and all(k.student_state == "removed" or k.student_id in removed_now for k in kids):
            out.append(Transition("remove", g.account_id, g.jointure, "PARENT", "last_child_removed"))
    return out


def schedule_corrections(schedules: Sequence[Schedule], policy: Policy) -> list[Transition]:
    """Removal dates the rules now set otherwise: a provisional date once the
    calendar knows the year (``reschedule``), and a removal sooner than the
    minimum notice after the departure and its recording (``defer``,
    domain-rules §12) — which also corrects departures an earlier release
    scheduled without the notice."""
    calendar = policy.calendar()
    tz = ZoneInfo(policy.timezone)
    out = []
    for s in schedules:
        due, provisional, basis = removal_with_notice(
            s.departed_at.astimezone(tz).date(),
            s.recorded_at.astimezone(tz).date(),
            calendar,
            policy.removal_notice_days,
        )
        due_at = datetime.combine(due, time(0), tz)
        if basis == "minimum_notice" and s.removal_due < due_at:
            kind, reason = "defer", "minimum_notice"
        elif s.provisional and not provisional:
            kind, reason = "reschedule", "calendar_configured"
        else:
            continue
        out.append(Transition(kind, s.account_id, s.jointure, s.profile, reason, removal_due=due_at.isoformat()))
    return out


def _utc(at: datetime) -> str:
    """A due time as the read model writes it."""
    return at.astimezone(timezone.utc).isoformat()
