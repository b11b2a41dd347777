"""The brakes on mass departures, on the read model (domain-rules §11, §12).

``events/brakes.py`` decides; this module reads what it needs — the
accounts that would depart with their structures, profiles and states, the
SIECLE leaving dates already recorded, the guardians' children, whether the
delivery opens a school year — and turns the assessment into the details a
``Held`` event records: the counts per structure and population and the
list of who would depart and why (no name, no birth date: jointures only).
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.aaf.files import establishment_of
from daemon.bootstrap import Context
from events import brakes
from events.brakes import Departure

CHUNK = 500
LEFT_STATES = ("departing", "removed", "withdrawn", "deactivated")


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def scope_of(prefix: str) -> str:
    """A delivery's scope: its establishment, or ``*`` for an académie-wide one."""
    return establishment_of(prefix) or "*"


def scopes_meet(a: str, b: str) -> bool:
    return a == "*" or b == "*" or a == b


def opens_school_year(ctx: Context, at: datetime, prefix: str) -> bool:
    """True when no delivery of the scope was applied earlier in the school
    year of ``at``: this one opens it (the rentrée delivery, domain-rules §9)."""
    tz = ZoneInfo(ctx.policy.timezone)
    start = ctx.policy.school_year_start
    year = brakes.school_year(at.astimezone(tz).date(), start)
    scope = scope_of(prefix)
    for other_prefix, received in ctx.db.query(
        "SELECT prefix, received_at FROM deliveries WHERE status = 'applied' ORDER BY received_at DESC"
    ):
        if scopes_meet(scope, scope_of(other_prefix)):
            return brakes.school_year(datetime.fromisoformat(received).astimezone(tz).date(), start) < year
    return True


def departures(ctx: Context, items: list[tuple[str, str, str]], opens_year: bool) -> list[Departure]:
    """``items``: (category, jointure, reason) of the persons that would
    depart; returns them with what the brake needs, expected or not."""
    db, p = ctx.db, ctx.policy
    jointures = [j for _, j, _ in items]
    accounts: dict[str, tuple] = {}
    for chunk in _chunks(jointures):
        for row in db.query(
            f"SELECT jointure, account_id, profile, state, attrs FROM accounts "
            f"WHERE jointure IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            accounts[row[0]] = row[1:]
    ids = [a[0] for a in accounts.values()]
    structures: dict[str, set[str]] = {}
    siecle_leaving: set[str] = set()
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        for aid, structure in db.query(
            f"SELECT account_id, structure FROM account_structures WHERE account_id IN ({marks})", chunk
        ):
            structures.setdefault(aid, set()).add(structure)
        for (aid,) in db.query(
            "SELECT DISTINCT l.account_id FROM siecle_account_links l JOIN siecle_students s "
            "ON s.student_id = l.aggregate_id WHERE l.status = 'linked' AND l.kind = 'student' "
            f"AND COALESCE(s.left_on, '') <> '' AND l.account_id IN ({marks})",
            chunk,
        ):
            siecle_leaving.add(aid)
    leaving = set(ids)
    children: dict[str, list[tuple[str, str]]] = {}
    guardians = [j for c, j, _ in items if c == "PersRelEleve"]
    for chunk in _chunks(guardians):
        for g, sid, state in db.query(
            "SELECT l.guardian_jointure, l.student_id, a.state FROM guardian_links l JOIN accounts a "
            f"ON a.account_id = l.student_id WHERE l.guardian_jointure IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            children.setdefault(g, []).append((sid, state))
    out = []
    for category, jointure, reason in items:
        if jointure not in accounts:
            continue
        aid, profile, state, attrs_json = accounts[jointure]
        attrs = json.loads(attrs_json) if category == "Eleve" else {}
        kids = children.get(jointure, [])
        d = Departure(aid, jointure, profile, state, frozenset(structures.get(aid, ())), reason)
        expected = brakes.expected_reason(
            d,
            siecle_leaving=aid in siecle_leaving,
            final_year=category == "Eleve"
            and brakes.is_final_year(
                (attrs.get("ENTEleveMEF") or [""])[0],
                (attrs.get("ENTEleveLibelleMEF") or [""])[0],
                p.final_year_mef_prefixes,
                p.final_year_label_pattern,
            ),
            opens_school_year=opens_year,
            children_all_leaving=bool(kids) and all(sid in leaving or s in LEFT_STATES for sid, s in kids),
        )
        out.append(Departure(aid, jointure, profile, state, d.structures, reason, expected))
    return out


def population_sizes(ctx: Context, structures: set[str]) -> dict[tuple[str, str], int]:
    """Pending and active accounts per (structure, population)."""
    out: dict[tuple[str, str], int] = {}
    wanted = sorted(structures)
    for chunk in _chunks(wanted):
        for structure, profile, n in ctx.db.query(
            "SELECT s.structure, a.profile, COUNT(*) FROM account_structures s JOIN accounts a "
            "ON a.account_id = s.account_id WHERE a.state IN ('pending', 'active') "
            f"AND s.structure IN ({','.join('?' * len(chunk))}) GROUP BY s.structure, a.profile",
            chunk,
        ):
            key = (structure, brakes.population(profile))
            out[key] = out.get(key, 0) + int(n)
    return out


def assess(
    ctx: Context, items: list[tuple[str, str, str]], opens_year: bool
) -> tuple[brakes.Assessment, list[Departure]]:
    found = departures(ctx, items, opens_year)
    sizes = population_sizes(ctx, {s for d in found for s in d.structures})
    return brakes.assess(found, sizes, ctx.policy.brake_limits()), found


def details(ctx: Context, assessment: brakes.Assessment, found: list[Departure], opens_year: bool) -> dict:
    """What the ``Held`` event records: the counts of every structure and
    population, and who would depart (jointure, profile, state, UAIs, why,
    and why not counted)."""
    uai = dict(ctx.db.query("SELECT jointure, uai FROM structures"))
    return {
        "opens_school_year": opens_year,
        "counts": [{**c.as_dict(), "uai": uai.get(c.structure, c.structure)} for c in assessment.counts],
        "departures": [
            {
                "jointure": d.jointure,
                "profile": d.profile,
                "state": d.state,
                "uais": sorted(uai.get(s, s) for s in d.structures),
                "reason": d.reason,
                "expected": d.expected,
            }
            for d in found
        ],
    }


def brake_check(ctx: Context, items: list[tuple[str, str, str]], at: datetime, prefix: str) -> dict | None:
    """The details of the hold when departures exceed a brake, else None."""
    if not items:
        return None
    opens_year = opens_school_year(ctx, at, prefix)
    assessment, found = assess(ctx, items, opens_year)
    return details(ctx, assessment, found, opens_year) if assessment.held else None


def describe_brake(held: dict) -> str:
    """One line naming each structure and population over its brake."""
    over = [c for c in held.get("counts", []) if c.get("held")]
    if not over:  # a hold recorded by 0.1.0: {uai: {departing, accounts}}
        return ", ".join(
            f"{u} ({v.get('departing')} of {v.get('accounts')})" for u, v in sorted(held.items()) if isinstance(v, dict)
        )
    return ", ".join(
        f"{c['uai']} {c['population']} ({c['counted']} of {c['accounts']}, {c['expected']} expected not counted)"
        for c in over
    )
