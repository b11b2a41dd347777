"""The AAF ingest's pure decisions as tables: when a delivery is rejected
whole for its rejected records (issue 18, point 6), and the day its birth
dates may not be after (domain-rules §12)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import pytest

from adapters.errors import Rejection
from events.policy import Policy
from events.usecases.aaf_scan import Scan, birth_reference, too_many_rejected

SHIPPED = Policy()  # 10 000 records at most, a quarter above 100 rejected


def scan_of(rejected: int, kept: int) -> Scan:
    found = Scan(counts=Counter({"rejected": rejected, "added": kept}))
    found.rejections = [
        Rejection("invalid_date" if n % 3 else "missing_ine", "f.xml", n + 2, f"J{n}", "f", "m")
        for n in range(rejected)
    ]
    return found


@pytest.mark.parametrize(
    ("rejected", "kept", "finished", "refused"),
    [
        (0, 1000, True, False),
        (100, 10, True, False),  # a share over a quarter, but not above the minimum of 100 rejected
        (101, 300, True, True),  # above the minimum, over a quarter
        (101, 400, True, False),  # above the minimum, a fifth
        (101, 300, False, False),  # the share is judged once the delivery is read
        (10_001, 10_000_000, False, True),  # the count: judged as soon as it is passed
        (10_000, 10_000_000, True, False),
    ],
)
def test_a_delivery_is_rejected_whole_over_the_count_or_the_share(rejected, kept, finished, refused):
    result = too_many_rejected(scan_of(rejected, kept), SHIPPED, finished)
    assert (result is not None) == refused
    if result is not None:
        assert result.reason == "too_many_rejected_records"
        assert (result.file, result.line) == ("f.xml", 2)  # where the first rejected record is
        assert "invalid_date" in result.message and "missing_ine" in result.message


def test_no_limit_when_both_are_off():
    off = Policy(max_rejected_records=0, max_rejected_share=1.0)
    assert too_many_rejected(scan_of(50_000, 1), off, finished=True) is None


AUGUST = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("file_date", "expected"),
    [
        ("20260815", date(2026, 8, 15)),  # the export's own date
        ("20260901", date(2026, 8, 18)),  # dated in the future: the day of the ingest
        ("", date(2026, 8, 18)),  # no date in the names
        ("2026-08-15", date(2026, 8, 18)),  # not a date of the names' form
    ],
)
def test_birth_dates_are_judged_against_the_export_day_never_later_than_the_ingest(file_date, expected):
    assert birth_reference(file_date, AUGUST, "Europe/Paris") == expected
