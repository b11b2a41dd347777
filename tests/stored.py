"""Stored events compared across stores: two stores seal the same facts under
different keys and nonces (events/sealing.py), so their states are compared
with the sealed fields opened."""

from __future__ import annotations

import json
from typing import Any


def opened_state(log: Any, note: Any) -> dict[str, Any]:
    """``note``'s stored state as JSON, its sealed fields opened with ``log``'s keys."""
    state = json.loads(note.state)
    sealer = getattr(log.mapper, "sealer", None)
    if sealer is not None:
        sealer.open(state)
    return state
