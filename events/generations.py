"""The account of a jointure now (design-15 "Account generations"): generation 1 is
``account_id(jointure)``; a confirmed overwrite records the next generation's id on the
account it ends (``successor_id``). The write side follows that chain through the log, so
the answer is deterministic from the log alone, without a read model: a later delivery of
the jointure changes the current generation, never an ended one."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from events.account import Account, account_id


class Streams(Protocol):
    def get(self, aggregate_id: UUID) -> Any: ...


def current(log: Streams, jointure: str) -> Account:
    """The jointure's current account (raises as ``log.get`` when it has none)."""
    account: Account = log.get(account_id(jointure))
    while account.successor_id:
        account = log.get(UUID(account.successor_id))
    return account


def generations(log: Streams, jointure: str) -> list[Account]:
    """Every account the jointure has had, the first first."""
    chain: list[Account] = [log.get(account_id(jointure))]
    while chain[-1].successor_id:
        chain.append(log.get(UUID(chain[-1].successor_id)))
    return chain
