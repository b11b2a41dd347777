"""The clock's transitions (domain-rules §3, §4, §11): creations that are
due, removals at Toussaint, guardians removed with their last child, and
provisional removal dates made final once the calendar knows the year.

``plan`` reads the read model and decides; ``tick`` records the plan as
events, so the log alone explains every state. Both take ``at`` explicitly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from daemon.bootstrap import Context
from events.account import account_id
from events.login import Login
from events.purge import PURGE_HOLD_ID, PurgeHold
from events.rules import login_for, removal_with_notice
from events.usecases import precedence, siecle_relink
from events.usecases.aaf_ingest import check_interrupted
from projections.account_queries import departing_schedule
from projections.schema import iso
from projections.served import unserved_staff

BATCH = 500
PRECEDENCE = ("advance-clock", "declare-departure", "cancel-departure")


@dataclass(frozen=True)
class Transition:
    kind: str  # create | eligible+create | decline | remove | remove-held | reschedule | defer | PRECEDENCE
    account_id: str
    jointure: str
    profile: str
    reason: str
    login: str = ""
    removal_due: str = ""
    provisional: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _eligible_guardians(ctx: Context) -> set[str]:
    levels = ctx.policy.guardian_account_levels
    marks = ",".join("?" * len(levels))
    return {
        r[0]
        for r in ctx.db.query(
            f"SELECT DISTINCT l.guardian_jointure FROM guardian_links l JOIN accounts s ON s.account_id = l.student_id "
            f"WHERE l.resp_legal IN ({marks}) AND s.state NOT IN ('removed', 'withdrawn', 'no_account')",
            levels,
        )
    }


def plan(ctx: Context, at: datetime) -> list[Transition]:
    """Every transition due at ``at``, in a deterministic order."""
    db, now = ctx.db, iso(at)
    out: list[Transition] = []
    eligible = _eligible_guardians(ctx)
    withheld = unserved_staff(db, ctx.policy)  # domain-rules §12: listed to escalate, not created
    taken = {r[0] for r in db.query("SELECT login FROM logins")}
    due = db.query_dicts(
        "SELECT account_id, jointure, profile, state, login, attrs FROM accounts "
        "WHERE (state = 'pending' AND creation_due <= ?) OR (state = 'no_account' AND profile = 'PARENT') "
        "ORDER BY creation_due, jointure",
        (now,),
    )
    for row in due:
        if row["state"] == "pending" and row["account_id"] in withheld:
            continue
        is_eligible = row["profile"] != "PARENT" or row["jointure"] in eligible
        if row["state"] == "no_account":
            if not is_eligible:
                continue
            kind = "eligible+create"
        elif not is_eligible:
            out.append(Transition("decline", row["account_id"], row["jointure"], row["profile"], "no_legal_link"))
            continue
        else:
            kind = "create"
        login = row["login"]
        if not login:
            attrs = json.loads(row["attrs"])
            login = login_for((attrs.get("givenName") or [""])[0], (attrs.get("sn") or [""])[0], taken)
            taken.add(login)
        out.append(Transition(kind, row["account_id"], row["jointure"], row["profile"], "creation_due", login))
    corrections = _schedule_corrections(ctx)
    moved = {t.account_id for t in corrections}
    removed_now: set[str] = set()
    for row in db.query_dicts(
        "SELECT account_id, jointure, profile, state, removal_due FROM accounts "
        "WHERE state IN ('departing', 'deactivated') AND removal_due <= ? ORDER BY removal_due, jointure",
        (now,),
    ):
        if row["account_id"] in moved:  # its removal date changes first; the next tick decides again
            continue
        reason = "toussaint" if row["state"] == "departing" else "duplicate_deleted"
        out.append(
            Transition(
                "remove", row["account_id"], row["jointure"], row["profile"], reason, removal_due=row["removal_due"]
            )
        )
        removed_now.add(row["account_id"])
    out.extend(_orphaned_guardians(ctx, removed_now))
    out.extend(corrections)
    return out


def _orphaned_guardians(ctx: Context, removed_now: set[str]) -> list[Transition]:
    """Guardians whose children are all removed go with the last one (domain-rules §4)."""
    children: dict[str, list[tuple[str, str]]] = {}
    for guardian, student, state in ctx.db.query(
        "SELECT l.guardian_jointure, l.student_id, s.state FROM guardian_links l "
        "JOIN accounts s ON s.account_id = l.student_id ORDER BY l.guardian_jointure, l.student_id"
    ):
        children.setdefault(guardian, []).append((student, state))
    out = []
    for row in ctx.db.query_dicts(
        "SELECT account_id, jointure, profile FROM accounts WHERE profile = 'PARENT' "
        "AND state IN ('active', 'departing') ORDER BY jointure"
    ):
        kids = children.get(row["jointure"], [])
        if row["account_id"] in removed_now:
            continue
        if kids and all(state == "removed" or sid in removed_now for sid, state in kids):
            out.append(Transition("remove", row["account_id"], row["jointure"], "PARENT", "last_child_removed"))
    return out


def _schedule_corrections(ctx: Context) -> list[Transition]:
    """Removal dates the rules now set otherwise: a provisional date once the
    calendar knows the year (``reschedule``), and a removal sooner than the
    minimum notice after the departure and its recording (``defer``,
    domain-rules §12) — which also corrects departures an earlier release
    scheduled without the notice."""
    calendar = ctx.policy.calendar()
    tz = ZoneInfo(ctx.policy.timezone)
    notice = ctx.policy.removal_notice_days
    out = []
    for row in departing_schedule(ctx.db):
        departed = datetime.fromisoformat(row["departed_at"]).astimezone(tz).date()
        recorded = datetime.fromisoformat(row["recorded_at"]).astimezone(tz).date()
        due, provisional, basis = removal_with_notice(departed, recorded, calendar, notice)
        due_at = datetime.combine(due, time(0), tz)
        current = datetime.fromisoformat(row["removal_due"])
        if basis == "minimum_notice" and current < due_at:
            out.append(
                Transition(
                    "defer",
                    row["account_id"],
                    row["jointure"],
                    row["profile"],
                    "minimum_notice",
                    removal_due=due_at.isoformat(),
                )
            )
        elif row["removal_provisional"] and not provisional:
            out.append(
                Transition(
                    "reschedule",
                    row["account_id"],
                    row["jointure"],
                    row["profile"],
                    "calendar_configured",
                    removal_due=due_at.isoformat(),
                )
            )
    return out


def purge_hold(ctx: Context) -> dict:
    """The operator's hold on removals as the read model knows it."""
    value = ctx.db.scalar("SELECT value FROM meta WHERE key = 'purge_hold'")
    return json.loads(value) if value else {"held": False}


def tick(ctx: Context, now: datetime | None = None, dry_run: bool = False) -> tuple[datetime, list[Transition]]:
    """Record every transition due at ``now`` (or only list them). While
    removals are held (domain-rules §11), due removals are listed with kind
    ``remove-held`` and not recorded."""
    at = ctx.effective_now(now)
    check_interrupted(ctx, "")
    ctx.projection.catch_up(ctx.log)
    if not dry_run:  # a relink a crash interrupted after its delivery (issue 18, point 4)
        siecle_relink.follow_up(ctx, at)
    # SIECLE first (clock, leaving dates), then what is due in the updated state.
    transitions = [
        Transition(d.kind, d.account_id, d.jointure, "", d.reason) for d in precedence.apply(ctx, at, dry_run=dry_run)
    ]
    transitions += plan(ctx, at)
    if purge_hold(ctx)["held"]:
        transitions = [
            Transition("remove-held", t.account_id, t.jointure, t.profile, t.reason, removal_due=t.removal_due)
            if t.kind == "remove"
            else t
            for t in transitions
        ]
    if dry_run:
        return at, transitions
    account_schedule = (
        {r["account_id"]: r for r in departing_schedule(ctx.db)} if any(t.kind == "defer" for t in transitions) else {}
    )

    def changed_accounts():
        for t in transitions:
            if t.kind == "remove-held" or t.kind in PRECEDENCE:  # listed, not recorded / recorded above
                continue
            account = ctx.log.get(account_id(t.jointure))
            group: list = [account]
            if t.kind in ("create", "eligible+create"):
                if t.kind == "eligible+create":
                    account.become_eligible(at)
                if not account.login:  # reserved in the same transaction as the creation
                    group.append(Login(login=t.login, account_id=t.account_id, at=at))
                account.create_account(t.login, at)
            elif t.kind == "decline":
                account.decline(t.reason, at)
            elif t.kind == "remove":
                account.remove(t.reason, at)
            elif t.kind == "reschedule":
                account.reschedule_removal(datetime.fromisoformat(t.removal_due), False, at)
            elif t.kind == "defer":
                schedule = account_schedule[t.account_id]
                account.defer_removal(
                    datetime.fromisoformat(t.removal_due),
                    max(
                        datetime.fromisoformat(schedule["departed_at"]), datetime.fromisoformat(schedule["recorded_at"])
                    ),
                    ctx.policy.removal_notice_days,
                    at,
                )
            yield group

    ctx.log.save_in_batches(changed_accounts(), ctx.batch or BATCH)
    ctx.projection.catch_up(ctx.log)
    return at, transitions


def hold_removals(ctx: Context, operator: str, reason: str, now: datetime | None = None) -> None:
    """Place the operator's hold on removals (domain-rules §11)."""
    at = ctx.effective_now(now)
    hold = ctx.log.find(PURGE_HOLD_ID)
    if hold is None:
        hold = PurgeHold(operator=operator, reason=reason, at=at)
    else:
        hold.place(operator, reason, at)
    ctx.log.save(hold)
    ctx.projection.catch_up(ctx.log)


def lift_hold(ctx: Context, operator: str, now: datetime | None = None) -> None:
    """Lift the hold: the next tick records the removals that are due."""
    at = ctx.effective_now(now)
    hold = ctx.log.find(PURGE_HOLD_ID)
    if hold is None:
        raise ValueError("removals are not held")
    hold.lift(operator, at)
    ctx.log.save(hold)
    ctx.projection.catch_up(ctx.log)
