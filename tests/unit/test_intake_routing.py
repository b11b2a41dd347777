"""The one routing table from a recognised kind of file to its use case,
shared by `entsync ingest` and the inbox."""

from __future__ import annotations

import pytest

from adapters.sniff import KINDS
from events.usecases.intake import INTAKE_OF_KIND, intake_of


@pytest.mark.parametrize(
    ("kind", "intake"),
    [
        ("aaf", "aaf"),
        ("siecle-eleves", "siecle"),
        ("siecle-responsables", "siecle"),
        ("siecle-nomenclatures", None),  # read by nobody: answered as not importable
        ("sts", "timetable"),
        ("edt-sts", "timetable"),  # refused by the timetable import with its own reason
        ("timetable-edt", "timetable"),
        ("timetable-envelope", None),  # encrypted: the operator re-exports in clear
        ("unknown", None),
        ("missing", None),
    ],
)
def test_each_kind_goes_to_one_use_case(kind, intake):
    assert intake_of(kind) == intake


def test_every_kind_routed_is_one_the_adapters_recognise():
    assert set(INTAKE_OF_KIND) <= set(KINDS.values())
