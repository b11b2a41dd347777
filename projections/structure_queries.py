"""The read side of establishments: the structures with their counts and
group source, and the divisions and groups of one establishment with who
is in them (from SIECLE through the AAF, or the applied timetable)."""

from __future__ import annotations

import json

from projections.db import Database
from projections.import_queries import timetable_groups
from projections.names import structure_display_name


def structures(db: Database, scope: frozenset[str] | None = None) -> list[dict]:
    """Every establishment; with a ``scope`` (an API caller's UAIs), those only."""
    rows = db.query_dicts(
        "SELECT jointure, uai, name, type, contract, present, classes, groups FROM structures ORDER BY uai"
    )
    if scope is not None:
        rows = [r for r in rows if r["uai"] in scope]
    counts = dict(
        db.query(
            "SELECT structure, COUNT(*) FROM account_structures s JOIN accounts a "
            "ON a.account_id = s.account_id WHERE a.state IN ('pending', 'active') GROUP BY structure"
        )
    )
    sources = dict(db.query("SELECT uai, source FROM group_sources"))
    for r in rows:
        r["name"] = structure_display_name(r["name"])  # stored as delivered (projections/names.py)
        r["classes"] = json.loads(r["classes"])
        r["groups"] = json.loads(r["groups"])
        r["accounts"] = counts.get(r["jointure"], 0)
        r["group_source"] = sources.get(r["uai"], "siecle")
    return rows


def group_source(db: Database, uai: str) -> str:
    """siecle | timetable | manual: where the establishment's groups get their members."""
    return db.scalar("SELECT source FROM group_sources WHERE uai = ?", (uai,)) or "siecle"


# The join of a member's own account ``o`` (pending or active) shown as ``a``: itself, or
# the survivor it is folded into while a merge holds (issue 14), once.
def as_survivor(member: str = "m") -> str:
    return (
        f"JOIN accounts o ON o.account_id = {member}.account_id LEFT JOIN account_merges fold "
        "ON fold.absorbed_id = o.account_id JOIN accounts a ON a.account_id = COALESCE(fold.survivor_id, o.account_id)"
    )


def classes(db: Database, uai: str, members: bool = False) -> list[dict]:
    """Divisions and groups of one establishment with students and teachers
    (and, with ``members``, who they are: jointure, profile, login, state).
    Group members come from the establishment's group source (domain-rules
    §2): SIECLE through the AAF, the applied timetable, or by hand (manual);
    free groups (kind ``free``) and members assigned by hand (``source``
    manual) are added whatever the source."""
    structure = db.query("SELECT jointure, classes, groups FROM structures WHERE uai = ?", (uai,))
    if not structure:
        return []
    sj, declared_classes, declared_groups = structure[0]
    source = group_source(db, uai)
    groups: dict[tuple[str, str], dict] = {}
    for kind, code in [("class", c) for c in json.loads(declared_classes)] + [
        ("group", g) for g in json.loads(declared_groups)
    ]:
        groups[(kind, code)] = _entry(kind, code, True, source)
    kinds = ("class", "group") if source == "siecle" else ("class",)
    marks = ",".join("?" * len(kinds))
    for kind, code, profile, n in db.query(
        f"SELECT m.kind, m.code, a.profile, COUNT(DISTINCT a.account_id) FROM memberships m {as_survivor()} "
        f"WHERE m.structure = ? AND m.kind IN ({marks}) AND o.state IN ('pending', 'active') "
        "GROUP BY m.kind, m.code, a.profile",
        (sj, *kinds),
    ):
        entry = groups.setdefault((kind, code), _entry(kind, code, False, source))
        entry["students" if profile == "ELEVE" else "teachers"] += n
    listed: dict[tuple[str, str], list[dict]] = {}
    if members:
        for kind, code, jointure, profile, login, state in db.query(
            f"SELECT DISTINCT m.kind, m.code, a.jointure, a.profile, a.login, a.state FROM memberships m {as_survivor()} "
            f"WHERE m.structure = ? AND m.kind IN ({marks}) AND o.state IN ('pending', 'active') "
            "ORDER BY m.kind, m.code, a.profile, a.jointure",
            (sj, *kinds),
        ):
            listed.setdefault((kind, code), []).append(
                {"jointure": jointure, "profile": profile, "login": login, "state": state}
            )
    if source == "timetable":
        _timetable_groups(db, uai, groups, listed if members else None)
    _manual(db, uai, sj, kinds, groups, listed if members else None)
    if members:
        for key, entry in groups.items():
            entry["members"] = listed.get(key, [])
    return [groups[k] for k in sorted(groups)]


def _entry(kind: str, code: str, declared: bool, source: str) -> dict:
    return {
        "kind": kind,
        "code": code,
        "declared": declared,
        "students": 0,
        "teachers": 0,
        "population": "siecle" if kind == "class" else "manual" if kind == "free" else source,
    }


def _manual(db: Database, uai: str, sj: str, kinds: tuple[str, ...], groups: dict, listed: dict | None) -> None:
    """Free groups and the members assigned by hand (issue 13), each listed
    with its source; one that an import's membership of ``kinds`` (those the
    group source shows) also carries is counted once."""
    for code, name in db.query("SELECT code, name FROM manual_groups WHERE uai = ?", (uai,)):
        groups[("free", code)] = {**_entry("free", code, True, "manual"), "name": name}
    seen: set[tuple[str, str, str]] = set()
    for kind, code, jointure, profile, login, state in db.query(
        "SELECT mm.kind, mm.code, a.jointure, a.profile, a.login, a.state FROM manual_memberships mm "
        f"{as_survivor('mm')} WHERE mm.uai = ? AND o.state IN ('pending', 'active') "
        "AND NOT EXISTS (SELECT 1 FROM memberships m LEFT JOIN account_merges f ON f.absorbed_id = m.account_id "
        "WHERE COALESCE(f.survivor_id, m.account_id) = a.account_id AND m.structure = ? "
        f"AND m.kind = mm.kind AND m.code = mm.code AND m.kind IN ({','.join('?' * len(kinds))})) "
        "ORDER BY mm.kind, mm.code, a.profile, a.jointure",
        (uai, sj, *kinds),
    ):
        if (kind, code, jointure) in seen:  # both sides of a merge assigned by hand (issue 14): once
            continue
        seen.add((kind, code, jointure))
        entry = groups.setdefault((kind, code), _entry(kind, code, False, "manual"))
        entry["students" if profile == "ELEVE" else "teachers"] += 1
        if listed is not None:
            member = {"jointure": jointure, "profile": profile, "login": login, "state": state, "source": "manual"}
            listed.setdefault((kind, code), []).append(member)


def _timetable_groups(db: Database, uai: str, groups: dict, listed: dict | None) -> None:
    """Option 2: the groups of the applied timetable, members matched to accounts
    (unmatched keys are counted apart, never guessed)."""
    if not db.table_exists("timetable_groups"):  # a read model rebuilt for --as-of holds the directory only
        return
    for group in timetable_groups(db, uai):
        entry = groups.setdefault(("group", group["code"]), _entry("group", group["code"], False, "timetable"))
        people = [("ELEVE", k) for k in group["students"]] + [("ENSEIGNANT", k) for k in group["teachers"]]
        found = {}
        keys = [k for _, k in people]
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            for key, jointure, profile, login, state in db.query(
                f"SELECT o.jointure, a.jointure, a.profile, a.login, a.state FROM accounts t {as_survivor('t')} "
                f"WHERE o.jointure IN ({','.join('?' * len(chunk))}) AND o.state IN ('pending', 'active')",
                chunk,
            ):
                found[key] = {"jointure": jointure, "profile": profile, "login": login, "state": state}
        entry["unmatched"] = sum(1 for k in keys if k not in found)
        for _, key in people:
            if key in found:
                entry["students" if found[key]["profile"] == "ELEVE" else "teachers"] += 1
        if listed is not None:
            shown = {found[k]["jointure"]: found[k] for k in keys if k in found}  # a merge's two sides: once
            listed[("group", group["code"])] = sorted(shown.values(), key=lambda m: (m["profile"], m["jointure"]))


def structure_known(db: Database, uai: str) -> bool:
    """Whether the directory knows an establishment of this UAI."""
    return bool(db.scalar("SELECT COUNT(*) FROM structures WHERE uai = ?", (uai,)))
