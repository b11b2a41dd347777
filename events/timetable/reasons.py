"""The reasons a timetable import is rejected for (domain-rules §7), as the
pipeline records them; adapter reasons (malformed_xml, unknown_format,
invalid_uai, invalid_date, …) are recorded as the adapter gives them.
Stable: a metric counts them by source, reason and UAI, and the history
labels them (events/timetable/labels.py)."""

DUPLICATE_FILE = "duplicate_file"
THRESHOLD_EXCEEDED = "threshold_exceeded"
UNKNOWN_UAI = "unknown_uai"
END_DATE_AFTER_15_JULY = "end_date_after_15_july"
INVALID_CODE = "invalid_code"
INVALID_RECORD = "invalid_record"
EDT_STS_INSTEAD_OF_STS = "edt_sts_instead_of_sts"
UNREADABLE_FILE = "unreadable_file"
TOO_MANY_SET_ASIDE = "too_many_set_aside"
OLDER_THAN_AWAITING = "older_than_awaiting"
