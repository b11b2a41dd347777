"""The one rendering layer of the command line (issue 12): records, tables
and times as people read them, JSON as scripts read it, and nothing of
Python's own notation in between."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone

import pytest

from daemon.cli.render import Output


def text_output(**kw) -> tuple[Output, io.StringIO]:
    stream = io.StringIO()
    return Output(stream=stream, rich=False, **kw), stream


@pytest.mark.parametrize(
    "value, shown",
    [
        (datetime(2026, 9, 1, 6, tzinfo=timezone.utc), "2026-09-01 08:00:00 CEST"),  # summer: UTC+2
        (datetime(2026, 12, 1, 7, tzinfo=timezone.utc), "2026-12-01 08:00:00 CET"),  # winter: UTC+1
        ("2026-09-01T06:00:00+00:00", "2026-09-01 08:00:00 CEST"),
        ("2026-09-01T08:00:00+02:00", "2026-09-01 08:00:00 CEST"),
        ("2026-09-01 06:00:00.123456+00:00", "2026-09-01 08:00:00 CEST"),
        ("2026-09-01T06:00:00", "2026-09-01 08:00:00 CEST"),  # naive: the stores' UTC
        (None, "-"),
        ("", "-"),
        ("not a time", "not a time"),
    ],
)
def test_one_time_style_in_the_configured_zone(value, shown):
    assert Output(rich=False).time(value) == shown


def test_another_zone_is_the_configuration_s():
    ui = Output(zone="America/Cayenne", rich=False)
    assert ui.time("2026-09-01T06:00:00+00:00") == "2026-09-01 03:00:00 -03"


@pytest.mark.parametrize(
    "value, shown",
    [
        (None, "-"),
        ("", "-"),
        ([], "-"),
        ({}, "-"),
        (True, "yes"),
        (False, "no"),
        (0, "0"),
        (["a", "b"], "a, b"),
        ({"added": 3, "departed": 0}, "added 3, departed 0"),
        (date(2026, 9, 1), "2026-09-01"),
        ("2026-08-11", "2026-08-11"),  # a date alone stays a date
        ("2026-08-20T06:00:00+00:00", "2026-08-20 08:00:00 CEST"),  # a whole value that is a time
        ("received 2026-08-20T06:00:00+00:00", "received 2026-08-20T06:00:00+00:00"),  # a message is left alone
    ],
)
def test_a_value_is_never_python_notation(value, shown):
    assert Output(rich=False).value(value) == shown


def test_a_record_is_one_key_value_a_line_with_nested_values_indented():
    ui, _ = text_output()
    text = ui.record(
        {
            "jointure": "1028813",
            "departed_at": None,
            "created_at": "2026-08-20T07:00:00+00:00",
            "logins": ["emma.mathieu"],
            "anomalies": [],
            "counts": {"added": 3, "nested": {"deep": None}},
            "structures": [{"jointure": "95709", "uai": "0740263J"}, {"jointure": "1", "uai": None}],
            "attributes": {"sn": ["Mathieu"]},
        },
        skip=("attributes",),
    )
    assert text.splitlines() == [
        "jointure: 1028813",
        "departed_at: -",
        "created_at: 2026-08-20 09:00:00 CEST",
        "logins: emma.mathieu",
        "anomalies: -",
        "counts:",
        "  added: 3",
        "  nested:",
        "    deep: -",
        "structures:",
        "  jointure  uai",
        "  95709     0740263J",
        "  1         -",
    ]
    for python in ("None", "[]", "{'", "['", "True"):
        assert python not in text


def test_a_table_is_plain_aligned_text_off_a_terminal():
    ui, _ = text_output()
    rows = [
        {"kind": "create", "login": "emma.mathieu", "removal_due": None, "uais": ["0740263J", "0011068F"]},
        {"kind": "remove", "login": "", "removal_due": "2026-10-24T00:00:00+00:00", "uais": []},
    ]
    assert ui.table(rows, ("kind", "login", "removal_due", "uais")).splitlines() == [
        "kind    login         removal_due               uais",
        "create  emma.mathieu  -                         0740263J,0011068F",
        "remove  -             2026-10-24 02:00:00 CEST  -",
    ]
    assert ui.table([], ("kind",)) == "(none)"


def test_a_table_on_a_terminal_is_rich_s_and_keeps_every_value_whole():
    ui = Output(stream=io.StringIO(), rich=True)
    rows = [{"import_id": "3987a6cc-c95d-51e6-8bc9-6baec9239ffe", "note": "[bold]not markup[/bold]"}]
    text = ui.table(rows, ("import_id", "note"))
    assert "─" in text  # rich's rule under the header
    assert "3987a6cc-c95d-51e6-8bc9-6baec9239ffe" in text and "[bold]not markup[/bold]" in text


def test_json_is_the_data_with_times_in_iso_8601_with_their_offset():
    ui, stream = text_output(as_json=True)
    at = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
    ui.show({"at": at, "day": date(2026, 9, 1), "uais": {"B", "A"}, "none": None}, "ignored")
    assert json.loads(stream.getvalue()) == {
        "at": "2026-09-01T06:00:00+00:00",
        "day": "2026-09-01",
        "uais": ["A", "B"],
        "none": None,
    }


def test_text_is_shown_without_json():
    ui, stream = text_output()
    ui.show({"ignored": True}, "removals are not held")
    assert stream.getvalue() == "removals are not held\n"
