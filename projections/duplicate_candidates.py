"""Suspected duplicates, scored (issue 15, domain-rules §5): the pairs of accounts of one
profile family (pupils, guardians, staff) that may be one person, within and across
establishments, best first, each with its score and reasons (events/duplicate_score.py)
and the operator's decision (anomaly_reviews).

Pairs are only looked for inside blocks (``duplicate_keys``, filled by the directory
projection): the same normalised family name, or the same first letters of the given
name and birth year — so the cost grows with the blocks' sizes, not with the square of
the directory.

A pupil who changed school under a new jointure is a **transfer**, not a duplicate: the
old account departing from one establishment while the new one is in another. Such a
pair is not an anomaly (nothing to decide: the old account leaves at Toussaint, as every
departure does); ``entsync duplicates`` shows it as ``transfer`` for information and
``entsync anomalies`` does not list it. Merged accounts (issue 14) are one person by an
operator's decision and never a pair."""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import asdict, dataclass
from typing import Any

from events.anomaly import anomaly_id_of, short
from events.duplicate_score import SUSPECTED, Person, duplicate_score, evidence
from events.identity_rules import Identity, words
from events.usecases.anomaly_review import Reviewable
from projections.clauses import placeholders
from projections.db import Database
from projections.merge_anomalies import same_person
from projections.schema import TRACKING

KIND = "suspected_duplicate"
LIVE = "('pending', 'active', 'departing')"
_PAIRS = (
    "SELECT a.account_id, b.account_id FROM duplicate_keys a "
    "JOIN duplicate_keys b ON b.{key} = a.{key} AND b.category = a.category AND b.account_id > a.account_id "
    "JOIN accounts x ON x.account_id = a.account_id JOIN accounts y ON y.account_id = b.account_id "
    f"WHERE a.{{key}} <> '' AND x.state IN {LIVE} AND y.state IN {LIVE}"
)
_PHONES = ("telephoneNumber", "mobile", "homePhone")
_SIECLE_PHONES = ("phone_home", "phone_mobile", "phone_work")


@dataclass(frozen=True)
class DuplicatePair:
    anomaly_id: str
    score: float
    reasons: tuple[str, ...]
    account_ids: tuple[str, str]
    jointures: tuple[str, str]
    logins: tuple[str, str]
    profile: str
    states: tuple[str, str]
    uais: tuple[tuple[str, ...], tuple[str, ...]]
    decision: str  # open | confirmed | dismissed | transfer

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "id": short(self.anomaly_id)}


def _first(attrs: dict, name: str) -> str:
    return (attrs.get(name) or [""])[0] or ""


def _digits(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return "0" + digits[2:] if digits.startswith("33") and len(digits) == 11 else digits


def _address(attrs: dict) -> str:
    street = " ".join(words(_first(attrs, "ENTPersonAdresse")))
    return f"{street}|{_first(attrs, 'ENTPersonCodePostal').strip()}" if street else ""


def _rows(db: Database, table_sql: str, ids: list[str]) -> list[tuple]:
    out: list[tuple] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        out.extend(db.query(table_sql.format(marks=placeholders(chunk)), chunk))
    return out


def candidate_ids(db: Database) -> set[tuple[str, str]]:
    """The pairs of live accounts (account ids, sorted) that share a block."""
    return {(a, b) for key in ("family_key", "given_birth_key") for a, b in db.query(_PAIRS.format(key=key))}


# Scored pairs kept per connection, for as long as the read models' tracking
# positions say nothing changed: a daemon's HTTP workers and its metrics
# scrapes list the anomalies again and again on the same read models, and the
# scoring is most of a listing's time. Every table read here is written by a
# projection in the transaction that moves its position.
_SCORED: weakref.WeakKeyDictionary[Database, tuple[tuple, dict[tuple, list[DuplicatePair]]]] = (
    weakref.WeakKeyDictionary()
)
_SCORED_LOCK = threading.Lock()
_KEPT = 64  # distinct questions kept per connection (an explanation asks one per account)


def pairs(
    db: Database, min_score: float = SUSPECTED, uai: str | None = None, naming: frozenset[str] | None = None
) -> list[DuplicatePair]:
    """The scored pairs from ``min_score``, best first (then by jointures);
    ``uai``: those with a side in that establishment; ``naming``: those with
    a side whose account id or jointure is one of these (one account's
    explanation scores its own pairs, not the directory's)."""
    if db.in_transaction or not db.table_exists(TRACKING):  # what a unit of work sees may be rolled back
        return _pairs(db, min_score, uai, naming)
    positions = tuple(sorted(db.query(f"SELECT name, position FROM {TRACKING}")))
    question = (min_score, uai, naming)
    with _SCORED_LOCK:
        seen, answers = _SCORED.get(db, ((), {}))
        if seen == positions and question in answers:
            return list(answers[question])
    found = _pairs(db, min_score, uai, naming)
    with _SCORED_LOCK:
        seen, answers = _SCORED.get(db, ((), {}))
        if seen != positions or len(answers) >= _KEPT:
            answers = {}
        answers[question] = found
        _SCORED[db] = (positions, answers)
    return list(found)


def _pairs(db: Database, min_score: float, uai: str | None, naming: frozenset[str] | None) -> list[DuplicatePair]:
    found = candidate_ids(db)
    ids = sorted({i for pair in found for i in pair})
    if not ids:
        return []
    accounts = {
        r[0]: r
        for r in _rows(
            db,
            "SELECT account_id, jointure, login, category, profile, state, attrs FROM accounts "
            "WHERE account_id IN ({marks})",
            ids,
        )
    }
    if naming is not None:
        found = {(a, b) for a, b in found if naming & {a, b, accounts[a][1], accounts[b][1]}}
        accounts = {i: accounts[i] for pair in found for i in pair}
    uais: dict[str, set[str]] = {}
    for aid, code in _rows(
        db,
        "SELECT s.account_id, t.uai FROM account_structures s JOIN structures t ON t.jointure = s.structure "
        "WHERE s.account_id IN ({marks})",
        ids,
    ):
        if code:
            uais.setdefault(aid, set()).add(code)
    persons = _persons(db, accounts)
    decisions = {r[0]: r[1] for r in db.query("SELECT anomaly_id, status FROM anomaly_reviews WHERE kind = ?", (KIND,))}
    person = same_person(db)
    out = []
    for a, b in sorted(found):
        if accounts[a][1] > accounts[b][1]:  # shown by jointure
            a, b = b, a
        ra, rb = accounts[a], accounts[b]
        if person.get(ra[1], ra[1]) == person.get(rb[1], rb[1]):
            continue
        if ra[1].split("#")[0] == rb[1].split("#")[0]:
            continue  # two generations of a jointure: an operator confirmed they are two persons
        if evidence(persons[a], persons[b]).score < min_score:
            continue  # cannot reach the threshold whatever the names (the costly part)
        scored = duplicate_score(persons[a], persons[b])
        if scored.score < min_score:
            continue
        ua, ub = tuple(sorted(uais.get(a, ()))), tuple(sorted(uais.get(b, ())))
        if uai is not None and uai not in ua + ub:
            continue
        aid = str(anomaly_id_of(KIND, a, b))
        transfer = "departing" in (ra[5], rb[5]) and ua and ub and not set(ua) & set(ub)
        decision = "transfer" if transfer else decisions.get(aid, "open")
        out.append(
            DuplicatePair(
                aid,
                scored.score,
                scored.reasons,
                (a, b),
                (ra[1], rb[1]),
                (ra[2], rb[2]),
                ra[4] or rb[4],
                (ra[5], rb[5]),
                (ua, ub),
                decision,
            )
        )
    return sorted(out, key=lambda p: (-p.score, p.jointures))


def _persons(db: Database, accounts: dict[str, tuple]) -> dict[str, Person]:
    guardians = {r[1]: aid for aid, r in accounts.items() if r[3] == "PersRelEleve"}
    children: dict[str, set[str]] = {}
    for student, jointure in _rows(
        db,
        "SELECT student_id, guardian_jointure FROM guardian_links WHERE guardian_jointure IN ({marks})",
        sorted(guardians),
    ):
        children.setdefault(guardians[jointure], set()).add(student)
    child_family = {
        sid: "".join(words(_first(json.loads(attrs or "{}"), "sn")))
        for sid, attrs in _rows(
            db,
            "SELECT account_id, attrs FROM accounts WHERE account_id IN ({marks})",
            sorted({s for kids in children.values() for s in kids}),
        )
    }
    siecle = _siecle_contacts(db, sorted(guardians.values()))
    out = {}
    for aid, row in accounts.items():
        attrs = json.loads(row[6] or "{}")
        birth = _first(attrs, "ENTPersonDateNaissance")
        if len(birth) == 10 and birth[2] == "/":
            birth = f"{birth[6:]}-{birth[3:5]}-{birth[:2]}"
        given = [_first(attrs, "givenName"), *(attrs.get("ENTPersonAutresPrenoms") or [])]
        identity = Identity(
            _first(attrs, "ENTPersonNomPatro") or _first(attrs, "sn"),
            tuple(given),
            birth,
            _first(attrs, "sn") if _first(attrs, "ENTPersonNomPatro") else "",
            _first(attrs, "personalTitle"),
        )
        if row[3] != "PersRelEleve":
            out[aid] = Person(aid, False, identity)
            continue
        mails, phones = siecle.get(aid, (set(), set()))
        mails |= {_first(attrs, "mail").strip().lower()} - {""}
        phones |= {_digits(_first(attrs, p)) for p in _PHONES} - {""}
        address = _address(attrs)
        kids = children.get(aid, set())
        families = {f"{child_family[k]}|{address}" for k in kids if address and child_family.get(k)}
        out[aid] = Person(
            aid,
            True,
            identity,
            frozenset(mails),
            frozenset(phones),
            frozenset({address} - {""}),
            frozenset(kids),
            frozenset(families),
        )
    return out


def _siecle_contacts(db: Database, guardian_ids: list[str]) -> dict[str, tuple[set[str], set[str]]]:
    """The e-mails and phones of the SIECLE guardians linked to these accounts."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    if not db.table_exists("siecle_guardians"):  # a read model rebuilt for --as-of holds the directory only
        return out
    for aid, attrs in _rows(
        db,
        "SELECT l.account_id, g.attrs FROM siecle_account_links l "
        "JOIN siecle_guardians g ON g.guardian_id = l.aggregate_id "
        "WHERE l.kind = 'guardian' AND l.status = 'linked' AND l.account_id IN ({marks})",
        guardian_ids,
    ):
        values = json.loads(attrs or "{}")
        mails, phones = out.setdefault(aid, (set(), set()))
        mails |= {str(values.get("email", "")).strip().lower()} - {""}
        phones |= {_digits(str(values.get(p, ""))) for p in _SIECLE_PHONES} - {""}
    return out


def listed(db: Database, uai: str | None = None, naming: frozenset[str] | None = None) -> list[dict]:
    """The open suspected duplicates as ``entsync anomalies`` rows, best first:
    both keys, establishments, id, score and reasons — no names (``naming``: see ``pairs``)."""
    return [
        {
            "anomaly": KIND,
            "jointure": p.jointures[0],
            "profile": p.profile,
            "state": p.states[0],
            "detail": f"{short(p.anomaly_id)} open: score {p.score:.2f} with {p.jointures[1]} "
            f"({','.join(p.uais[0]) or '-'} / {','.join(p.uais[1]) or '-'}): {', '.join(p.reasons)}",
            "id": p.anomaly_id,
            "decision": "open",
            "score": p.score,
            "other": p.jointures[1],
        }
        for p in pairs(db, uai=uai, naming=naming)
        if p.decision == "open"
    ]


def reviewables(db: Database, prefix: str) -> list[Reviewable]:
    """The suspected duplicates an id prefix names: the open pairs listed now,
    and those under review (decided, or no longer scored)."""
    out: dict[str, Reviewable] = {}
    for aid, subject, status, author in db.query(
        "SELECT anomaly_id, subject, status, author FROM anomaly_reviews WHERE kind = ?", (KIND,)
    ):
        if aid.replace("-", "").startswith(prefix):
            out[aid] = Reviewable(aid, KIND, tuple(json.loads(subject)), status, author)
    for p in pairs(db):
        if p.decision == "open" and p.anomaly_id not in out and p.anomaly_id.replace("-", "").startswith(prefix):
            out[p.anomaly_id] = Reviewable(p.anomaly_id, KIND, p.account_ids, "open")
    return list(out.values())
