"""Stream ids of the SIECLE aggregates, each ``uuid5(SIECLE_NAMESPACE, …)``
where ``SIECLE_NAMESPACE = uuid5(events.account.NAMESPACE, "siecle")``:

- a student per (UAI, ``ELEVE_ID``): ``"student:{uai}:{eleve_id}"``;
- a guardian (any person of BEE_RESPONSABLES) per (UAI, ``PERSONNE_ID``):
  ``"guardian:{uai}:{personne_id}"``;
- an import per received file: ``"import:{sha256}:{receipt}"`` where receipt
  counts earlier receipts of the same bytes (a re-sent file is a new import,
  rejected as a duplicate).
"""

from __future__ import annotations

from uuid import UUID, uuid5

from events.account import NAMESPACE

SIECLE_NAMESPACE = uuid5(NAMESPACE, "siecle")


def student_id(uai: str, eleve_id: str) -> UUID:
    return uuid5(SIECLE_NAMESPACE, f"student:{uai}:{eleve_id}")


def guardian_id(uai: str, personne_id: str) -> UUID:
    return uuid5(SIECLE_NAMESPACE, f"guardian:{uai}:{personne_id}")


def import_id(sha256: str, receipt: int) -> UUID:
    return uuid5(SIECLE_NAMESPACE, f"import:{sha256}:{receipt}")
