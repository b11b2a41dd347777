"""Guardian accounts of one student exchanging identities in one AAF
delivery (domain-rules §5, §11): found before the delivery's records are
applied, from its staged guardian records (their children are
``ENTAuxPersRelEleveEleve``) and the few current accounts that share a
child with another changed guardian, judged crosswise by
events/identity_swaps.py.

Decision: the two accounts record their records without a suspected
overwrite (each alone would look overwritten), and the delivery records
one ``Delivery.GuardiansSwapped`` — one anomaly, decided as SIECLE's swap
is (acknowledged, to be corrected at the source), and nothing suspended:
the two persons keep their accounts, only their records are exchanged."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from events.account_rules import aaf_identity, identity_values
from events.generations import current
from events.identity_swaps import swapped_pairs
from events.usecases.aaf_ports import IngestWork

CHILDREN = "ENTAuxPersRelEleveEleve"


@dataclass(frozen=True)
class AafSwap:
    jointures: tuple[str, str]
    child: str  # the student's jointure
    file: str
    line: int  # the first of the two records


def guardian_swaps(uow: IngestWork, delivery_id: str, threshold: float) -> list[AafSwap]:
    rows = {r.jointure: r for r in uow.staging.upserts(delivery_id, "PersRelEleve")}
    if len(rows) < 2:
        return []
    new = {j: json.loads(r.attrs_json) for j, r in rows.items()}
    groups: dict[str, list[str]] = defaultdict(list)
    for jointure, attrs in new.items():
        for child in attrs.get(CHILDREN, []):
            groups[child].append(jointure)
    shared = {child: js for child, js in groups.items() if len(js) > 1}
    judged = {}
    for jointure in sorted({j for js in shared.values() for j in js}):
        account = current(uow.log, jointure)
        before = aaf_identity(identity_values(account.attrs, account.set_aside))
        judged[jointure] = (before, aaf_identity(identity_values(new[jointure], {})))
    return [
        AafSwap(
            (s.first, s.second),
            s.group,
            rows[s.first].file,
            min(rows[s.first].line, rows[s.second].line),
        )
        for s in swapped_pairs(judged, shared, threshold)
    ]
