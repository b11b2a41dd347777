"""Cancelling an import awaiting validation ("Annuler l'import", domain-rules
§7): nothing of it is applied, and the establishment's next export is
again the first of its school year."""

from __future__ import annotations

from datetime import datetime

from events.usecases.result import Result
from events.usecases.timetable_work import TimetableWork, load, save


def cancel(key: str, operator: str, reason: str, uow: TimetableWork, now: datetime | None = None) -> Result:
    """An operator cancels the import ``key``, saying why."""
    imp = load(uow, key)
    imp.cancel(operator, reason, uow.effective_now(now))
    return save(uow, [imp], f"cancelled by {operator}; nothing applied", {})
