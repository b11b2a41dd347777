"""SIECLE before the AAF (domain-rules §11, Precedence).

SIECLE is an earlier, more detailed view of the facts the AAF delivers:

- a person first seen in SIECLE starts the 48 h clock, which the later AAF
  record does not restart (``advance-clock``);
- a SIECLE leaving date that has come makes the account departing from that
  date, even while the AAF still lists the person; a pending account is then
  never created (``declare-departure``);
- the departure holds until a new enrolment: in the AAF (another structure or
  another class, decided by the account itself when the record changes) or in
  SIECLE (the leaving date withdrawn or moved later, ``cancel-departure``).

``plan`` reads the directory and SIECLE read models and decides; ``apply``
records each decision as an account event carrying the facts it rests on.
``relink`` retries the SIECLE records left without account once the AAF has
delivered new accounts; ``follow_up`` runs it for every applied AAF delivery
it has not followed yet, so that a crash between ``Delivery.Applied`` and the
relink is made good by the next ingest (even of the same delivery), tick or
start. Every function takes the effective time ``at``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from daemon.bootstrap import Context
from events.account import account_id
from events.rules import creation_due, removal_with_notice

BATCH = 500


@dataclass(frozen=True)
class Decision:
    kind: str  # advance-clock | declare-departure | cancel-departure
    account_id: str
    jointure: str
    source_id: str  # the SIECLE stream the decision rests on
    reason: str
    seen_at: str = ""  # advance-clock: the SIECLE first sighting
    left_on: str = ""  # declare/cancel: the leaving date

    def as_dict(self) -> dict:
        return asdict(self)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def plan(ctx: Context, at: datetime) -> list[Decision]:
    """Every precedence decision due at ``at``, in a deterministic order."""
    db = ctx.db
    if not db.scalar("SELECT COUNT(*) FROM (SELECT 1 FROM siecle_account_links WHERE status = 'linked' LIMIT 1) x"):
        return []  # no SIECLE record linked to an account: nothing to decide (and no join over every account)
    today = at.astimezone(ZoneInfo(ctx.policy.timezone)).date()
    out: list[Decision] = []

    # The earliest SIECLE sighting of each pending account.
    earliest: dict[str, tuple[datetime, str, str]] = {}
    for aid, jointure, first_seen, source_id, seen in db.query(
        "SELECT a.account_id, a.jointure, a.first_seen, l.aggregate_id, COALESCE(s.first_seen, g.first_seen) "
        "FROM accounts a JOIN siecle_account_links l ON l.account_id = a.account_id AND l.status = 'linked' "
        "LEFT JOIN siecle_students s ON s.student_id = l.aggregate_id "
        "LEFT JOIN siecle_guardians g ON g.guardian_id = l.aggregate_id "
        "WHERE a.state = 'pending' ORDER BY a.jointure, l.aggregate_id"
    ):
        if seen and _dt(seen) < _dt(first_seen) and (aid not in earliest or _dt(seen) < earliest[aid][0]):
            earliest[aid] = (_dt(seen), jointure, source_id)
    for aid, (seen, jointure, source_id) in sorted(earliest.items(), key=lambda kv: kv[1][1]):
        out.append(
            Decision("advance-clock", aid, jointure, source_id, "seen_in_siecle_first", seen_at=seen.isoformat())
        )

    # Leaving dates: every SIECLE enrolment linked to the account must have ended.
    streams: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    accounts: dict[str, tuple[str, str]] = {}
    for aid, jointure, state, source_id, left_on, enrolled in db.query(
        "SELECT a.account_id, a.jointure, a.state, s.student_id, s.left_on, s.enrolled FROM accounts a "
        "JOIN siecle_account_links l ON l.account_id = a.account_id AND l.status = 'linked' AND l.kind = 'student' "
        "JOIN siecle_students s ON s.student_id = l.aggregate_id "
        "WHERE a.state IN ('pending', 'active', 'departing', 'withdrawn') ORDER BY a.jointure, s.student_id"
    ):
        streams[aid].append((source_id, left_on or "", int(enrolled)))
        accounts[aid] = (jointure, state)
    declared = {
        (aid, left_on): status
        for aid, left_on, status in db.query("SELECT account_id, left_on, status FROM departure_declarations")
    }
    active_declaration = {aid: left_on for (aid, left_on), status in declared.items() if status == "declared"}
    for aid in sorted(streams, key=lambda a: accounts[a][0]):
        jointure, state = accounts[aid]
        ended = [(left_on, sid) for sid, left_on, _ in streams[aid] if left_on and date.fromisoformat(left_on) <= today]
        ongoing = [
            sid
            for sid, left_on, enrolled in streams[aid]
            if enrolled and (not left_on or date.fromisoformat(left_on) > today)
        ]
        if state in ("pending", "active") and ended and not ongoing:
            left_on, sid = max(ended)
            if (aid, left_on) not in declared:
                out.append(Decision("declare-departure", aid, jointure, sid, "siecle_leaving_date", left_on=left_on))
        elif state in ("departing", "withdrawn") and aid in active_declaration and ongoing:
            reason = (
                "leaving_date_moved"
                if any(left_on for sid, left_on, _ in streams[aid] if sid in ongoing)
                else "leaving_date_cleared"
            )
            out.append(Decision("cancel-departure", aid, jointure, ongoing[0], reason, left_on=active_declaration[aid]))
    return out


def apply(ctx: Context, at: datetime, dry_run: bool = False) -> list[Decision]:
    """Record the decisions due at ``at`` (or only list them)."""
    ctx.projection.catch_up(ctx.log)
    if ctx.siecle is not None:
        ctx.siecle.catch_up(ctx.log)
    decisions = plan(ctx, at)
    if dry_run or not decisions:
        return decisions
    tz = ZoneInfo(ctx.policy.timezone)
    calendar = ctx.policy.calendar()

    def changed():
        for d in decisions:
            account = ctx.log.get(account_id(d.jointure))
            if d.kind == "advance-clock":
                seen = _dt(d.seen_at)
                account.advance_creation_clock(
                    "siecle", d.source_id, seen, creation_due(seen, ctx.policy.creation_delay), at
                )
            elif d.kind == "declare-departure":
                left = date.fromisoformat(d.left_on)
                # Learned late (after the Toussaint that follows it), it still gets its notice (domain-rules §12).
                due_day, provisional, _ = removal_with_notice(
                    left, at.astimezone(tz).date(), calendar, ctx.policy.removal_notice_days
                )
                account.declare_departure(
                    "siecle",
                    d.source_id,
                    d.left_on,
                    datetime.combine(left, time(0), tz),
                    datetime.combine(due_day, time(0), tz),
                    provisional,
                    at,
                )
            else:
                account.cancel_declared_departure(d.reason, {"left_on": d.left_on, "source_id": d.source_id}, at)
            yield (account,)

    ctx.log.save_in_batches(changed(), ctx.batch or BATCH)
    ctx.projection.catch_up(ctx.log)
    return decisions


def relink(ctx: Context, at: datetime, cause: str, dry_run: bool = False) -> int:
    """SIECLE student records left without account, correlated again against
    the directory (after an AAF delivery brought new accounts). Returns how
    many links were recorded (with ``dry_run``, would be: nothing recorded)."""
    if ctx.siecle is None:
        return 0
    from daemon.siecle import student_correlations

    ctx.siecle.catch_up(ctx.log)
    pending: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for stream, uai, eleve_id, ine in ctx.db.query(
        "SELECT l.aggregate_id, s.uai, s.eleve_id, s.ine FROM siecle_account_links l "
        "JOIN siecle_students s ON s.student_id = l.aggregate_id "
        "WHERE l.kind = 'student' AND l.status = 'unresolved' ORDER BY s.uai, s.eleve_id"
    ):
        pending[uai][eleve_id] = (stream, ine or "")
    students = []
    for uai, records in sorted(pending.items()):
        found = student_correlations(ctx, uai, {eid: ine for eid, (_, ine) in records.items()})
        for eid, c in sorted(found.items()):
            if c.resolved and dry_run:
                students.append(())
            elif c.resolved:
                student = ctx.log.get(_uuid(records[eid][0]))
                student.correlate(c.account_id, c.jointure, c.rule, c.reason, cause, at)
                students.append((student,))
    if dry_run:
        return len(students)
    ctx.log.save_in_batches(students, ctx.batch or BATCH)
    ctx.siecle.catch_up(ctx.log)
    return len(students)


RELINK_STEP = "siecle_relink"


def follow_up(ctx: Context, at: datetime) -> int:
    """The relink after every applied AAF delivery not followed yet (domain-rules
    §11), then the deliveries marked followed. The mark comes after the links
    are recorded: a crash between the two runs the relink again, which finds
    nothing more to link. Returns how many links were recorded."""
    pending = ctx.staging.not_followed(RELINK_STEP)
    if not pending:
        return 0
    ctx.faults.reached("relink.starting")
    linked = relink(ctx, at, f"aaf:{pending[-1]}")
    ctx.staging.followed(RELINK_STEP, pending, at.isoformat())
    return linked


def pending_follow_ups(ctx: Context) -> list[str]:
    """Applied deliveries whose relink has not run (what ``verify`` reports)."""
    return ctx.staging.not_followed(RELINK_STEP)


def _uuid(value: str):
    from uuid import UUID

    return UUID(value)


__all__ = ["Decision", "plan", "apply", "relink", "follow_up", "pending_follow_ups"]
