"""Which structures the ENT serves, and what the directory holds that points
nowhere (domain-rules §12: nothing dropped silently; 1st-degree teachers).

Pure functions of structure rows and a policy, so that the rules read as
tables; ``structure_anomalies`` and ``unserved_staff`` read the directory
read model and return rows for `entsync anomalies`, the HTTP API and the
metrics.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from adapters.validators import uai_is_valid
from events.rules import category_contradicts_functions

# Anomaly kinds (reason codes; stable, they are metric label values).
STRUCTURE_CODE_INVALID = "structure_code_invalid"  # kept as a structure without students
UNKNOWN_STRUCTURE = "unknown_structure"  # a membership or attachment to a structure not held
NO_KNOWN_STRUCTURE = "no_known_structure"  # a person attached to no structure the directory holds
NOT_SERVED = "not_served"  # a teacher attached only to structures the ENT does not serve
CATEGORY_CONTRADICTS = "teacher_category_contradicts_functions"
KINDS = (STRUCTURE_CODE_INVALID, UNKNOWN_STRUCTURE, NO_KNOWN_STRUCTURE, NOT_SERVED, CATEGORY_CONTRADICTS)


def is_school(uai: str) -> bool:
    """A structure whose code is a UAI with its check letter; the others
    (replacement zones ``Z.REMP-…``, inspection services…) are kept as
    structures without students (formats §1, *uncertain*)."""
    return uai_is_valid(uai)


def served(uai: str, struct_type: str, policy) -> bool:
    """Whether the ENT serves a structure the AAF deliveries carry
    (domain-rules §12): configuration first (``served_exclude``, then
    ``served_include``), then a structure that is not a school is not served,
    nor a type of ``unserved_types`` (1st-degree schools by default)."""
    if uai in policy.served_exclude:
        return False
    if uai in policy.served_include:
        return True
    if not is_school(uai):
        return False
    return struct_type.strip().upper() not in {t.upper() for t in policy.unserved_types}


def served_jointures(rows: Iterable[tuple[str, str, str]], policy) -> set[str]:
    """Jointures of the served structures among (jointure, uai, type) rows of present structures."""
    return {j for j, uai, t in rows if served(uai or "", t or "", policy)}


def staff_served(structures: set[str], known: set[str], serving: set[str]) -> bool:
    """A staff member is served when one of their structures is served. One
    attached to nothing the directory holds is judged by the anomaly
    ``no_known_structure``, not withheld (the structure may come later)."""
    held = structures & known
    return not held or bool(held & serving)


def _structures(db, prefix: str = "") -> dict[str, tuple[str, str]]:
    return {
        j: (uai or "", t or "")
        for j, uai, t in db.query(f"SELECT jointure, uai, type FROM {prefix}structures WHERE present = 1")
    }


def unserved_staff(db, policy) -> dict[str, list[str]]:
    """account_id → its structures, of the pending or active teachers attached
    only to structures the ENT does not serve."""
    mine: dict[str, set[str]] = {}
    for aid, structure in db.query(
        "SELECT s.account_id, s.structure FROM account_structures s JOIN accounts a ON a.account_id = s.account_id "
        "WHERE a.profile = 'ENSEIGNANT' AND a.state IN ('pending', 'active')"
    ):
        mine.setdefault(aid, set()).add(structure)
    return _unserved(_structures(db), mine, policy)


def _unserved(known: dict[str, tuple[str, str]], mine: dict[str, set[str]], policy) -> dict[str, list[str]]:
    serving = {j for j, (uai, t) in known.items() if served(uai, t, policy)}
    return {aid: sorted(s) for aid, s in mine.items() if not staff_served(s, set(known), serving)}


def withheld_jointures(db, policy) -> set[str]:
    """Jointures of the pending teachers whose creation is withheld (not served)."""
    ids = unserved_staff(db, policy)
    if not ids:
        return set()
    return {
        j
        for aid, j, state in db.query("SELECT account_id, jointure, state FROM accounts WHERE profile = 'ENSEIGNANT'")
        if aid in ids and state == "pending"
    }


def _rejected_structures(db, jointures: set[str]) -> dict[str, str]:
    """jointure → the last rejection of a record of that id (reason, file and
    line), for the structure jointures among ``jointures``. The rejections
    do not keep the record's category: the file named says it."""
    if not jointures:
        return {}
    out: dict[str, str] = {}
    wanted = sorted(jointures)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for record_id, reason, file, line in db.query(
            "SELECT r.record_id, r.reason, r.file, r.line FROM rejections r "
            "JOIN deliveries d ON d.delivery_id = r.delivery_id "
            f"WHERE r.record_id IN ({marks}) "
            "ORDER BY d.received_at, r.delivery_id, r.seq",
            chunk,
        ):
            out[record_id] = f"{reason}, {file}:{line}"
    return out


def structure_anomalies(db, policy) -> list[dict]:
    """Rows ``{anomaly, jointure, profile, state, detail}`` for what the
    directory holds that points nowhere or is withheld (domain-rules §12)."""
    known = _structures(db)
    out: list[dict] = []
    for j, (uai, _type) in sorted(known.items()):
        if not is_school(uai):
            out.append(
                {
                    "anomaly": STRUCTURE_CODE_INVALID,
                    "jointure": j,
                    "profile": "",
                    "state": "",
                    "detail": f"structure {j}: code {uai or '(empty)'} is not a UAI with its check letter; "
                    "kept as a structure without students",
                }
            )
    people: dict[str, dict] = {}
    for aid, jointure, category, profile, state, attrs in db.query(
        "SELECT account_id, jointure, category, profile, state, attrs FROM accounts "
        "WHERE category IN ('Eleve', 'PersEducNat') AND state IN ('pending', 'active') ORDER BY jointure"
    ):
        people[aid] = {
            "jointure": jointure,
            "category": category,
            "profile": profile,
            "state": state,
            "attrs": attrs,
            "structures": set(),
        }
    for aid, structure in db.query("SELECT account_id, structure FROM account_structures"):
        if aid in people:
            people[aid]["structures"].add(structure)
    # Why a structure is missing, when its own record was rejected (issue 18,
    # point 8): the person is kept, listed with the rejection that orphaned it.
    why = _rejected_structures(db, set().union(*(p["structures"] for p in people.values())) - set(known))
    # The teachers among the people loaded above: no second read of the directory.
    unserved = _unserved(
        known, {aid: p["structures"] for aid, p in people.items() if p["profile"] == "ENSEIGNANT"}, policy
    )
    for aid, p in people.items():
        row = {"jointure": p["jointure"], "profile": p["profile"], "state": p["state"]}
        mine = p["structures"]
        unknown = sorted(mine - set(known))
        causes = "".join(f"; a record {j} was rejected ({why[j]})" for j in unknown if j in why)
        if mine and not (mine & set(known)):
            out.append(
                {
                    "anomaly": NO_KNOWN_STRUCTURE,
                    **row,
                    "detail": f"attached to {', '.join(unknown)}, none of which the directory holds{causes}",
                }
            )
        elif unknown:
            out.append(
                {
                    "anomaly": UNKNOWN_STRUCTURE,
                    **row,
                    "detail": f"also attached to {', '.join(unknown)}, which the directory does not hold{causes}",
                }
            )
        elif not mine:
            out.append({"anomaly": NO_KNOWN_STRUCTURE, **row, "detail": "attached to no structure"})
        if aid in unserved:
            action = (
                "not created: escalate to the académie (000 §A)"
                if p["state"] == "pending"
                else "created by an earlier release: kept, escalate to the académie (000 §A)"
            )
            out.append(
                {
                    "anomaly": NOT_SERVED,
                    **row,
                    "detail": f"teacher attached only to structures the ENT does not serve "
                    f"({', '.join(unserved[aid])}); {action}",
                }
            )
        if p["category"] == "PersEducNat":
            attrs = json.loads(p["attrs"])
            codes = [v.split("$")[1] for v in attrs.get("ENTPersonFonctions", []) if v.count("$") >= 1]
            category = (attrs.get("ENTPersonCategorieEnseignant") or [""])[0]
            if category_contradicts_functions(category, codes):
                out.append(
                    {
                        "anomaly": CATEGORY_CONTRADICTS,
                        **row,
                        "detail": f"ENTPersonCategorieEnseignant {category} contradicts the functions "
                        f"{', '.join(sorted(set(codes)))}",
                    }
                )
    return out
