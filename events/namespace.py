"""The namespace of every deterministic id (accounts, logins, merges, anomalies): its own
module so that ``events/anomaly.py`` and the account's commands share it without importing
``events/account.py``, which imports them."""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "https://entsync.invalid/")
