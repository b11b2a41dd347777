"""The clock's queries on the directory read model (events/usecases/tick.py
declares them)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from events.derive import first
from events.manual_rules import CATEGORIES
from events.policy import Policy
from events.usecases.tick import NextDates, RemovalHold
from events.usecases.tick_plan import DueAccount, DueRemoval, Guardian, GuardianLink, Schedule
from projections.account_queries import departing_schedule
from projections.attachment_listings import in_force
from projections.clauses import placeholders
from projections.db import Database
from projections.schema import iso
from projections.served import unserved_staff

MANUAL = tuple(CATEGORIES)  # a manual account's category is its manual category
# The accounts a removal date removes: departing, a deactivated duplicate, a
# manual account active until its end date (domain-rules §1, §4).
REMOVABLE = f"(state IN ('departing', 'deactivated') OR (state = 'active' AND category IN ({placeholders(MANUAL)})))"


class TickQueries:
    def __init__(self, db: Database):
        self.db = db

    def creations(self, at: datetime) -> list[DueAccount]:
        out = []
        for r in self.db.query_dicts(
            "SELECT account_id, jointure, profile, state, login, attrs, creation_due FROM accounts "
            "WHERE (state = 'pending' AND creation_due <= ?) OR (state = 'no_account' AND profile = 'PARENT') "
            "ORDER BY creation_due, jointure",
            (iso(at),),
        ):
            attrs = json.loads(r["attrs"])
            out.append(
                DueAccount(
                    r["account_id"],
                    r["jointure"],
                    r["profile"],
                    r["state"],
                    r["login"] or "",
                    first(attrs, "givenName"),
                    first(attrs, "sn"),
                    datetime.fromisoformat(r["creation_due"]) if r["creation_due"] else None,
                )
            )
        return out

    def removals(self, at: datetime) -> list[DueRemoval]:
        return [
            DueRemoval(aid, jointure, profile, state, datetime.fromisoformat(due))
            for aid, jointure, profile, state, due in self.db.query(
                "SELECT account_id, jointure, profile, state, removal_due FROM accounts "
                f"WHERE {REMOVABLE} AND removal_due <= ? ORDER BY removal_due, jointure",
                (*MANUAL, iso(at)),
            )
        ]

    def guardian_links(self) -> list[GuardianLink]:
        return [
            GuardianLink(guardian, student, resp_legal or "", state)
            for guardian, student, resp_legal, state in self.db.query(
                "SELECT l.guardian_jointure, l.student_id, l.resp_legal, s.state FROM guardian_links l "
                "JOIN accounts s ON s.account_id = l.student_id ORDER BY l.guardian_jointure, l.student_id"
            )
        ]

    def guardians(self) -> list[Guardian]:
        return [
            Guardian(aid, jointure)
            for aid, jointure in self.db.query(
                "SELECT account_id, jointure FROM accounts WHERE profile = 'PARENT' "
                "AND state IN ('active', 'departing') ORDER BY jointure"
            )
        ]

    def schedules(self) -> list[Schedule]:
        return [
            Schedule(
                r["account_id"],
                r["jointure"],
                r["profile"],
                datetime.fromisoformat(r["departed_at"]),
                datetime.fromisoformat(r["recorded_at"]),
                datetime.fromisoformat(r["removal_due"]),
                bool(r["removal_provisional"]),
            )
            for r in departing_schedule(self.db)
        ]

    def unserved_staff(self, policy: Policy) -> dict[str, list[str]]:
        return unserved_staff(self.db, policy)

    def logins(self) -> set[str]:
        return {login for (login,) in self.db.query("SELECT login FROM logins")}

    def login_keys(self) -> set[str]:
        return {key for (key,) in self.db.query("SELECT login_key FROM logins")}

    def removal_hold(self) -> RemovalHold | None:
        value = self.db.scalar("SELECT value FROM meta WHERE key = 'purge_hold'")
        if not value:
            return None
        hold = json.loads(value)
        return RemovalHold(bool(hold["held"]), hold.get("operator", ""), hold.get("reason", ""), hold.get("at"))

    # What the scheduler reads to set its timer (daemon/service/due.py).

    def next_dates(self, after: datetime, policy: Policy) -> NextDates:
        at = iso(after)
        creation = self.db.scalar(
            "SELECT MIN(creation_due) FROM accounts WHERE state = 'pending' AND creation_due > ?", (at,)
        )
        removal = self.db.scalar(
            f"SELECT MIN(removal_due) FROM accounts WHERE {REMOVABLE} AND removal_due > ?", (*MANUAL, at)
        )
        ends = [u for _, a in in_force(self.db) if (u := datetime.fromisoformat(a["until"])) > after]
        # A leaving date is a day of the establishments: it has come from their midnight on.
        zone = ZoneInfo(policy.timezone)
        leaving = self.db.scalar(
            "SELECT MIN(s.left_on) FROM accounts a JOIN siecle_account_links l ON l.account_id = a.account_id "
            "AND l.status = 'linked' AND l.kind = 'student' JOIN siecle_students s ON s.student_id = l.aggregate_id "
            "WHERE a.state IN ('pending', 'active') AND s.left_on > ?",
            (after.astimezone(zone).date().isoformat(),),
        )
        return NextDates(
            creation=_at(creation),
            removal=_at(removal),
            attachment_end=min(ends) if ends else None,
            leaving=datetime.combine(date.fromisoformat(leaving), time(0), zone) if leaving else None,
        )

    def pending_due_before(self, before_iso: str) -> list[tuple[str, str]]:
        """(jointure, creation due) of the pending accounts due before ``before_iso``, in due order."""
        return list(
            self.db.query(
                "SELECT jointure, creation_due FROM accounts WHERE state = 'pending' AND creation_due < ? "
                "ORDER BY creation_due, jointure",
                (before_iso,),
            )
        )


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
