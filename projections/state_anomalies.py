"""Anomalies that are states of the directory, not facts (issue 15), listed by
`entsync anomalies` and counted by kind in the metrics:

- ``manual_account_of_aaf_person``: a manual or guest account (issue 13)
  whose normalised name — and birth date, when both accounts carry one —
  is that of an account the AAF delivers: typically a contract teacher given
  a guest account before the AAF one arrived. Two accounts of one person can
  never be merged by the ENT afterwards (domain-rules §1): merge them here.
- ``teacher_without_classes``: an active teacher no source gives a class or
  a group (AAF ``ENTAuxEnsClasses``/``ENTAuxEnsGroupes``, an STS-web
  service, a course of the last applied timetable, a free group of an
  operator); the detail names what each source lacks.
- ``pupil_without_class``: an active student the AAF (``ENTEleveClasses``)
  or the linked SIECLE record (division) puts in no class; the detail names
  the source that lacks it.

Rows name accounts by jointure, never by a name or birth date."""

from __future__ import annotations

import json

from events.manual_rules import CATEGORIES as MANUAL_CATEGORIES
from events.rules import normalised_identity
from projections.clauses import placeholders
from projections.db import Database
from projections.merge_anomalies import same_person

MANUAL_OF_AAF = "manual_account_of_aaf_person"
TEACHER_WITHOUT_CLASSES = "teacher_without_classes"
PUPIL_WITHOUT_CLASS = "pupil_without_class"
KINDS = (MANUAL_OF_AAF, TEACHER_WITHOUT_CLASSES, PUPIL_WITHOUT_CLASS)

LIVE = "('pending', 'active')"


def _person(attrs: str) -> tuple[str, str]:
    """(normalised name, birth date) of a stored record's attributes."""
    a = json.loads(attrs or "{}")

    def first(name: str) -> str:
        return (a.get(name) or [""])[0]

    return normalised_identity(first("sn"), first("givenName")), first("ENTPersonDateNaissance")


def same_person_as(manual: tuple[str, str], aaf: tuple[str, str]) -> bool:
    """Whether a manual account and an AAF one name one person: the same
    normalised name, and the same birth date when both carry one."""
    (name, born), (other, other_born) = manual, aaf
    return bool(name) and name == other and (not born or not other_born or born == other_born)


def manual_accounts_of_aaf_persons(db: Database) -> list[dict]:
    manual = db.query_dicts(
        f"SELECT account_id, jointure, profile, state, attrs FROM accounts WHERE state IN {LIVE} "
        f"AND category IN ({placeholders(list(MANUAL_CATEGORIES))}) ORDER BY jointure",
        list(MANUAL_CATEGORIES),
    )
    if not manual:
        return []
    people = {r["jointure"]: _person(r["attrs"]) for r in manual}
    names = sorted({name for name, _ in people.values() if name})
    if not names:
        return []
    # Only the AAF accounts that may bear one of these names: their identity
    # key starts with the name, or is empty (a record without a birth date).
    found: dict[str, list[tuple[str, str, tuple[str, str]]]] = {}
    for start in range(0, len(names), 200):
        chunk = names[start : start + 200]
        likes = " OR ".join("identity LIKE ?" for _ in chunk)
        for jointure, state, attrs in db.query(
            f"SELECT jointure, state, attrs FROM accounts WHERE state IN {LIVE} "
            f"AND category NOT IN ({placeholders(list(MANUAL_CATEGORIES))}) AND (identity = '' OR {likes}) "
            "ORDER BY jointure",
            [*MANUAL_CATEGORIES, *(f"{n}|%" for n in chunk)],
        ):
            person = _person(attrs)
            found.setdefault(person[0], []).append((jointure, state, person))
    merged = same_person(db)
    out = []
    for row in manual:
        mine = people[row["jointure"]]
        me = merged.get(row["jointure"], row["jointure"])
        for jointure, state, person in found.get(mine[0], []):
            if not same_person_as(mine, person) or merged.get(jointure, jointure) == me:
                continue
            what = "name and birth date" if mine[1] and person[1] else "name (no birth date on both to compare)"
            out.append(
                {
                    "anomaly": MANUAL_OF_AAF,
                    "jointure": row["jointure"],
                    "profile": row["profile"],
                    "state": row["state"],
                    "detail": f"same {what} as the AAF account {jointure} ({state}); "
                    f"merge them: entsync admin merge {jointure} {row['jointure']}",
                }
            )
    return out


def _uais(db: Database, account_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start : start + 500]
        for aid, uai in db.query(
            "SELECT s.account_id, t.uai FROM account_structures s JOIN structures t ON t.jointure = s.structure "
            f"WHERE t.present = 1 AND s.account_id IN ({placeholders(chunk)})",
            chunk,
        ):
            out.setdefault(aid, set()).add(uai)
    return {aid: sorted(u) for aid, u in out.items()}


def _held_by_person(rows: list[dict], having: set[str], merged: dict[str, str]) -> set[str]:
    """Jointures of persons one of whose accounts (a merge's two sides) is in ``having``."""
    persons = {merged.get(r["jointure"], r["jointure"]) for r in rows if r["account_id"] in having}
    return {r["jointure"] for r in rows if merged.get(r["jointure"], r["jointure"]) in persons}


def teachers_without_classes(db: Database) -> list[dict]:
    teachers = db.query_dicts(
        "SELECT account_id, jointure, profile, state FROM accounts WHERE profile = 'ENSEIGNANT' AND state = 'active' "
        f"AND category NOT IN ({placeholders(list(MANUAL_CATEGORIES))}) ORDER BY jointure",
        list(MANUAL_CATEGORIES),
    )
    if not teachers:
        return []
    having = {aid for (aid,) in db.query("SELECT DISTINCT account_id FROM memberships")}
    having |= {aid for (aid,) in db.query("SELECT DISTINCT account_id FROM manual_memberships")}
    courses: dict[str, set[str]] = {}  # source → teachers' jointures
    imported: set[tuple[str, str]] = set()  # (uai, sts|timetable) of an applied import
    if db.table_exists("timetable_groups"):  # a read model rebuilt for --as-of holds the directory only
        for source, member in db.query("SELECT DISTINCT source, member FROM timetable_groups WHERE kind = 'teacher'"):
            courses.setdefault(_source(source), set()).add(member)
        imported = {(uai, _source(source)) for uai, source in db.query("SELECT uai, source FROM timetables")}
    by_jointure = {r["jointure"]: r["account_id"] for r in teachers}
    having |= {by_jointure[j] for members in courses.values() for j in members if j in by_jointure}
    held = _held_by_person(teachers, having, same_person(db))
    lacking = [r for r in teachers if r["jointure"] not in held]
    uais = _uais(db, [r["account_id"] for r in lacking])
    out = []
    for r in lacking:
        mine = uais.get(r["account_id"], [])
        lacks = ["AAF: no ENTAuxEnsClasses or ENTAuxEnsGroupes"]
        for source, name, lack in (("sts", "STS-web", "no service"), ("timetable", "timetable", "no course")):
            done = [u for u in mine if (u, source) in imported]
            missing = [u for u in mine if (u, source) not in imported]
            if done:
                lacks.append(f"{name}: {lack} in the last applied import of {', '.join(done)}")
            if missing:
                lacks.append(f"{name}: no import applied for {', '.join(missing)}")
        out.append(
            {
                "anomaly": TEACHER_WITHOUT_CLASSES,
                **{k: r[k] for k in ("jointure", "profile", "state")},
                "detail": "no class or group from any source: " + "; ".join(lacks),
            }
        )
    return out


def _source(source: str) -> str:
    return "sts" if source == "sts" else "timetable"


def pupils_without_class(db: Database) -> list[dict]:
    pupils = db.query_dicts(
        "SELECT account_id, jointure, profile, state FROM accounts WHERE category = 'Eleve' AND state = 'active' "
        "ORDER BY jointure"
    )
    if not pupils:
        return []
    aaf = {aid for (aid,) in db.query("SELECT DISTINCT account_id FROM memberships WHERE kind = 'class'")}
    siecle: dict[str, list[tuple[str, str]]] = {}  # account → (uai, division) of its linked present records
    if db.table_exists("siecle_students"):
        for aid, uai, division in db.query(
            "SELECT l.account_id, s.uai, s.division FROM siecle_account_links l "
            "JOIN siecle_students s ON s.student_id = l.aggregate_id "
            "JOIN siecle_records r ON r.uai = s.uai AND r.kind = 'student' AND r.key = s.eleve_id "
            "WHERE l.kind = 'student' AND l.status = 'linked' AND r.present = 1"
        ):
            siecle.setdefault(aid, []).append((uai, division or ""))
    merged = same_person(db)
    with_aaf = _held_by_person(pupils, aaf, merged)
    out = []
    for r in pupils:
        lacks = [] if r["jointure"] in with_aaf else ["AAF: no ENTEleveClasses"]
        lacks += [f"SIECLE {uai}: no division" for uai, division in siecle.get(r["account_id"], []) if not division]
        if not lacks:
            continue
        given = [f"SIECLE {uai} division {d}" for uai, d in siecle.get(r["account_id"], []) if d]
        if r["jointure"] in with_aaf:
            given.insert(0, "AAF class")
        out.append(
            {
                "anomaly": PUPIL_WITHOUT_CLASS,
                **{k: r[k] for k in ("jointure", "profile", "state")},
                "detail": "; ".join(lacks) + (f" (has: {', '.join(given)})" if given else ""),
            }
        )
    return out


def state_anomalies(db: Database) -> list[dict]:
    return manual_accounts_of_aaf_persons(db) + teachers_without_classes(db) + pupils_without_class(db)
