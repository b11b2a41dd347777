"""The API's time parameters: ISO 8601 date and time only."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d")


def iso_only(value: Any) -> Any:
    """Only a date and time as ISO 8601 writes them: pydantic would also read a
    number (a Unix time) or a date alone, which the document does not describe."""
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise ValueError("not an ISO 8601 date and time")
    return value


IsoTime = Annotated[datetime, BeforeValidator(iso_only)]
